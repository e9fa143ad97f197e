import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FindingKind } from '../../src/core/analysis/finding';
import { FINDING_NEEDS } from '../../src/core/analysis/findingNeeds';
import { v1CgroupfsHost, v2SystemdHost } from '../fixtures/hosts/specs';
import { makeFakeHost, type FakeHost } from '../support/fakeHost';
import { needs, toolMissing } from '../support/prereq';

// The built CLI (dist/cli.js) run as a user runs it: every error is one line naming what is wrong,
// with its documented exit status; --from works for every command that can work from a saved
// snapshot, says what it skipped, and is not offered by the others.
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, CGROUP_FORENSICS_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One line on standard error, no stack, no parser excerpt, quotes that pair. */
function oneLine(stderr: string, what: string): void {
  assert.match(stderr, /^cgroup-forensics: [^\n]+\n$/, `${what}: ${JSON.stringify(stderr)}`);
  assert.doesNotMatch(stderr, /\bat .+:\d+:\d+|TypeError|SyntaxError|is not a function|\^/, what);
  // Quotes pair (an apostrophe inside a word is not a quote).
  assert.equal((stderr.replace(/\b'\b/g, '').match(/'/g) ?? []).length % 2, 0, `${what}: unbalanced quotes: ${stderr}`);
}

const LIVE_ONLY = ['watch', 'inspect', 'evidence', 'diff'];
const FROM_COMMANDS = ['scan', 'tree', 'orphans', 'export', 'fix'];

