import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { startKubeApiStandIn, type KubeApiStandIn } from '../support/kubeApiStandIn';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';

// `cgroup-forensics fleet --kube-nodes` with the REAL kubectl (1.32) against the stand-in API server
// of test/support/kubeApiStandIn.ts (no real cluster can run here: no kube-apiserver, etcd or
// kubelet package, and no image can be pulled). Stand-in: the API server and the kubelet's part (a
// pod becoming Running, exec). Real: kubectl's node list and label selector, its pod create, exec
// (WebSocket v5) and delete, its refusal words, and the programs, which run on this machine as in a
// pod (this machine's / at /host, read through the host-root support). Every "node" is this machine,
// each walking the same sandbox subtree of the test's own through --cgroup-root (the node's path).
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');
const UID = '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a';

const kubectlMissing = (): string | undefined => (spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0 ? undefined : 'kubectl is not installed (Debian: kubernetes-client)');
const rootMissing = (): string | undefined => (process.getuid?.() === 0 ? undefined : 'needs root (unshare --mount, bind mounts, chroot)');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

const node = (name: string, labels: Record<string, string>): unknown => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });

describe('the built CLI: fleet --kube-nodes through the real kubectl and a stand-in API server', function () {
  this.timeout(180_000);
  const v2 = cgroupMounts().v2;
  let api: KubeApiStandIn;
  let box: CgroupSandbox;
  let work: string;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    needs(this, kubectlMissing() ?? rootMissing() ?? (v2 ? cgroupMissing(v2) : 'no cgroup2 mount'));
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
    api = await startKubeApiStandIn({
      nodes: [node('worker-a', { pool: 'workers' }), node('worker-b', { pool: 'workers' }), node('infra-1', { pool: 'infra' })],
      pods: [],
      minor: 32,
    });
    env = { ...process.env, HOME: api.home };
    box = CgroupSandbox.create(v2!, 'fleetkube');
    box.mkdir(`kubepods/burstable/pod${UID}/c1`);
    box.mkdir('system.slice/a.service');
    work = mkdtempSync(join(tmpdir(), 'cf-fleetkube-'));
    mkdirSync(join(work, 'kubelet', 'pods'), { recursive: true }); // kubelet knows no pod
  });

  after(async () => {
    await box?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
    await api?.close();
  });

  function run(args: string[]): Promise<Ran> {
    return new Promise((resolve) => {
      execFile(process.execPath, [cli, 'fleet', ...args], { encoding: 'utf8', env, maxBuffer: 1 << 28 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
      });
    });
  }
  const judge = (): string[] => ['--kubeconfig', api.kubeconfig, '--cgroup-root', box.root, '--kubelet-dir', join(work, 'kubelet'), '--containerd-address', join(work, 'no.sock'), '--grace', '0', '--quiet'];

  it('lists the nodes by label selector, reads each in a pod of its own, ranks them, and deletes every pod', async () => {
    const created = api.pods.created.length;
    const r = await run(['--selector', 'pool=workers', '--json', ...judge()]);
    assert.equal(r.code, 1, `${r.stderr}${r.stdout.slice(0, 2000)}`);
    const fleet = JSON.parse(r.stdout) as { nodes: { node: string; status: string; reachedBy: string; summary?: { orphans?: number } }[] };
    assert.deepEqual(fleet.nodes.map((n) => n.node).sort(), ['worker-a', 'worker-b'], 'the selector keeps the workers; infra-1 is not asked');
    for (const n of fleet.nodes) {
      assert.equal(n.status, 'investigated', JSON.stringify(n));
      assert.equal(n.reachedBy, `kubectl pod on ${n.node}`);
      assert.equal(n.summary?.orphans, 1, JSON.stringify(n));
    }
    const pods = api.pods.created.slice(created) as { metadata: { name: string }; spec: { nodeName: string } }[];
    assert.deepEqual(pods.map((p) => p.spec.nodeName).sort(), ['worker-a', 'worker-b'], 'one pod per node, pinned to it');
    for (const p of pods) assert.ok(api.pods.deleted.includes(p.metadata.name), `${p.metadata.name} deleted before fleet ended`);
    assert.equal(api.pods.pods.size, 0);

    const text = await run(['--kube-nodes', ...judge()]);
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /^NODE\s+LAYOUT/m);
    for (const n of ['worker-a', 'worker-b', 'infra-1']) assert.match(text.stdout, new RegExp(`^${n}\\s.*kubectl pod on ${n}$`, 'm'));
  });

  it('a cluster that forbids creating pods: every node a row saying so in one line, exit 6', async () => {
    api.options.forbid = [{ verb: 'create', resource: 'pods' }];
    try {
      const r = await run(['--kube-nodes', '--selector', 'pool=infra', ...judge()]);
      assert.equal(r.code, 6, r.stderr + r.stdout);
      assert.match(r.stdout, /^infra-1\s.*does not let .* create pods in namespace \S+ \(RBAC\)/m, r.stdout);
    } finally {
      api.options.forbid = [];
    }
  });

  it('a cluster whose nodes cannot be listed is one line and exit 3; kube flags without --kube-nodes are bad usage', async () => {
    api.options.forbidden = true;
    try {
      const r = await run(['--kube-nodes', ...judge()]);
      assert.equal(r.code, 3, r.stderr + r.stdout);
      assert.match(r.stderr, /^cgroup-forensics: cannot list the nodes of kubectl's current context: .*forbidden/im);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    } finally {
      api.options.forbidden = false;
    }
    const u = await run(['--kube-context', 'x', '--hosts-file', '/dev/null']);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /--kube-context is for the nodes of a cluster: add --kube-nodes/);
  });
});
