import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { HOSTS } from '../fixtures/hosts/specs';
import { makeFakeHost, type FakeHost } from '../support/fakeHost';
import { needs, toolMissing } from '../support/prereq';

// `fix containerd` through the built CLI on fake node roots (--host-root: the facts program reads
// the node's /etc/containerd/config.toml as it would on a node), checked by the real consumers:
// GNU patch applies the printed output from a copy of the node root and must give exactly what
// --file prints; containerd 1.6 (Debian's) reads the patched file with `config dump`, and the dumps
// before and after differ only in the intended lines. Version 3 files are for containerd 2.x, of
// which no binary exists here: their structure is checked against containerd's docs/cri/config.md
// ("Cgroup Driver", version 3: [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
// SystemdCgroup = true; read at containerd commit 00142976c7947b870a6e93d31f1d03e0238b4995).
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');
const CONFIGS = join(__dirname, '..', 'fixtures', 'configs');
const read = (f: string): string => readFileSync(join(CONFIGS, f), 'utf8');
const CONF = 'etc/containerd/config.toml';

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function host(config: string | undefined, extra: Record<string, string> = {}): FakeHost {
  const spec = HOSTS['v2-systemd']!();
  spec.files = { ...spec.files, ...(config === undefined ? {} : { [CONF]: config }), ...extra };
  return makeFakeHost(spec);
}