describe('CLI: --from for every command, and one-line errors', function () {
  this.timeout(120_000);
  let dir: string;
  let host: FakeHost;
  let snap: string;
  before(() => {
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
    dir = mkdtempSync(join(tmpdir(), 'cf-clifrom-'));
    host = makeFakeHost(v1CgroupfsHost());
    snap = join(dir, 'node.json');
    const r = run(['scan', '--host-root', host.root, '--json', '-o', snap]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => {
    host.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('errors', () => {
    it('unknown options, missing values and stray values: one line, exit 2, pointing to the command\'s --help', () => {
      for (const args of [['scan', '--nope'], ['scan', '--max-depth'], ['scan', '--json=1'], ['orphans', '-Z'], ['frobnicate'], []]) {
        const r = run(args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        oneLine(r.stderr, args.join(' '));
        assert.match(r.stderr, /\(see 'cgroup-forensics (\w+ )?--help'\)\n$/);
      }
      assert.match(run(['scan', '--nope']).stderr, /^cgroup-forensics: unknown option --nope \(see 'cgroup-forensics scan --help'\)\n$/);
      assert.match(run(['scan', '--max-depth']).stderr, /--max-depth needs a value/);
    });

    it('a snapshot of the right schema but the wrong shape: one line naming the file and the field, exit 3', () => {
      const good = JSON.parse(readFileSync(snap, 'utf8')) as { hierarchies: { cgroups: unknown }[]; node: unknown };
      const cases: [string, (j: typeof good) => void, RegExp][] = [
        ['rows-not-list.json', (j) => (j.hierarchies[0]!.cgroups = 5), /"hierarchies\[0\]\.cgroups" is not a non-empty list of rows/],
        ['row-short.json', (j) => (j.hierarchies[0]!.cgroups = [[-1, '', 1]]), /"hierarchies\[0\]\.cgroups\[0\]" is not a row of \d+ values/],
        ['node-field.json', (j) => (j.node = 'x'), /"node" is not an object/],
        ['parent.json', (j) => ((j.hierarchies[0]!.cgroups as unknown[][])[1]![0] = 99), /"hierarchies\[0\]\.cgroups\[1\]" is not a row whose parent comes before it/],
      ];
      for (const [name, edit, why] of cases) {
        const j = JSON.parse(JSON.stringify(good)) as typeof good;
        edit(j);
        const f = join(dir, name);
        writeFileSync(f, JSON.stringify(j));
        for (const cmd of [['tree'], ['scan'], ['orphans'], ['export', '--prometheus'], ['fix', 'sysctl']]) {
          const r = run([...cmd, '--from', f]);
          assert.equal(r.code, 3, `${cmd.join(' ')} ${name}: ${r.stderr}`);
          oneLine(r.stderr, name);
          assert.ok(r.stderr.includes(f), r.stderr);
          assert.match(r.stderr, why);
        }
      }
      // diff reads its snapshots the same way.
      const r = run(['diff', snap, join(dir, 'rows-not-list.json')]);
      assert.equal(r.code, 3);
      oneLine(r.stderr, 'diff');
    });

    it('a named file that does not exist or cannot be parsed: one line naming it (and the option), exit 3', () => {
      const missing = join(dir, 'missing.json');
      const cut = join(dir, 'cut.json');
      writeFileSync(cut, readFileSync(snap, 'utf8').slice(0, 200));
      const schema = join(dir, 'schema.json');
      writeFileSync(schema, '{"schema":"something-else@1"}');
      const gzCut = join(dir, 'cut.json.gz');
      writeFileSync(gzCut, gzipSync(readFileSync(snap)).subarray(0, 50));
      const checks: [string[], RegExp][] = [
        [['scan', '--from', missing], /cannot read .*missing\.json \(--from\): no such file/],
        [['orphans', '--from', cut], /cut\.json \(--from\) is not a usable snapshot: not JSON/],
        [['tree', '--from', schema], /schema\.json \(--from\) is not a usable snapshot: not a cgroup-forensics snapshot/],
        [['tree', '--from', gzCut], /cannot read .*cut\.json\.gz \(--from\): not a whole gzip file/],
        [['tree', '--from', dir], /cannot read .* \(--from\): is a directory/],
        [['fix', 'prometheus', '--from', missing], /missing\.json \(--from\): no such file/],
        [['scan', '--host', 'node1', '--ssh-config', missing], /cannot read .*missing\.json \(--ssh-config\): no such file/],
        [['scan', '--from', snap, '-o', join(dir, 'no', 'such', 'out.txt')], /cannot write .*out\.txt \(--output\): no such directory/],
        [['orphans', '--kubeconfig', missing, '--host-root', host.root], /cannot read .*missing\.json \(--kubeconfig\): no such file/],
      ];
      for (const [args, why] of checks) {
        const r = run(args);
        assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
        oneLine(r.stderr, args.join(' '));
        assert.match(r.stderr, why);
      }
    });

    it('an ssh_config that ssh refuses: one line naming the file, exit 3, before any connection', function () {
      needs(this, toolMissing('ssh'));
      const bad = join(dir, 'ssh_config');
      writeFileSync(bad, 'Host node1\n  HostName 127.0.0.1\n  NoSuchOption yes\n');
      const r = run(['scan', '--host', 'node1', '--ssh-config', bad]);
      assert.equal(r.code, 3, r.stderr);
      oneLine(r.stderr, 'ssh-config');
      assert.match(r.stderr, new RegExp(`cannot use ${bad.replace(/[.]/g, '\\.')} \\(--ssh-config\\): .*[Bb]ad configuration option`));
    });

    it('an expected error stays one line even with CGROUP_FORENSICS_DEBUG=1 (the stack is for unexpected ones: test/unit/cliErrors.test.ts)', () => {
      const args = ['scan', '--from', snap, '-o', join(dir, 'no', 'out.txt')];
      const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, CGROUP_FORENSICS_DEBUG: '1' } });
      assert.equal(r.status, 3);
      oneLine(r.stderr, 'debug on, expected error');
    });
  });

  describe('--from', () => {
    it('scan and tree work from the snapshot', () => {
      const s = run(['scan', '--from', snap]);
      assert.equal(s.code, 0, s.stderr);
      assert.equal(s.stderr, '');
      assert.match(s.stdout, /Cgroup layout: cgroup v1/);
      const t = run(['tree', '--from', snap, '--hierarchy', 'memory']);
      assert.equal(t.code, 0, t.stderr);
      assert.match(t.stdout, /burstable/);
      // The extension's gzip form reads too.
      const gz = join(dir, 'node.json.gz');
      writeFileSync(gz, gzipSync(readFileSync(snap)));
      assert.equal(run(['scan', '--from', gz]).code, 0);
    });

    it('orphans: what the snapshot proves is judged, the live-only checks say in one line they were skipped, orphans "could not tell" (exit 5), never "nothing found"', () => {
      // A v2 node whose snapshot shows nothing worse than info: exit 5, could not tell.
      const v2 = makeFakeHost(v2SystemdHost());
      const v2snap = join(dir, 'v2.json');
      try {
        assert.equal(run(['scan', '--host-root', v2.root, '--json', '-o', v2snap]).code, 0);
      } finally {
        v2.remove();
      }
      const calm = run(['orphans', '--from', v2snap]);
      assert.equal(calm.code, 5, calm.stdout + calm.stderr);
      assert.match(calm.stdout, /orphans: could not tell/);
      // This v1 snapshot holds 4012 memory cgroups, most of them dying: a warning the snapshot proves
      // by itself, so exit 1 (findings), and orphans are still "could not tell".
      const r = run(['orphans', '--from', snap]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /^cgroup-forensics: from a saved snapshot \(--from\): skipped orphans, failed systemd units, driver settings, kmem accounting, release_agent and unreadable daemon files: they need the live node's kubelet, containerd\/CRI-O, crictl and systemd, which a snapshot does not hold\n$/);
      assert.match(r.stdout, /orphans: could not tell: a saved snapshot \(--from\) holds no kubelet, runtime or crictl view of the pods/);
      assert.doesNotMatch(r.stdout, /no findings|nothing found/i);
      // Where the live node keeps its state means nothing for a snapshot: said, not ignored.
      const mixed = run(['orphans', '--from', snap, '--kubelet-dir', dir]);
      assert.equal(mixed.code, 2);
      assert.match(mixed.stderr, /^cgroup-forensics: --kubelet-dir is about the live node: it cannot be combined with --from/);
      // The snapshot's own evidence is still judged: this v1 node holds 4012 memory cgroups, most of them dying.
      assert.match(r.stdout, /dying-cgroups/);
      const j = run(['orphans', '--from', snap, '--json']);
      assert.equal(j.code, 1);
      const parsed = JSON.parse(j.stdout) as { orphansUndetermined?: string; findings: { kind: string }[] };
      assert.match(parsed.orphansUndetermined ?? '', /saved snapshot/);
      // Exactly the kinds a snapshot proves by itself (FINDING_NEEDS, the one home of that decision).
      assert.ok(parsed.findings.every((f) => FINDING_NEEDS[f.kind as FindingKind].from === 'snapshot'), j.stdout);
    });

    it('export: the counts of the snapshot, orphans undetermined (1), the skipped checks on standard error', function () {
      const r = run(['export', '--prometheus', '--from', snap]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^cgroup-forensics: from a saved snapshot \(--from\): skipped orphans/);
      assert.match(r.stdout, /^cgroup_forensics_orphans_undetermined\{node="node-v1-b"\} 1$/m);
      assert.match(r.stdout, /^cgroup_forensics_cgroups\{node="node-v1-b",hierarchy="memory"\} \d+$/m);
      if (toolMissing('promtool') === undefined) {
        const f = join(dir, 'metrics.prom');
        writeFileSync(f, r.stdout);
        const p = spawnSync('promtool', ['check', 'metrics'], { input: r.stdout, encoding: 'utf8' });
        assert.equal(p.status, 0, p.stdout + p.stderr);
      }
    });

    it('fix: sysctl and the node-independent kinds work; the kinds that need the node\'s files say so in one line, exit 2', () => {
      const sysctl = run(['fix', 'sysctl', '--from', snap]);
      assert.equal(sysctl.code, 0, sysctl.stderr);
      assert.match(sysctl.stdout, /^# Kernel parameters for this node/);
      // The snapshot's node is 3.10.0-1160 with systemd 252 in the fixture: no cgroup v2 for a 3.10 kernel.
      assert.match(sysctl.stdout, /not offered: kernel 3\.10\.0-1160\.el7\.x86_64 is older than 5\.8/);
      assert.match(sysctl.stdout, /kmem accounting was not checked: it needs the live node/);
      for (const kind of ['prometheus', 'npd', 'bpftrace', 'grafana']) {
        const r = run(['fix', kind, '--from', snap]);
        assert.equal(r.code, 0, `${kind}: ${r.stderr}`);
        assert.notEqual(r.stdout, '');
      }
      for (const kind of ['cleanup', 'driver', 'kubelet', 'containerd', 'crio', 'podspec']) {
        const r = run(['fix', kind, '--from', snap]);
        assert.equal(r.code, 2, `${kind}: ${r.stderr}`);
        oneLine(r.stderr, kind);
        assert.match(r.stderr, new RegExp(`^cgroup-forensics: fix ${kind} needs the live node \\(.+\\): a saved snapshot \\(--from\\) does not hold it`));
        assert.equal(r.stdout, '');
      }
    });

    it('the commands that need the live node do not offer --from: not in their help, and one line saying why when given', () => {
      for (const cmd of LIVE_ONLY) {
        const help = run([cmd, '--help']);
        assert.equal(help.code, 0);
        assert.doesNotMatch(help.stdout, /^\s+--from /m, `${cmd} --help offers --from`);
        const r = run(cmd === 'diff' ? [cmd, snap, '--from', snap] : cmd === 'inspect' ? [cmd, '/', '--from', snap] : [cmd, '--from', snap]);
        assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
        oneLine(r.stderr, cmd);
        assert.match(r.stderr, cmd === 'diff' ? /diff takes its snapshots as arguments/ : new RegExp(`^cgroup-forensics: ${cmd} [^\\n]*cannot read a saved snapshot \\(--from\\)`));
      }
      for (const cmd of FROM_COMMANDS) assert.match(run([cmd, '--help']).stdout, /^\s+--from FILE /m, `${cmd} --help`);
      for (const cmd of ['orphans', 'export', 'fix']) assert.match(run([cmd, '--help']).stdout, /From a saved snapshot \(--from\)/, cmd);
    });
  });
});
