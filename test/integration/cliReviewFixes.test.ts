import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v2SystemdHost } from '../fixtures/hosts/specs';
import { makeFakeHost, v2Files, type FakeHost } from '../support/fakeHost';

// The built CLI (dist/cli.js) on fake node roots (--host-root, read by the real probe and facts
// script): what a review of the CLI found wrong, each checked as an operator would meet it.
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, CGROUP_FORENSICS_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const oneLine = (stderr: string, what: string): void => assert.match(stderr, /^cgroup-forensics: [^\n]+\n$/, `${what}: ${JSON.stringify(stderr)}`);

// containerd already on the systemd driver, with an operator's comment that must survive.
const CONTAINERD_SYSTEMD =
  'version = 2\n# ops: keep this comment\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n    SystemdCgroup = true\n';

describe('CLI review fixes: --file, -o, could-not-tell fixes, --from findings, option checks', function () {
  this.timeout(120_000);
  let dir: string;
  let host: FakeHost;
  before(() => {
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
    dir = mkdtempSync(join(tmpdir(), 'cf-clireview-'));
    const spec = v2SystemdHost();
    spec.files = { ...spec.files, 'etc/containerd/config.toml': CONTAINERD_SYSTEMD };
    // Both driver trees (a cgroupfs kubepods/ beside kubepods.slice/) and a container directory
    // named the way runc's cgroupfs driver names one under a systemd pod slice: a snapshot proves both.
    const cg = spec.cgroups['/sys/fs/cgroup']!;
    cg['/kubepods'] = v2Files({ descendants: 1, memory: 0 });
    cg['/kubepods/burstable'] = v2Files({ memory: 0 });
    cg[`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12345678_1234_1234_1234_123456789abc.slice:cri-containerd:${'c'.repeat(64)}`] = v2Files({ memory: 0 });
    host = makeFakeHost(spec);
  });
  after(() => {
    host.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('fix --file prints the whole file and nothing else', () => {
    it('a file that needs no change prints unchanged, byte for byte; the note is one line on standard error', () => {
      const r = run(['fix', 'containerd', '--host-root', host.root, '--file']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, CONTAINERD_SYSTEMD);
      oneLine(r.stderr, 'note');
      assert.match(r.stderr, /no change needed: \/etc\/containerd\/config\.toml already sets SystemdCgroup = true/);
    });
    it('no change and no file on the node: nothing on standard output, the note on standard error', () => {
      // The plain v2 node: no driver mismatch, so kubelet needs no change, and it has no kubelet config.
      const plain = makeFakeHost(v2SystemdHost());
      try {
        const r = run(['fix', 'kubelet', '--host-root', plain.root, '--file']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, '');
        oneLine(r.stderr, 'note');
        assert.match(r.stderr, /no change needed/);
      } finally {
        plain.remove();
      }
    });
    it('a kind that makes more than one document: bad usage (2) naming them, nothing printed', () => {
      for (const kind of ['driver', 'npd']) {
        const r = run(['fix', kind, '--host-root', host.root, '--file']);
        assert.equal(r.code, 2, `${kind}: ${r.stdout}${r.stderr}`);
        assert.equal(r.stdout, '');
        oneLine(r.stderr, kind);
        assert.match(r.stderr, new RegExp(`--file prints one whole file, but fix ${kind} makes 2 documents \\(`));
      }
      assert.match(run(['fix', 'driver', '--host-root', host.root, '--file']).stderr, /\(kubelet, containerd \/etc\/containerd\/config\.toml\)/);
    });
    it('is documented in fix --help', () => {
      const h = run(['fix', '--help']).stdout;
      assert.match(h, /a file that needs no change prints unchanged/);
      assert.match(h, /more than one document \(driver; kubelet with a flags file; npd\) is\s+bad usage, exit status 2/);
    });
  });

  describe('-o FILE is replaced only when the command exits 0 or 1', () => {
    const leftovers = (): string[] => readdirSync(dir).filter((n) => n.endsWith('.tmp'));
    it('a failing command (2, 3, 5) leaves FILE as it was, and no temporary file', () => {
      const out = join(dir, 'kept.txt');
      writeFileSync(out, 'the operator\'s earlier output\n');
      for (const args of [
        ['orphans', '--from', join(dir, 'missing.json')], // 3
        ['fix', 'driver', '--host-root', host.root, '--file'], // 2
        ['fix', 'cleanup', '--host-root', host.root], // 5
      ]) {
        const r = run([...args, '-o', out]);
        assert.notEqual(r.code, 0, r.stderr);
        assert.notEqual(r.code, 1, r.stderr);
        assert.equal(readFileSync(out, 'utf8'), 'the operator\'s earlier output\n', args.join(' '));
        assert.deepEqual(leftovers(), [], args.join(' '));
      }
    });
    it('exit 0 and exit 1 replace it whole', () => {
      const out = join(dir, 'replaced.json');
      writeFileSync(out, 'old\n');
      const r = run(['scan', '--host-root', host.root, '--json', '-o', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(readFileSync(out, 'utf8'), /^\{/);
      const f = join(dir, 'findings.txt');
      writeFileSync(f, 'old\n');
      const o = run(['orphans', '--from', out, '-o', f]);
      assert.equal(o.code, 1, o.stderr);
      assert.match(readFileSync(f, 'utf8'), /cgroup-driver-mismatch/);
      assert.deepEqual(leftovers(), []);
    });
  });

  describe('"could not tell" is not "nothing to clean up"', () => {
    it('fix cleanup and fix podspec without any source of pods: one line (the reason orphans gives), exit 5, no script', () => {
      const orphans = run(['orphans', '--host-root', host.root, '--no-kube']);
      const reason = /^orphans: could not tell: (.+)$/m.exec(orphans.stdout)?.[1];
      assert.ok(reason, orphans.stdout);
      for (const kind of ['cleanup', 'podspec']) {
        for (const json of [[], ['--json']]) {
          const r = run(['fix', kind, '--host-root', host.root, '--no-kube', ...json]);
          assert.equal(r.code, 5, `${kind}: ${r.stdout}${r.stderr}`);
          assert.equal(r.stdout, '');
          oneLine(r.stderr, kind);
          assert.ok(r.stderr.includes(reason), r.stderr);
          assert.doesNotMatch(r.stderr + r.stdout, /remove 0 orphan/);
        }
      }
      assert.match(run(['fix', '--help']).stdout, /5 could not tell \(cleanup, podspec: no source of pods could be\s+read/);
    });
  });

  describe('--from keeps every finding the snapshot proves', () => {
    it('driver mismatch by directories (both trees, :cri-containerd:) and frozen cgroups; the skipped line says "driver settings"', () => {
      const snap = join(dir, 'both-trees.json');
      assert.equal(run(['scan', '--host-root', host.root, '--json', '-o', snap]).code, 0);
      const r = run(['orphans', '--from', snap, '--json']);
      assert.equal(r.code, 1, r.stderr);
      const findings = (JSON.parse(r.stdout) as { findings: { kind: string; title: string }[] }).findings;
      const titles = findings.filter((f) => f.kind === 'cgroup-driver-mismatch').map((f) => f.title);
      assert.ok(titles.some((t) => /both driver trees exist/.test(t)), JSON.stringify(titles));
      assert.ok(titles.some((t) => /cri-containerd/.test(t)), JSON.stringify(titles));
      assert.ok(findings.some((f) => f.kind === 'frozen-cgroup'), r.stdout);
      // The same findings as the live judgement makes of the same tree (the live one adds its own).
      const live = JSON.parse(run(['orphans', '--host-root', host.root, '--json', '--no-kube']).stdout) as { findings: { kind: string; title: string }[] };
      for (const f of findings) assert.ok(live.findings.some((l) => l.kind === f.kind && l.title === f.title), `${f.kind}: ${f.title}`);
      oneLine(r.stderr, 'skipped');
      assert.match(r.stderr, /skipped .*driver settings/);
      assert.doesNotMatch(r.stderr, /driver mismatch/);
      for (const cmd of ['orphans', 'export']) assert.match(run([cmd, '--help']).stdout, /driver mismatch by cgroup directories and frozen cgroups/);
    });
  });

  describe('options that would do nothing are bad usage (2)', () => {
    it('Kubernetes options with --from, and with fix kinds that do not judge orphans (an unreadable --kubeconfig is not read)', () => {
      const snap = join(dir, 'k.json');
      assert.equal(run(['scan', '--host-root', host.root, '--json', '-o', snap]).code, 0);
      const missing = join(dir, 'no-such-kubeconfig');
      const cases: [string[], RegExp][] = [
        [['orphans', '--from', snap, '--kube-context', 'prod'], /--kube-context is about the live node: it cannot be combined with --from/],
        [['export', '--prometheus', '--from', snap, '--kubeconfig', missing], /--kubeconfig is about the live node/],
        [['orphans', '--from', snap, '--no-kube'], /--no-kube is about the live node/],
        [['fix', 'sysctl', '--host-root', host.root, '--kubeconfig', missing], /--kubeconfig is for the fix kinds that judge orphans \(cleanup, podspec\): fix sysctl/],
        [['fix', 'prometheus', '--no-kube'], /--no-kube is for the fix kinds that judge orphans/],
        [['fix', 'containerd', '--host-root', host.root, '--kube-context', 'prod'], /--kube-context is for the fix kinds/],
      ];
      for (const [args, why] of cases) {
        const r = run(args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        oneLine(r.stderr, args.join(' '));
        assert.match(r.stderr, why);
      }
      // Where it is used, an unreadable --kubeconfig is still one line naming it, exit 3.
      const used = run(['orphans', '--host-root', host.root, '--kubeconfig', missing]);
      assert.equal(used.code, 3, used.stderr);
      assert.match(used.stderr, /cannot read .*no-such-kubeconfig \(--kubeconfig\): no such file/);
    });
    it('--ssh-config is checked where a transport is built: --from with --host is bad usage (2), a node-independent fix never reads it', () => {
      const snap = join(dir, 's.json');
      assert.equal(run(['scan', '--host-root', host.root, '--json', '-o', snap]).code, 0);
      const missing = join(dir, 'no-such-ssh-config');
      const r = run(['orphans', '--from', snap, '--host', 'node1', '--ssh-config', missing]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--from reads a saved snapshot; it cannot be combined with --host/);
      const alone = run(['orphans', '--from', snap, '--ssh-config', missing]);
      assert.equal(alone.code, 2, alone.stderr);
      assert.match(alone.stderr, /--from reads a saved snapshot; it cannot be combined with --ssh-config/);
      const p = run(['fix', 'prometheus', '--host', 'node1', '--ssh-config', missing]);
      assert.equal(p.code, 0, p.stderr);
      const s = run(['scan', '--host', 'node1', '--ssh-config', missing]);
      assert.equal(s.code, 3, s.stderr);
      assert.match(s.stderr, /cannot read .*no-such-ssh-config \(--ssh-config\): no such file/);
    });
  });

  it('a file the fix must patch that cannot be parsed: one line naming it, exit 3, through the one error path', () => {
    const spec = v2SystemdHost();
    spec.files = { ...spec.files, 'etc/containerd/config.toml': 'version = 2\n[plugins\n' };
    const bad = makeFakeHost(spec);
    try {
      const r = run(['fix', 'containerd', '--host-root', bad.root]);
      assert.equal(r.code, 3, r.stderr);
      oneLine(r.stderr, 'FixInputError');
      assert.match(r.stderr, /\/etc\/containerd\/config\.toml/);
    } finally {
      bad.remove();
    }
  });
});
