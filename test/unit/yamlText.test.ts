import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { unifiedDiff } from '../../src/core/fixes/unifiedDiff';
import { setYamlText, YamlTextError } from '../../src/core/fixes/yamlText';
import { needs, toolMissing } from '../support/prereq';
import { patched } from '../support/consumers';

// YAML set as text: each case gives the exact expected text (every other byte kept), and the
// diff of each change is applied by the real GNU patch to the original and must give that text.

const CASES: { name: string; before: string; sets: { path: string[]; value: string | number | boolean }[]; after: string }[] = [
  {
    name: 'an existing scalar in place, its trailing comment and its spacing kept',
    before: 'cgroupDriver: cgroupfs    # set by hand\nclusterDNS:\n- 10.96.0.10\n',
    sets: [{ path: ['cgroupDriver'], value: 'systemd' }],
    after: 'cgroupDriver: systemd    # set by hand\nclusterDNS:\n- 10.96.0.10\n',
  },
  {
    name: 'a quoted scalar keeps its quotes',
    before: 'systemReserved:\n  pid: "100"\n',
    sets: [{ path: ['systemReserved', 'pid'], value: '2000' }],
    after: 'systemReserved:\n  pid: "2000"\n',
  },
  {
    name: 'a new key after the last entry of the top-level mapping (a trailing comment stays last)',
    before: 'kind: KubeletConfiguration\nclusterDNS:\n- 10.96.0.10\n\n# the end\n',
    sets: [{ path: ['podPidsLimit'], value: 1234 }],
    after: 'kind: KubeletConfiguration\nclusterDNS:\n- 10.96.0.10\npodPidsLimit: 1234\n\n# the end\n',
  },
  {
    name: 'a key added to a nested block mapping at its own indentation (4 spaces here)',
    before: 'evictionHard:\n    memory.available: 100Mi   # keep\n    nodefs.available: 10%\nkind: KubeletConfiguration\n',
    sets: [{ path: ['evictionHard', 'pid.available'], value: '10%' }],
    after: 'evictionHard:\n    memory.available: 100Mi   # keep\n    nodefs.available: 10%\n    pid.available: 10%\nkind: KubeletConfiguration\n',
  },
  {
    name: 'a nested mapping added, indented with the file\'s own step',
    before: 'authentication:\n    anonymous:\n        enabled: false\nkind: KubeletConfiguration\n',
    sets: [{ path: ['systemReserved', 'pid'], value: '1000' }],
    after: 'authentication:\n    anonymous:\n        enabled: false\nkind: KubeletConfiguration\nsystemReserved:\n    pid: "1000"\n',
  },
  {
    name: 'a flow mapping stays in flow style',
    before: 'evictionHard: {memory.available: 100Mi}  # flow\nkind: KubeletConfiguration\n',
    sets: [{ path: ['evictionHard', 'pid.available'], value: '10%' }],
    after: 'evictionHard: {memory.available: 100Mi, pid.available: 10%}  # flow\nkind: KubeletConfiguration\n',
  },
  {
    name: 'an empty flow mapping',
    before: 'memorySwap: {}\n',
    sets: [{ path: ['memorySwap', 'swapBehavior'], value: 'NoSwap' }],
    after: 'memorySwap: {swapBehavior: NoSwap}\n',
  },
  {
    name: 'a scalar inside a flow mapping',
    before: 'evictionHard: { memory.available: 100Mi, pid.available: 5% }\n',
    sets: [{ path: ['evictionHard', 'pid.available'], value: '10%' }],
    after: 'evictionHard: { memory.available: 100Mi, pid.available: 10% }\n',
  },
  {
    name: 'CRLF line ends are kept and used for new lines',
    before: 'kind: KubeletConfiguration\r\nevictionHard:\r\n  memory.available: 100Mi\r\n',
    sets: [{ path: ['evictionHard', 'pid.available'], value: '10%' }, { path: ['podPidsLimit'], value: 99 }],
    after: 'kind: KubeletConfiguration\r\nevictionHard:\r\n  memory.available: 100Mi\r\n  pid.available: 10%\r\npodPidsLimit: 99\r\n',
  },
  {
    name: 'a file without a trailing newline still has none',
    before: 'kind: KubeletConfiguration\nevictionHard:\n  memory.available: 100Mi',
    sets: [{ path: ['evictionHard', 'pid.available'], value: '10%' }],
    after: 'kind: KubeletConfiguration\nevictionHard:\n  memory.available: 100Mi\n  pid.available: 10%',
  },
  {
    name: 'a key with an empty value gets the value after its colon',
    before: 'cgroupDriver:\nkind: KubeletConfiguration\n',
    sets: [{ path: ['cgroupDriver'], value: 'systemd' }],
    after: 'cgroupDriver: systemd\nkind: KubeletConfiguration\n',
  },
  {
    name: 'a null mapping (`systemReserved:`) gets its first key below it',
    before: 'systemReserved:\nkind: KubeletConfiguration\n',
    sets: [{ path: ['systemReserved', 'pid'], value: '1000' }],
    after: 'systemReserved:\n  pid: "1000"\nkind: KubeletConfiguration\n',
  },
];

describe('YAML set as text (yamlText)', () => {
  for (const c of CASES) {
    it(c.name, function () {
      const out = setYamlText(c.before, c.sets);
      assert.equal(out, c.after);
      needs(this, toolMissing('patch'));
      assert.equal(patched(c.before, unifiedDiff(c.before, out, 'a/f', 'b/f')), out);
    });
  }

  it('changes nothing (same text) when the file already says it', () => {
    const t = 'evictionHard: {pid.available: 10%}\npodPidsLimit: 4096 # ok\n';
    assert.equal(setYamlText(t, [{ path: ['evictionHard', 'pid.available'], value: '10%' }, { path: ['podPidsLimit'], value: 4096 }]), t);
  });

  it('numbers-as-strings are quoted, so kubelet reads a string', () => {
    const out = setYamlText('a: 1\n', [{ path: ['systemReserved', 'pid'], value: '1000' }, { path: ['x'], value: 'true' }]);
    assert.deepEqual(parse(out), { a: 1, systemReserved: { pid: '1000' }, x: 'true' });
  });

  it('refuses what it cannot patch: invalid YAML, a sequence at the top, a scalar where a mapping is needed', () => {
    assert.throws(() => setYamlText('a: [1\n', [{ path: ['b'], value: 1 }]), YamlTextError);
    assert.throws(() => setYamlText('- a\n', [{ path: ['b'], value: 1 }]), YamlTextError);
    assert.throws(() => setYamlText('evictionHard: 5\n', [{ path: ['evictionHard', 'pid.available'], value: '1%' }]), YamlTextError);
  });
});

describe('unifiedDiff and a file without a trailing newline', () => {
  it('prints "\\ No newline at end of file" where diff -u does (compared with the real diff)', function () {
    needs(this, toolMissing('diff'));
    const dir = mkdtempSync(join(tmpdir(), 'cf-noeol-'));
    try {
      for (const [a, b] of [['x: 1\ny: 2', 'x: 1\ny: 2\nz: 3'], ['x: 1\ny: 2\n', 'x: 1\ny: 3'], ['a\nb\nc', 'a\nB\nc']]) {
        writeFileSync(join(dir, 'a'), a!);
        writeFileSync(join(dir, 'b'), b!);
        const real = execFileSync('sh', ['-c', 'diff -u a b | tail -n +3; true'], { cwd: dir, encoding: 'utf8' });
        assert.equal(unifiedDiff(a!, b!, 'a', 'b').split('\n').slice(2).join('\n'), real);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
