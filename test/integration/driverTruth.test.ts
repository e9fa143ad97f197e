import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v2SystemdHost } from '../fixtures/hosts/specs';
import { createHash } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { containerdMissing } from '../support/containerd';
import { makeFakeHost, v2Files, type FakeHost, type FakeHostSpec } from '../support/fakeHost';
import { cgroupMissing, cgroupMounts, needs, toolMissing } from '../support/prereq';
import { SandboxAllHierarchies } from '../support/sandboxAllHierarchies';

// Who decides the cgroup driver, end to end through the built CLI (dist/cli.js) on fake node
// roots (--host-root): the facts program reads /proc/PID/{comm,status,cmdline} and the config
// files there, and runs the daemons' `--version` chrooted into the root, where each is a script
// that prints what the real one prints (busybox is the root's /bin/sh). Every diff is applied
// with the real patch(1) to a copy of the node root and must give what `--file` prints. There is
// no CRI-O binary here: its files are checked by patch and by a TOML parser, in CRI-O's order.
// The real containerd 1.6 shows its own defaults at the end.
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');
const UID = '214f3ba8-4b69-4bdb-a7d5-5ecc73f04ae9';
const CID = 'd4e8e05a546c86b6443f101966c618e47753ed01fa9929cae00d3b692f7a9f80';

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A root process of the node, as the facts program finds it. */
function proc(pid: number, comm: string, argv: string[]): Record<string, string> {
  return { [`proc/${pid}/comm`]: `${comm}\n`, [`proc/${pid}/status`]: `Name:\t${comm}\nUid:\t0\t0\t0\t0\n`, [`proc/${pid}/cmdline`]: argv.map((a) => `${a}\0`).join('') };
}

/** An executable below the root printing `out` for --version (run chrooted, by busybox sh). */
const versionTool = (out: string): string => `#!/bin/sh\nprintf '%s\\n' '${out}'\n`;

interface NodeSpec {
  kubeletArgs: string[];
  kubeletVersion?: string;
  containerdVersion?: string;
  crioVersion?: string;
  runtime?: 'containerd' | 'crio';
  files?: Record<string, string>;
  cgroups?: Record<string, Record<string, string>>;
}