/** `containerd --config FILE config dump` of each text, from the same path (the dump names it). */
function dumps(...texts: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'cf-ctrd-dump-'));
  try {
    return texts.map((t) => {
      writeFileSync(join(dir, 'config.toml'), t);
      const r = spawnSync('containerd', ['--config', join(dir, 'config.toml'), 'config', 'dump'], { encoding: 'utf8' });
      assert.equal(r.status, 0, `containerd config dump: ${r.stderr}`);
      return r.stdout;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The lines diff(1) -U0 removes and adds between two texts. */
function changedLines(a: string, b: string): { removed: string[]; added: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'cf-diff-'));
  try {
    writeFileSync(join(dir, 'a'), a);
    writeFileSync(join(dir, 'b'), b);
    const out = spawnSync('diff', ['-U0', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' }).stdout;
    const lines = out.split('\n').filter((l) => !/^(---|\+\+\+|@@) /.test(l));
    return { removed: lines.filter((l) => l.startsWith('-')).map((l) => l.slice(1)), added: lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the CRI plugin's runc options table holds in a dump. */
const RUNC_OPTIONS = /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runc\.options\]\n((?:[ \t]+\w+ = .*\n)*)/;
/** Options containerd 1.6 dumps for its built-in runc entry: all zero values (what runc's shim uses when unset). */
const ZERO_OPTION = /^ +(BinaryName|CriuImagePath|CriuPath|CriuWorkPath|IoGid|IoUid|NoNewKeyring|NoPivotRoot|Root|ShimCgroup|SystemdCgroup) = (""|0|false)$/;

describe('fix containerd through the CLI: patch(1) and containerd 1.6 as the judges', function () {
  this.timeout(120_000);
  before(() => {
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
  });

  /** --file, the printed diff (header comments included), and the --json diff of one node. */
  function fixOf(config: string | undefined): { file: string; printed: string; diff: string; patchedCopy: string | undefined } {
    const h = host(config);
    const copy = mkdtempSync(join(tmpdir(), 'cf-node-copy-'));
    try {
      const file = run(['fix', 'containerd', '--host-root', h.root, '--file']);
      assert.equal(file.code, 0, file.stderr);
      const printed = run(['fix', 'containerd', '--host-root', h.root]);
      assert.equal(printed.code, 0, printed.stderr);
      const json = run(['fix', 'containerd', '--host-root', h.root, '--json']);
      const diff = (JSON.parse(json.stdout) as { fixes: { diff: string }[] }).fixes[0]!.diff;
      // The operator's step: patch -p1 run from the node's root, on a copy of it.
      execFileSync('cp', ['-a', `${h.root}/.`, copy]);
      const p = spawnSync('patch', ['-p1', '-d', copy], { input: printed.stdout, encoding: 'utf8' });
      assert.equal(p.status, 0, `patch: ${p.stdout}${p.stderr}`);
      const patchedCopy = existsSync(join(copy, CONF)) ? readFileSync(join(copy, CONF), 'utf8') : undefined;
      return { file: file.stdout, printed: printed.stdout, diff, patchedCopy };
    } finally {
      h.remove();
      rmSync(copy, { recursive: true, force: true });
    }
  }

  const operator = read('containerd-operator-odd.toml');
  const cases: {
    name: string;
    config: () => string | undefined;
    /** The diff's changed lines. */
    diffChanges: string[];
    /** How the dump changes: 'systemd' = only SystemdCgroup false -> true; 'added' = only SystemdCgroup = true added; 'zeros' = runc's zero-valued built-in options dropped and SystemdCgroup = true; 'runtime' = runc's empty runtime_type set and SystemdCgroup = true added. */
    dump?: 'systemd' | 'added' | 'zeros' | 'runtime';
    /** Version 3: checked against the docs, not a binary. */
    v3?: boolean;
  }[] = [
    { name: 'an operator-style version 2 file (comments, tabs, mixed quotes, dotted keys, a multi-line array)', config: () => operator, diffChanges: ['+      options.SystemdCgroup = true'], dump: 'added' },
    { name: 'the same with CRLF line ends and no final newline', config: () => operator.replace(/\n/g, '\r\n').replace(/\r\n$/, ''), diffChanges: ['+      options.SystemdCgroup = true\r'], dump: 'added' },
    { name: 'the real `containerd config default` output of the installed containerd', config: () => execFileSync('containerd', ['config', 'default'], { encoding: 'utf8' }), diffChanges: ['-            SystemdCgroup = false', '+            SystemdCgroup = true'], dump: 'systemd' },
    { name: 'a version 2 file shaped as containerd 1.7 ships it', config: () => read('containerd-1.7-config.toml'), diffChanges: ['-            SystemdCgroup = false', '+            SystemdCgroup = true'], dump: 'systemd' },
    {
      name: 'a version 1 file (no version line: plugin "cri")',
      config: () => '# legacy node\n[plugins.cri]\n  sandbox_image = "registry.k8s.io/pause:3.6"\n',
      diffChanges: ['+', '+  [plugins.cri.containerd.runtimes.runc]', '+    runtime_type = "io.containerd.runc.v2"', '+', '+    [plugins.cri.containerd.runtimes.runc.options]', '+      SystemdCgroup = true'],
      dump: 'zeros',
    },
    {
      name: "a file with only the docs' options table (runc's runtime_type empty until now)",
      config: () => 'version = 2\n\n# from the containerd docs\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  BinaryName = "/usr/bin/runc"\n',
      diffChanges: ['+[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]', '+  runtime_type = "io.containerd.runc.v2"', '+', '+  SystemdCgroup = true'],
      dump: 'runtime',
    },
    { name: 'a version 3 file (containerd 2.x)', config: () => read('containerd-2.0-config.toml'), diffChanges: ['+            SystemdCgroup = true'], v3: true },
    {
      name: 'no file on the node (containerd runs its defaults)',
      config: () => undefined,
      diffChanges: ['+version = 2', '+', '+[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]', '+  runtime_type = "io.containerd.runc.v2"', '+', '+[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]', '+  SystemdCgroup = true'],
      dump: 'zeros',
    },
  ];

  for (const c of cases) {
    it(`${c.name}: patch -p1 gives --file's bytes, the diff is only the change${c.dump ? ', containerd 1.6 reads it' : ''}`, function () {
      needs(this, toolMissing('patch'));
      const original = c.config();
      const r = fixOf(original);
      assert.equal(r.patchedCopy, r.file, 'patch -p1 -d COPY < output gives exactly --file');
      assert.match(r.diff, original === undefined ? /^--- \/dev\/null\n\+\+\+ b\/etc\/containerd\/config\.toml\n/ : /^--- a\/etc\/containerd\/config\.toml\n\+\+\+ b\/etc\/containerd\/config\.toml\n/);
      const lines = r.diff.split('\n').filter((l) => /^[-+]/.test(l) && !/^(---|\+\+\+) /.test(l));
      assert.deepEqual(lines, c.diffChanges);
      // A one-line change is a few lines: headers, one hunk, three lines of context each side.
      assert.ok(r.diff.split('\n').length <= 3 + 6 + c.diffChanges.length + 2, `diff too long:\n${r.diff}`);
      if (original !== undefined) {
        // Every line of the node's file but the one changed is still there (comments included).
        const gone = new Set(c.diffChanges.filter((l) => l.startsWith('-')).map((l) => l.slice(1)));
        for (const l of original.split(/\r?\n/)) if (!gone.has(l)) assert.ok(r.file.includes(l), `operator line kept: ${l}`);
      }
      if (c.v3) {
        // containerd 2.x's key per docs/cri/config.md (no 2.x binary here to run config dump).
        const doc = parseToml(r.file) as { version: number; plugins: Record<string, { containerd?: { runtimes?: Record<string, { runtime_type?: string; options?: Record<string, unknown> }> } }> };
        assert.equal(doc.version, 3);
        assert.equal(doc.plugins['io.containerd.cri.v1.runtime']!.containerd!.runtimes!.runc!.options!.SystemdCgroup, true);
        assert.equal(doc.plugins['io.containerd.cri.v1.runtime']!.containerd!.runtimes!.runc!.runtime_type, 'io.containerd.runc.v2');
        assert.equal(doc.plugins['io.containerd.grpc.v1.cri']!.containerd, undefined, 'nothing under the 1.x plugin');
      }
      if (!c.dump) return;
      needs(this, toolMissing('containerd'));
      // No file: containerd 1.6's `config dump` refuses a --config that does not exist, and an empty
      // file gives its built-in defaults (version 1, migrated), so the empty file stands for none.
      const [before, after] = dumps(original ?? '', r.file);
      assert.match(after!, RUNC_OPTIONS);
      assert.match(RUNC_OPTIONS.exec(after!)![1]!, /^ +SystemdCgroup = true$/m, 'SystemdCgroup = true where CRI reads it');
      assert.match(after!, /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runc\]\n(?:[ \t]+\w+ = .*\n)*[ \t]+runtime_type = "io\.containerd\.runc\.v2"\n/, 'runc keeps its runtime_type');
      const d = changedLines(before!, after!);
      if (c.dump === 'systemd') assert.deepEqual(d, { removed: ['            SystemdCgroup = false'], added: ['            SystemdCgroup = true'] });
      else if (c.dump === 'added') assert.deepEqual(d, { removed: [], added: ['            SystemdCgroup = true'] });
      else if (c.dump === 'runtime') assert.deepEqual(d, { removed: ['          runtime_type = ""'], added: ['          runtime_type = "io.containerd.runc.v2"', '            SystemdCgroup = true'] });
      else {
        assert.deepEqual(d.added, ['            SystemdCgroup = true']);
        assert.ok(d.removed.length > 0 && d.removed.every((l) => ZERO_OPTION.test(l)), `only zero-valued runc options go:\n${d.removed.join('\n')}`);
      }
    });
  }

  it('already set: one line saying so, no diff, exit 0', () => {
    const h = host(fixOf(read('containerd-1.7-config.toml')).file);
    try {
      const r = run(['fix', 'containerd', '--host-root', h.root]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^# no change needed: \/etc\/containerd\/config\.toml already sets SystemdCgroup = true$/m);
      assert.doesNotMatch(r.stdout, /^(---|\+\+\+|@@) /m);
    } finally {
      h.remove();
    }
  });

  describe('inputs that cannot be used are errors naming the file', () => {
    let h: FakeHost;
    before(() => {
      h = host('version = 2\n[plugins\n', { 'etc/containerd/also-bad.toml': 'version = "2\n' });
    });
    after(() => h.remove());

    const oneLine = (r: { code: number | null; stdout: string; stderr: string }, line: RegExp): void => {
      assert.equal(r.code, 3, r.stderr + r.stdout);
      assert.match(r.stderr, line);
      assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
      assert.equal(r.stdout, '');
    };

    for (const cmd of [['fix', 'containerd'], ['fix', 'driver'], ['orphans'], ['evidence'], ['export', '--prometheus']]) {
      it(`${cmd.join(' ')} --containerd-config FILE that does not exist: one line, exit 3`, () => {
        oneLine(run([...cmd, '--host-root', h.root, '--containerd-config', '/etc/containerd/nope.toml']), /^cgroup-forensics: --containerd-config \/etc\/containerd\/nope\.toml: no such file\n$/);
      });
    }

    for (const cmd of [['fix', 'containerd'], ['orphans']]) {
      it(`${cmd.join(' ')} --containerd-config FILE that is not valid TOML: one line, exit 3`, () => {
        oneLine(run([...cmd, '--host-root', h.root, '--containerd-config', '/etc/containerd/also-bad.toml']), /^cgroup-forensics: --containerd-config \/etc\/containerd\/also-bad\.toml: cannot read: not valid TOML: [^\n]+\n$/);
      });
    }

    for (const kind of ['containerd', 'driver']) {
      it(`fix ${kind} with the node's own config unparseable: one line naming it, exit 3`, () => {
        oneLine(run(['fix', kind, '--host-root', h.root]), /^cgroup-forensics: cannot parse \/etc\/containerd\/config\.toml: not valid TOML: [^\n]+\n$/);
      });
    }

    it('a FILE that exists but cannot be read (a directory) is never taken for an empty config', () => {
      const d = host(undefined);
      try {
        mkdirSync(join(d.root, 'etc/containerd/config.toml'), { recursive: true });
        oneLine(run(['fix', 'containerd', '--host-root', d.root, '--containerd-config', '/etc/containerd/config.toml']), /^cgroup-forensics: --containerd-config \/etc\/containerd\/config\.toml: exists but cannot be read\n$/);
        oneLine(run(['fix', 'containerd', '--host-root', d.root]), /^cgroup-forensics: cannot read \/etc\/containerd\/config\.toml: it exists but cannot be read\n$/);
      } finally {
        d.remove();
      }
    });

    it("orphans with the node's own config unparseable: a source-unreadable finding, exit 1, never 'no findings'", () => {
      const r = run(['orphans', '--host-root', h.root]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /cannot read \/etc\/containerd\/config\.toml: not valid TOML/);
      assert.match(r.stdout, /\(source-unreadable, /);
      assert.doesNotMatch(r.stdout, /no findings/i);
    });
  });
});
