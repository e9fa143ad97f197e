import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { makeFakeHost, v2Files, type FakeHost, type FakeHostSpec } from '../support/fakeHost';
import { needs, toolMissing } from '../support/prereq';
import { yamllint } from '../support/consumers';

// `fix kubelet` and `fix driver` through the built CLI on fake node roots (--host-root): the real
// facts program reads kubelet's process (/proc/PID/comm, status, cmdline), its systemd unit,
// drop-in and environment files and its config; the printed diff is applied by GNU patch -p1 to a
// copy of the root (as an operator runs it from /) and must give exactly what --file prints;
// yamllint reads every patched KubeletConfiguration.
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');
const CONFIGS = join(__dirname, '..', 'fixtures', 'configs');
const KUBEADM_CONFIG = readFileSync(join(CONFIGS, 'kubelet-config.yaml'), 'utf8');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const UNIT = '[Unit]\nDescription=kubelet: The Kubernetes Node Agent\n\n[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n\n[Install]\nWantedBy=multi-user.target\n';
// kubeadm's drop-in (kubernetes/release cmd/krel/templates/latest/kubelet/10-kubeadm.conf), as installed.
const DROPIN =
  '# Note: This dropin only works with kubeadm and kubelet v1.11+\n[Service]\nEnvironment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"\nEnvironment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"\n# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n# This is a file that the user can use for overrides of the kubelet args as a last resort.\nEnvironmentFile=-/etc/default/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n';
const FLAGS_ENV = 'KUBELET_KUBEADM_ARGS="--cgroup-driver=cgroupfs --container-runtime-endpoint=unix:///var/run/crio/crio.sock --pod-infra-container-image=registry.k8s.io/pause:3.9"\n';

/** A small kubeadm node on cgroup v2 with kubelet running (pid 4242) and the given files. */
function node(o: { files: Record<string, string>; cmdline: string[]; pidMax?: number; tasks?: number; podTasks?: number }): FakeHostSpec {
  const pod = o.podTasks ?? 1200;
  return {
    mountinfo: ['22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw', '25 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 cgroup2 rw,nsdelegate'],
    files: {
      'proc/sys/kernel/osrelease': '6.1.0-27-amd64\n',
      'proc/sys/kernel/pid_max': `${o.pidMax ?? 4194304}\n`,
      'proc/sys/kernel/threads-max': '254585\n',
      'proc/loadavg': `0.50 0.40 0.30 2/${o.tasks ?? 400} 12345\n`,
      'proc/4242/comm': 'kubelet\n',
      'proc/4242/status': 'Name:\tkubelet\nUid:\t0\t0\t0\t0\n',
      'proc/4242/cmdline': o.cmdline.map((a) => `${a}\0`).join(''),
      ...o.files,
    },
    cgroups: {
      '/sys/fs/cgroup': {
        '/': v2Files({ root: true, procs: [1] }),
        '/system.slice': v2Files({ populated: true, pids: 180 }),
        '/system.slice/kubelet.service': v2Files({ procs: [4242], populated: true, pids: 40 }),
        '/kubepods.slice': v2Files({ populated: true, pids: pod }),
        '/kubepods.slice/kubepods-besteffort.slice': v2Files({ populated: true, pids: pod }),
        '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice': v2Files({ populated: true, procs: [5000], pids: pod }),
      },
    },
  };
}

/** Every regular file under a directory, by relative path. */
function files(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of readdirSync(root, { recursive: true }) as string[]) {
    const p = join(root, rel);
    if (statSync(p).isFile()) out.set(rel, readFileSync(p, 'latin1'));
  }
  return out;
}

/** Applies DIFF with `patch -p1` inside a copy of the node root (as from / on the node); returns the copy. */
function patchedCopy(host: FakeHost, diff: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'cf-node-copy-'));
  execFileSync('cp', ['-a', `${host.root}/.`, copy]);
  execFileSync('patch', ['-p1', '-s', '--no-backup-if-mismatch', '-d', copy], { input: diff });
  return copy;
}

/** The files that differ between two trees. */
function changedFiles(a: string, b: string): string[] {
  const fa = files(a);
  const fb = files(b);
  return [...new Set([...fa.keys(), ...fb.keys()])].filter((k) => fa.get(k) !== fb.get(k)).sort();
}