function fakeNode(n: NodeSpec): FakeHost {
  const spec: FakeHostSpec = v2SystemdHost();
  const runtime = n.runtime ?? 'containerd';
  spec.files = {
    ...spec.files,
    ...proc(901, 'kubelet', ['/usr/bin/kubelet', ...n.kubeletArgs]),
    ...(runtime === 'containerd' ? proc(812, 'containerd', ['/usr/bin/containerd']) : proc(700, 'crio', ['/usr/bin/crio'])),
    ...(n.kubeletVersion ? { 'usr/bin/kubelet': versionTool(`Kubernetes v${n.kubeletVersion}`) } : {}),
    ...(n.containerdVersion ? { 'usr/bin/containerd': versionTool(`containerd github.com/containerd/containerd v${n.containerdVersion} 0123456789abcdef`) } : {}),
    ...(n.crioVersion ? { 'usr/bin/crio': versionTool(`crio version ${n.crioVersion}`) } : {}),
    ...n.files,
  };
  for (const [k, v] of Object.entries(n.cgroups ?? {})) spec.cgroups['/sys/fs/cgroup']![k] = v;
  const host = makeFakeHost(spec);
  mkdirSync(join(host.root, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(host.root, 'bin', 'sh'));
  for (const t of ['kubelet', 'containerd', 'crio']) if (existsSync(join(host.root, 'usr/bin', t))) chmodSync(join(host.root, 'usr/bin', t), 0o755);
  return host;
}

interface JsonFinding {
  kind: string;
  severity: string;
  confidence: string;
  title: string;
  evidence: string[];
  cgroups: { path: string }[];
}
const findings = (stdout: string): JsonFinding[] => (JSON.parse(stdout) as { findings: JsonFinding[] }).findings.filter((f) => f.kind.startsWith('cgroup-driver'));

const ENDPOINT = '--container-runtime-endpoint=unix:///run/containerd/containerd.sock';

describe('driver truth through the CLI', function () {
  this.timeout(120_000);
  before(function () {
    needs(this, process.getuid?.() === 0 ? undefined : 'needs root to chroot into the fake node for --version');
    needs(this, existsSync('/bin/busybox') ? undefined : 'busybox-static is not installed');
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
  });

  it('orphans --json: no containerd config file (its default, cgroupfs) and kubelet on systemd is a mismatch', () => {
    const host = fakeNode({ kubeletArgs: ['--cgroup-driver=systemd', ENDPOINT], containerdVersion: '1.7.20', kubeletVersion: '1.30.2' });
    try {
      const r = run(['orphans', '--json', '--host-root', host.root]);
      assert.equal(r.code, 1, r.stderr);
      const [m, ...rest] = findings(r.stdout);
      assert.equal(rest.length, 0, JSON.stringify(rest));
      assert.equal(m!.kind, 'cgroup-driver-mismatch');
      assert.equal(m!.severity, 'critical');
      assert.equal(m!.title, 'kubelet uses the systemd cgroup driver but containerd uses cgroupfs');
      assert.ok(m!.evidence.includes("containerd: cgroupfs (containerd's default SystemdCgroup = false (no config file at /etc/containerd/config.toml))"), m!.evidence.join('\n'));
      assert.ok(m!.evidence.some((e) => /containerd 1\.7\.20 does not answer RuntimeConfig/.test(e)));
    } finally {
      host.remove();
    }
  });

  it('orphans --json: kubelet with neither config file nor flag (its default, cgroupfs) and containerd on systemd is a mismatch', () => {
    const toml = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n';
    const host = fakeNode({ kubeletArgs: [ENDPOINT], containerdVersion: '1.7.20', files: { 'etc/containerd/config.toml': toml } });
    try {
      const r = run(['orphans', '--json', '--host-root', host.root]);
      assert.equal(r.code, 1, r.stderr);
      const [m] = findings(r.stdout);
      assert.equal(m!.title, 'kubelet uses the cgroupfs cgroup driver but containerd uses systemd');
      assert.ok(m!.evidence.includes("kubelet: cgroupfs (kubelet's default cgroupfs (no --cgroup-driver flag and no config file at /var/lib/kubelet/config.yaml))"), m!.evidence.join('\n'));
    } finally {
      host.remove();
    }
  });

  it('kubelet 1.31 with containerd 2.0: the runtime decides; an info finding, and fix driver changes containerd only', () => {
    const host = fakeNode({ kubeletArgs: ['--cgroup-driver=systemd', ENDPOINT], containerdVersion: '2.0.0', kubeletVersion: '1.31.1' });
    try {
      const r = run(['orphans', '--json', '--host-root', host.root]);
      const fs = findings(r.stdout);
      assert.deepEqual(fs.map((f) => [f.kind, f.severity]), [['cgroup-driver-source', 'info']]);
      assert.match(fs[0]!.title, /kubelet takes its cgroup driver from containerd \(KubeletCgroupDriverFromCRI\): cgroupfs; kubelet's own setting \(systemd\) is ignored/);
      const fix = run(['fix', 'driver', '--json', '--host-root', host.root]);
      assert.equal(fix.code, 0, fix.stderr);
      const docs = (JSON.parse(fix.stdout) as { fixes: { kind: string; noChange?: string; reasons: string[] }[] }).fixes;
      assert.deepEqual(docs.map((d) => [d.kind, d.noChange !== undefined]), [['kubelet', true], ['containerd', false]]);
      assert.match(docs[0]!.noChange!, /its own setting \(systemd, .*\) is ignored; containerd's decides/);
      const text = run(['fix', 'driver', '--host-root', host.root]);
      assert.match(text.stdout, /^# kubelet: no change, its cgroupDriver is ignored\n# no change needed: kubelet takes its cgroup driver from containerd/);
    } finally {
      host.remove();
    }
  });

  it('orphans --json: ":cri-containerd:" directories are driver-mismatch evidence', () => {
    const dir = `/system.slice/containerd.service/kubepods-besteffort-pod${UID.replace(/-/g, '_')}.slice:cri-containerd:${CID}`;
    const host = fakeNode({ kubeletArgs: ['--cgroup-driver=systemd', ENDPOINT], cgroups: { [dir]: v2Files({ procs: [4000], populated: true, memory: 1 }) } });
    try {
      const r = run(['orphans', '--json', '--host-root', host.root]);
      const m = findings(r.stdout).find((f) => f.cgroups.length);
      assert.ok(m, r.stdout);
      assert.deepEqual(m.cgroups.map((c) => c.path), [dir]);
      assert.ok(m.evidence.some((e) => /containerd#5226/.test(e)));
    } finally {
      host.remove();
    }
  });

  describe('fix crio: a diff that patch(1) applies to the node and that equals --file', () => {
    const crioConf = readFileSync(join(repo, 'test', 'fixtures', 'configs', 'crio', 'crio.conf'), 'utf8');
    const dropIn = readFileSync(join(repo, 'test', 'fixtures', 'configs', 'crio', 'crio.conf.d', '10-cgroupfs.conf'), 'utf8');
    const crioNode = (files: Record<string, string>, crioVersion?: string): FakeHost =>
      fakeNode({ runtime: 'crio', kubeletArgs: ['--cgroup-driver=systemd', '--container-runtime-endpoint=unix:///var/run/crio/crio.sock'], files, ...(crioVersion ? { crioVersion } : {}) });

    /** Applies the printed diff (headers and all) to a copy of the node root; returns the copy. */
    function applied(host: FakeHost, diff: string): string {
      const copy = mkdtempSync(join(tmpdir(), 'cf-copy-'));
      cpSync(join(host.root, 'etc'), join(copy, 'etc'), { recursive: true });
      writeFileSync(join(copy, 'fix.diff'), diff);
      execFileSync('patch', ['-p1', '-d', copy, '-i', join(copy, 'fix.diff')], { stdio: 'pipe' });
      return copy;
    }

    it('the drop-in that decides is patched in place', function () {
      needs(this, toolMissing('patch'));
      const host = crioNode({ 'etc/crio/crio.conf': crioConf, 'etc/crio/crio.conf.d/10-cgroupfs.conf': dropIn });
      try {
        const diff = run(['fix', 'crio', '--driver', 'systemd', '--host-root', host.root]);
        assert.equal(diff.code, 0, diff.stderr);
        assert.match(diff.stdout, /^--- a\/etc\/crio\/crio\.conf\.d\/10-cgroupfs\.conf$/m);
        const file = run(['fix', 'crio', '--driver', 'systemd', '--file', '--host-root', host.root]);
        const copy = applied(host, diff.stdout);
        try {
          assert.equal(readFileSync(join(copy, 'etc/crio/crio.conf.d/10-cgroupfs.conf'), 'utf8'), file.stdout);
          assert.equal(readFileSync(join(copy, 'etc/crio/crio.conf'), 'utf8'), crioConf, 'crio.conf untouched');
          assert.equal(file.stdout, dropIn.replace('"cgroupfs"', '"systemd"'));
        } finally {
          rmSync(copy, { recursive: true, force: true });
        }
      } finally {
        host.remove();
      }
    });

    it('a new drop-in, sorting last, when no file sets cgroup_manager and the default is not wanted', function () {
      needs(this, toolMissing('patch'));
      const host = crioNode({ 'etc/crio/crio.conf': '[crio.api]\nlisten = "/var/run/crio/crio.sock"\n', 'etc/crio/crio.conf.d/50-registries.conf': '[crio.image]\npause_image = "registry.k8s.io/pause:3.9"\n' }, '1.28.2');
      try {
        const diff = run(['fix', 'crio', '--driver', 'cgroupfs', '--host-root', host.root]);
        assert.equal(diff.code, 0, diff.stderr);
        assert.match(diff.stdout, /^--- \/dev\/null\n\+\+\+ b\/etc\/crio\/crio\.conf\.d\/99-cgroup-forensics\.conf$/m);
        const file = run(['fix', 'crio', '--driver', 'cgroupfs', '--file', '--host-root', host.root]);
        const copy = applied(host, diff.stdout);
        try {
          assert.equal(readFileSync(join(copy, 'etc/crio/crio.conf.d/99-cgroup-forensics.conf'), 'utf8'), file.stdout);
        } finally {
          rmSync(copy, { recursive: true, force: true });
        }
        // CRI-O 1.28.2's default is systemd: asking for systemd changes nothing.
        const same = run(['fix', 'crio', '--driver', 'systemd', '--host-root', host.root]);
        assert.equal(same.stdout, `# CRI-O: cgroup_manager is already "systemd"\n# no change needed: no CRI-O config file sets cgroup_manager, so CRI-O 1.28.2's default systemd decides\n`);
      } finally {
        host.remove();
      }
    });
  });

  describe("the real containerd 1.6's defaults", () => {
    before(function () {
      needs(this, toolMissing('containerd'));
    });

    it('`config default` (the config a daemon with no file runs) has SystemdCgroup = false for runc', () => {
      // With no file at the default path the daemon skips loading one and runs defaultConfig()
      // (cmd/containerd/command/main.go, v1.6.20), which `config default` prints.
      const out = execFileSync('containerd', ['config', 'default'], { encoding: 'utf8' });
      assert.match(out, /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runc\.options\][^[]*SystemdCgroup = false/);
    });

    it('`config dump` of a file that sets nothing shows SystemdCgroup = false; of an absent file it refuses', () => {
      const dir = mkdtempSync(join(tmpdir(), 'cf-ctrd-empty-'));
      try {
        writeFileSync(join(dir, 'config.toml'), '');
        const dump = execFileSync('containerd', ['--config', join(dir, 'config.toml'), 'config', 'dump'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        assert.match(dump, /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runc\.options\][^[]*SystemdCgroup = false/);
        // 1.6's `config dump` cannot show the no-file case itself: it wraps the open error, so its
        // own os.IsNotExist check misses it (cmd/containerd/command/config.go, v1.6.20).
        const absent = spawnSync('containerd', ['--config', join(dir, 'absent.toml'), 'config', 'dump'], { encoding: 'utf8' });
        assert.notEqual(absent.status, 0);
        assert.match(absent.stderr, /no such file or directory/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('the real containerd 1.6 and runc 1.1 making a ":cri-containerd:" directory', () => {
    // What containerd's CRI does when kubelet uses systemd and runc does not: it hands runc the
    // cgroupsPath "<pod slice>:cri-containerd:<id>" (getCgroupsPath) and runc's cgroupfs driver
    // makes that name under its own cgroup. Here containerd runs inside a sandbox cgroup of the
    // test's own (in every hierarchy), so that is where runc makes it; ctr passes the same path.
    let box: SandboxAllHierarchies | undefined;
    let work: string | undefined;
    let daemon: ChildProcess | undefined;
    const id = 'c0'.repeat(32);
    const podSlice = `kubepods-besteffort-pod${UID.replace(/-/g, '_')}.slice`;
    after(async () => {
      daemon?.kill('SIGKILL');
      await box?.cleanup();
      // In a hybrid layout runc (1.1, cgroupfs driver) makes the cgroup2 side of the container at
      // the top of the unified hierarchy, outside the sandbox: remove exactly that directory.
      const v2 = cgroupMounts().v2;
      const stray = v2 ? join(v2, `${podSlice}:cri-containerd:${id}`) : undefined;
      if (stray && existsSync(stray)) {
        for (let i = 0; i < 50; i++) {
          try {
            rmdirSync(stray);
            break;
          } catch {
            for (const pid of readFileSync(join(stray, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
              try {
                process.kill(Number(pid), 'SIGKILL');
              } catch {
                // gone already
              }
            }
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }
      if (work) {
        // The shim's socket, which only a clean shim exit removes.
        rmSync(`/run/containerd/s/${createHash('sha256').update(join(work, 'c.sock', 'k8s.io', id)).digest('hex')}`, { force: true });
        rmSync(work, { recursive: true, force: true });
      }
    });

    it('orphans finds it in the real tree and calls it a driver mismatch', async function () {
      needs(this, containerdMissing());
      const m = cgroupMounts();
      needs(this, cgroupMissing(m.v1.get('memory') ?? m.v2 ?? '/sys/fs/cgroup'));
      box = new SandboxAllHierarchies('colon');
      for (const d of box.dirs()) mkdirSync(d);
      const cpuset = m.v1.get('cpuset');
      if (cpuset) for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join(cpuset + box.path, f), readFileSync(join(cpuset, f)));
      work = mkdtempSync(join(tmpdir(), 'cf-colon-'));
      mkdirSync(join(work, 'rootfs', 'bin'), { recursive: true });
      copyFileSync('/bin/busybox', join(work, 'rootfs', 'bin', 'busybox'));
      execFileSync('ln', ['-s', 'busybox', join(work, 'rootfs', 'bin', 'sleep')]);
      writeFileSync(join(work, 'config.toml'), 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n');
      const sock = join(work, 'c.sock');
      // containerd moves into the sandbox before it starts: its shims, and so runc, follow it.
      daemon = spawn('sh', ['-c', 'for d in $CF_DIRS; do echo $$ > "$d/cgroup.procs" || exit 1; done; exec "$@"', 'sh', 'containerd', '--config', join(work, 'config.toml'), '--root', join(work, 'root'), '--state', join(work, 'state'), '--address', sock], { env: { ...process.env, CF_DIRS: box.dirs().join(' ') }, stdio: 'ignore' });
      const ctr = (...a: string[]): ReturnType<typeof spawnSync> => spawnSync('ctr', ['-a', sock, '-n', 'k8s.io', ...a], { encoding: 'utf8' });
      for (let i = 0; ctr('version').status !== 0; i++) {
        assert.ok(i < 100 && daemon.exitCode === null, 'containerd did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
      const started = ctr('run', '--rootfs', '--runc-root', join(work, 'runc'), '--cgroup', `${podSlice}:cri-containerd:${id}`, '-d', '--null-io', join(work, 'rootfs'), id, '/bin/sleep', '3600');
      assert.equal(started.status, 0, String(started.stderr));
      const memory = m.v1.get('memory');
      const hierarchyRoot = memory ?? m.v2!;
      const dir = `${hierarchyRoot}${box.path}/${podSlice}:cri-containerd:${id}`;
      assert.ok(existsSync(dir), `runc made ${dir}`);
      const r = run(['orphans', '--json', '--cgroup-root', `${hierarchyRoot}${box.path}`]);
      const found = findings(r.stdout).find((f) => f.cgroups.length);
      assert.ok(found, r.stdout + r.stderr);
      assert.equal(found.kind, 'cgroup-driver-mismatch');
      assert.equal(found.severity, 'critical');
      assert.deepEqual(found.cgroups.map((c) => c.path), [`${box.path}/${podSlice}:cri-containerd:${id}`]);
    });
  });
});
