import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTomlValue, TomlPatchError } from '../../src/core/fixes/tomlText';
import { unifiedDiff } from '../../src/core/fixes/unifiedDiff';
import { needs, toolMissing } from '../support/prereq';

// The TOML text patcher: each case states the exact text expected (only the intended bytes
// change), and every result is applied as a diff by the real patch(1) to the original.
const V2 = ['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes', 'runc', 'options', 'SystemdCgroup'];
const V3 = ['plugins', 'io.containerd.cri.v1.runtime', 'containerd', 'runtimes', 'runc', 'options', 'SystemdCgroup'];

function patchApplies(before: string, after: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'cf-toml-'));
  try {
    writeFileSync(join(dir, 'f'), before);
    execFileSync('patch', ['-s', join(dir, 'f')], { input: unifiedDiff(before, after, 'a/f', 'b/f') });
    assert.equal(readFileSync(join(dir, 'f'), 'utf8'), after);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('TOML text patcher', () => {
  const cases: { name: string; path?: string[]; value?: boolean | string; before: string; after: string }[] = [
    {
      name: 'sets an existing key in place, keeping its spacing and trailing comment',
      before: '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  BinaryName = "/usr/bin/runc"\n  SystemdCgroup   =   false   # set by ops\n',
      after: '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  BinaryName = "/usr/bin/runc"\n  SystemdCgroup   =   true   # set by ops\n',
    },
    {
      name: 'adds the key after the last key of its table, with that table\'s indentation (sub-tables and comments after it stay)',
      before: '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n      BinaryName = ""\n      Root = ""\n  # SystemdCgroup = true\n\n  [plugins."io.containerd.grpc.v1.cri".registry]\n',
      after: '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n      BinaryName = ""\n      Root = ""\n      SystemdCgroup = true\n  # SystemdCgroup = true\n\n  [plugins."io.containerd.grpc.v1.cri".registry]\n',
    },
    {
      name: "adds the missing table after its parent runtime table's block, indented as that block",
      before: '[plugins]\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n    runtime_type = "io.containerd.runc.v2"\n\n  [plugins."io.containerd.grpc.v1.cri".registry]\n    config_path = ""\n',
      after: '[plugins]\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n    runtime_type = "io.containerd.runc.v2"\n\n    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n      SystemdCgroup = true\n\n  [plugins."io.containerd.grpc.v1.cri".registry]\n    config_path = ""\n',
    },
    {
      name: "header parts in single quotes and spaces inside the brackets (version 3): the parent's own spelling is kept",
      path: V3,
      before: "version = 3\n[ plugins . 'io.containerd.cri.v1.runtime' . containerd . runtimes . runc ]\nruntime_type = 'io.containerd.runc.v2'\n",
      after: "version = 3\n[ plugins . 'io.containerd.cri.v1.runtime' . containerd . runtimes . runc ]\nruntime_type = 'io.containerd.runc.v2'\n\n[plugins . 'io.containerd.cri.v1.runtime' . containerd . runtimes . runc.options]\nSystemdCgroup = true\n",
    },
    {
      name: 'a dotted key under the runtime table is set where it is',
      before: '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  options.SystemdCgroup = false\n',
      after: '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  options.SystemdCgroup = true\n',
    },
    {
      name: 'a table made of dotted keys gets one more dotted key beside them',
      before: '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n  options.BinaryName = "/usr/bin/runc"\n\n[x]\n',
      after: '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n  options.BinaryName = "/usr/bin/runc"\n  options.SystemdCgroup = true\n\n[x]\n',
    },
    {
      name: 'an inline table on one line takes the key before its closing brace',
      before: '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  options = { BinaryName = "/usr/bin/runc" }  # inline\n',
      after: '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  options = { BinaryName = "/usr/bin/runc", SystemdCgroup = true }  # inline\n',
    },
    {
      name: 'an empty inline table nested in another',
      before: '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes]\n  runc = { runtime_type = "io.containerd.runc.v2", options = {} }\n',
      after: '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes]\n  runc = { runtime_type = "io.containerd.runc.v2", options = { SystemdCgroup = true } }\n',
    },
    {
      name: 'CRLF line ends stay CRLF, new lines included',
      before: 'version = 2\r\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\r\n  Root = ""\r\n',
      after: 'version = 2\r\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\r\n  Root = ""\r\n  SystemdCgroup = true\r\n',
    },
    {
      name: 'a file without a final newline stays without one (table added at the end)',
      before: 'version = 2\n# no plugins yet',
      after: 'version = 2\n# no plugins yet\n\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\nSystemdCgroup = true',
    },
    {
      name: 'a header look-alike inside a multi-line string is not a table',
      before: 'note = """\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\nSystemdCgroup = false\n"""\n',
      after: 'note = """\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\nSystemdCgroup = false\n"""\n\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\nSystemdCgroup = true\n',
    },
    {
      name: 'a missing table whose sub-table is written goes just before it and its leading comments',
      path: ['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes', 'runc', 'runtime_type'],
      value: 'io.containerd.runc.v2',
      before: 'version = 2\n\n  # runc, as the docs say\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n    SystemdCgroup = true\n',
      after: 'version = 2\n\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n    runtime_type = "io.containerd.runc.v2"\n\n  # runc, as the docs say\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n    SystemdCgroup = true\n',
    },
    {
      name: 'a new sub-table of an empty table is indented one step in a file that indents its sub-tables',
      path: ['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes', 'runc', 'runtime_type'],
      value: 'io.containerd.runc.v2',
      before: '    [plugins."io.containerd.grpc.v1.cri".containerd]\n      snapshotter = "overlayfs"\n\n      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]\n\n    [plugins."io.containerd.grpc.v1.cri".registry]\n',
      after: '    [plugins."io.containerd.grpc.v1.cri".containerd]\n      snapshotter = "overlayfs"\n\n      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]\n\n        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n          runtime_type = "io.containerd.runc.v2"\n\n    [plugins."io.containerd.grpc.v1.cri".registry]\n',
    },
    {
      name: "a string value takes its neighbours' quotes",
      path: ['plugins', 'io.containerd.cri.v1.runtime', 'containerd', 'runtimes', 'runc', 'runtime_type'],
      value: 'io.containerd.runc.v2',
      before: "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]\n  runtime_path = ''\n",
      after: "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]\n  runtime_path = ''\n  runtime_type = 'io.containerd.runc.v2'\n",
    },
  ];
  for (const c of cases) {
    it(c.name, function () {
      const got = setTomlValue(c.before, c.path ?? V2, c.value ?? true);
      assert.equal(got, c.after);
      needs(this, toolMissing('patch'));
      patchApplies(c.before, got);
    });
  }

  it('refuses, saying why, what it cannot edit safely', () => {
    const refuses = (text: string, why: RegExp): void => {
      assert.throws(() => setTomlValue(text, V2, true), (e: unknown) => e instanceof TomlPatchError && why.test(e.message) && !e.message.includes('\n'));
    };
    refuses('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\noptions = [1,\n 2]\n', /options is a value, not a table/);
    refuses('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\nSystemdCgroup = [\n false ]\n', /spans several lines/);
    refuses('[[plugins."io.containerd.grpc.v1.cri".containerd.runtimes]]\nx = 1\n', /array of tables/);
    refuses('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup]\n', /is a table/);
    refuses('version = 2\n[plugins\nSystemdCgroup = true\n', /^not valid TOML: /);
  });
});