describe('fix kubelet / fix driver on fake kubeadm nodes (built CLI, patch -p1, yamllint)', function () {
  this.timeout(60_000);
  before(() => {
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
  });
  const hosts: FakeHost[] = [];
  const copies: string[] = [];
  after(() => {
    for (const h of hosts) h.remove();
    for (const c of copies) rmSync(c, { recursive: true, force: true });
  });
  const host = (spec: FakeHostSpec): FakeHost => {
    const h = makeFakeHost(spec);
    hosts.push(h);
    return h;
  };

  // A node near kernel.pid_max (27000 of 32768 tasks, 26000 of them in one pod): the fix sets
  // pid.available, podPidsLimit and systemReserved pid.
  const pidsNode = (config: string): FakeHostSpec =>
    node({
      pidMax: 32768,
      tasks: 27000,
      podTasks: 26000,
      cmdline: ['/usr/bin/kubelet', '--config=/var/lib/kubelet/config.yaml', '--container-runtime-endpoint=unix:///var/run/crio/crio.sock'],
      files: { 'var/lib/kubelet/config.yaml': config, 'usr/lib/systemd/system/kubelet.service': UNIT, 'usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf': DROPIN },
    });

  const configs: [string, string][] = [
    ["kubeadm's config with comments and a sequence", KUBEADM_CONFIG],
    ['a flow evictionHard', 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDNS:\n- 10.96.0.10\nevictionHard: {memory.available: 200Mi}  # ours\n'],
    ['CRLF line ends, no evictionHard', 'apiVersion: kubelet.config.k8s.io/v1beta1\r\nkind: KubeletConfiguration\r\n# comment   with   spaces\r\nclusterDNS:\r\n- 10.96.0.10\r\n'],
  ];
  for (const [name, config] of configs) {
    it(`pids pressure, ${name}: the diff applies with patch -p1 to a copy of the node and gives --file byte for byte; only config.yaml changes`, function () {
      needs(this, toolMissing('patch'));
      const h = host(pidsNode(config));
      const diff = run(['fix', 'kubelet', '--host-root', h.root]);
      assert.equal(diff.code, 0, diff.stderr);
      assert.match(diff.stdout, /^# KubeletConfiguration \/var\/lib\/kubelet\/config\.yaml\n/);
      assert.match(diff.stdout, /^--- a\/var\/lib\/kubelet\/config\.yaml\n\+\+\+ b\/var\/lib\/kubelet\/config\.yaml$/m);
      const file = run(['fix', 'kubelet', '--host-root', h.root, '--file']);
      assert.equal(file.code, 0, file.stderr);
      const copy = patchedCopy(h, diff.stdout);
      copies.push(copy);
      assert.deepEqual(changedFiles(h.root, copy), ['var/lib/kubelet/config.yaml']);
      const patched = readFileSync(join(copy, 'var/lib/kubelet/config.yaml'), 'utf8');
      assert.equal(patched, file.stdout);
      const before = parseYaml(config) as Record<string, unknown>;
      const after = parseYaml(patched) as { evictionHard: Record<string, string>; podPidsLimit: number; systemReserved: { pid: string } };
      // 27000 tasks - 26000 in kubepods = 1000 outside: reserve max(2000, 2000) = 2000;
      // (32768 - 3277 - 2000) / 110 = 249.9 -> 249.
      assert.equal(after.systemReserved.pid, '2000');
      assert.equal(after.podPidsLimit, 249);
      assert.match(diff.stdout, /#   why: .*27000 on the node \(\/proc\/loadavg\) - 26000 in pods \(\/sys\/fs\/cgroup\/kubepods\.slice\/pids\.current\) = 1000 outside kubepods/);
      assert.match(diff.stdout, /#   why: podPidsLimit = \(32768 - 3277 kept free by pid.available 10% - 2000 reserved\) \/ maxPods 110 \(kubelet's default/);
      assert.match(diff.stdout, /#   why: warning: a pod runs 26000 tasks now, more than 249/);
      assert.equal(after.evictionHard['pid.available'], '10%');
      if (!before.evictionHard) {
        // kubelet's Linux defaults (pkg/kubelet/eviction/defaults_linux.go), none switched off.
        assert.deepEqual(after.evictionHard, { 'pid.available': '10%', 'memory.available': '100Mi', 'nodefs.available': '10%', 'nodefs.inodesFree': '5%', 'imagefs.available': '15%', 'imagefs.inodesFree': '5%' });
        assert.match(diff.stdout, /#   why: evictionHard was unset, so kubelet used its Linux defaults/);
      }
      if (config.includes('\r\n')) assert.ok(patched.split('\n').slice(0, -1).every((l) => l.endsWith('\r')), 'every line keeps CRLF');
      needs(this, toolMissing('yamllint'));
      yamllint(patched);
    });
  }

  it('the driver set by --cgroup-driver in kubeadm-flags.env: the diff changes that file only, and fix driver as a whole applies from /', function () {
    needs(this, toolMissing('patch'));
    const h = host(
      node({
        cmdline: ['/usr/bin/kubelet', '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf', '--kubeconfig=/etc/kubernetes/kubelet.conf', '--config=/var/lib/kubelet/config.yaml', '--cgroup-driver=cgroupfs', '--container-runtime-endpoint=unix:///var/run/crio/crio.sock', '--pod-infra-container-image=registry.k8s.io/pause:3.9'],
        files: {
          // No cgroupDriver in the config: the flag decides, and only the flag is changed.
          'var/lib/kubelet/config.yaml': KUBEADM_CONFIG.replace(/^cgroupDriver:.*\n/m, ''),
          'usr/lib/systemd/system/kubelet.service': UNIT,
          'usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf': DROPIN,
          'var/lib/kubelet/kubeadm-flags.env': FLAGS_ENV,
          'etc/crio/crio.conf': '[crio.runtime]\ncgroup_manager = "cgroupfs"\nconmon_cgroup = "pod"\n',
        },
      }),
    );
    // fix kubelet finds no mismatch here (both cgroupfs), so it changes nothing: said in comment
    // lines, with no diff.
    const k = run(['fix', 'kubelet', '--host-root', h.root, '--driver', 'systemd']);
    assert.equal(k.code, 0, k.stderr);
    assert.equal(k.stdout, '# kubelet\n# no change needed: no finding asks kubelet to change (no driver mismatch, no node PID pressure)\n');

    const d = run(['fix', 'driver', '--host-root', h.root]);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /^# kubelet flags \/var\/lib\/kubelet\/kubeadm-flags\.env\n(#.*\n)*--- a\/var\/lib\/kubelet\/kubeadm-flags\.env\n/);
    assert.match(d.stdout, /#   why: --cgroup-driver=cgroupfs at \/var\/lib\/kubelet\/kubeadm-flags\.env:1 is on kubelet's command line \(\/proc\/4242\/cmdline/);
    const all = patchedCopy(h, d.stdout);
    copies.push(all);
    // CRI-O's crio.conf is the file that sets cgroup_manager: it is patched in place.
    assert.deepEqual(changedFiles(h.root, all), ['etc/crio/crio.conf', 'var/lib/kubelet/kubeadm-flags.env']);
    assert.equal(readFileSync(join(all, 'etc/crio/crio.conf'), 'utf8'), '[crio.runtime]\ncgroup_manager = "systemd"\nconmon_cgroup = "pod"\n');
    assert.equal(readFileSync(join(all, 'var/lib/kubelet/kubeadm-flags.env'), 'utf8'), FLAGS_ENV.replace('--cgroup-driver=cgroupfs', '--cgroup-driver=systemd'));
    // The kubelet part alone, through --file, is that file.
    const kubeletOnly = d.stdout.slice(0, d.stdout.indexOf('\n# ', d.stdout.indexOf('+++ b/var/lib/kubelet/kubeadm-flags.env')) + 1);
    const one = patchedCopy(h, kubeletOnly);
    copies.push(one);
    assert.deepEqual(changedFiles(h.root, one), ['var/lib/kubelet/kubeadm-flags.env']);
    // --file prints one whole file: fix driver makes two documents, so with --file it is bad usage (2), naming them.
    const file = run(['fix', 'driver', '--host-root', h.root, '--file']);
    assert.equal(file.code, 2, file.stderr);
    assert.equal(file.stdout, '');
    assert.match(file.stderr, /fix driver makes 2 documents/);
    // --json keeps them apart: the flags document's content is the patched file.
    const docs = (JSON.parse(run(['fix', 'driver', '--host-root', h.root, '--json']).stdout) as { fixes: { targetPath?: string; content: string }[] }).fixes;
    assert.equal(docs.find((x) => x.targetPath?.endsWith('kubeadm-flags.env'))?.content, readFileSync(join(one, 'var/lib/kubelet/kubeadm-flags.env'), 'utf8'));
  });

  it('a kubelet with no --config and no config file: no /var/lib/kubelet/config.yaml is invented, the note says what to do', () => {
    const h = host(
      node({
        pidMax: 32768,
        tasks: 30000,
        cmdline: ['/usr/bin/kubelet', '--kubeconfig=/etc/kubernetes/kubelet.conf', '--container-runtime-endpoint=unix:///var/run/crio/crio.sock'],
        files: { 'usr/lib/systemd/system/kubelet.service': UNIT, 'etc/crio/crio.conf': '[crio.runtime]\ncgroup_manager = "systemd"\n' },
      }),
    );
    const r = run(['fix', 'kubelet', '--host-root', h.root]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /^(---|\+\+\+) /m, 'no diff');
    assert.match(r.stdout, /^# kubelet runs without --config \(\/proc\/4242\/cmdline\), so it reads no KubeletConfiguration\.$/m);
    assert.match(r.stdout, /add --config=\/var\/lib\/kubelet\/config\.yaml to kubelet's flags in \/usr\/lib\/systemd\/system\/kubelet\.service/);
    // --file prints a file or nothing: the note is not a file, so it goes to standard error.
    const f = run(['fix', 'kubelet', '--host-root', h.root, '--file']);
    assert.equal(f.code, 0, f.stderr);
    assert.equal(f.stdout, '');
    assert.match(f.stderr, /so it reads no KubeletConfiguration/);
  });

  for (const [name, config, message] of [
    ['a Pod manifest', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n', 'cgroup-forensics: /var/lib/kubelet/config.yaml is not a KubeletConfiguration (kind: Pod)\n'],
    ['invalid YAML', 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: [KubeletConfiguration\n', undefined],
  ] as const) {
    it(`refuses ${name} at kubelet's --config: one line naming the file, exit 3`, () => {
      const h = host(pidsNode(config));
      const r = run(['fix', 'kubelet', '--host-root', h.root]);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.equal(r.stdout, '');
      if (message) assert.equal(r.stderr, message);
      else assert.match(r.stderr, /^cgroup-forensics: cannot parse \/var\/lib\/kubelet\/config\.yaml: not valid YAML: [^\n]+\n$/);
    });
  }
});
