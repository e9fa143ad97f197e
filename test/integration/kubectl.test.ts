import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/analysis/forensics';
import { gatherFacts } from '../../src/core/facts/gatherFacts';
import { applyKubeToReport } from '../../src/core/kube/kubeEvidence';
import { currentContext, runKubectl, type KubectlOptions } from '../../src/core/kube/kubectl';
import { gatherKubeView, nodeNames } from '../../src/core/kube/kubeView';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { startKubeApiStandIn, type KubeApiStandIn } from '../support/kubeApiStandIn';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';
import { hostBlock, SshLab, sshdMissing, TestSshd } from '../support/sshd';
import { evidenceLines } from '../../src/core/analysis/evidence';

// The REAL kubectl (Debian's kubernetes-client, or gcloud's kubectl with its version dispatcher)
// run through src/core/kube. The API server is a stand-in (test/support/kubeApiStandIn.ts): no
// package on this machine provides kube-apiserver (nor etcd and a kubelet to give it a node), so
// recorded API responses are served over HTTP to kubectl, which does its own discovery, paging,
// field selector, error handling and JSON printing exactly as against a cluster.
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');
const KUBE = join(__dirname, '..', 'fixtures', 'kube');
const items = (file: string): unknown[] => (JSON.parse(readFileSync(join(KUBE, file), 'utf8')) as { items: unknown[] }).items;
const kubectlMissing = (): string | undefined => (spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0 ? undefined : 'kubectl is not installed (Debian: kubernetes-client)');

const UID_LIVE = '6b0f7a52-93c1-4d8e-a2f4-0c9d8e7f6a51';
const UID_GONE = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
const CID_LIVE = '4f'.repeat(32);

/** A Pod object as the API returns it, bound to a node, running, with one containerd container. */
function podObject(ns: string, name: string, uid: string, node: string, containerId: string): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, uid, creationTimestamp: '2026-11-26T20:00:00Z' },
    spec: { nodeName: node, containers: [{ name: 'app', image: 'registry.example/app:1', resources: { requests: { memory: '64Mi' } } }] },
    status: {
      phase: 'Running',
      qosClass: 'Burstable',
      containerStatuses: [{ name: 'app', containerID: `containerd://${containerId}`, ready: true, restartCount: 0, state: { running: { startedAt: '2026-11-26T20:00:05Z' } } }],
    },
  };
}

describe('kube view with the real kubectl against a stand-in API server', function () {
  this.timeout(120_000);
  let api: KubeApiStandIn;
  let k: KubectlOptions;
  before(async function () {
    needs(this, kubectlMissing());
    api = await startKubeApiStandIn({ nodes: items('nodes.json'), pods: items('pods-node-v2-a.json') });
    // kubectl's discovery cache goes to $HOME/.kube/cache: a HOME of the test's own.
    k = { kubeconfig: api.kubeconfig, env: { ...process.env, HOME: api.home }, requestTimeoutSeconds: 5 };
  });
  after(async () => api?.close());

  it("maps the node, reads its conditions and lists only its pods (kubectl's own requests logged)", async () => {
    const names = await nodeNames({ hostname: 'node-v2-a', resolve: false });
    const v = await gatherKubeView(names, k);
    assert.ok(v.ok, v.ok ? '' : v.error.message);
    assert.equal(v.value.context, 'stand-in');
    assert.equal(v.value.node.name, 'node-v2-a.corp.example');
    assert.equal(v.value.matchedBy, 'node name node-v2-a.corp.example = hostname (probe) node-v2-a (short names)');
    assert.deepEqual(v.value.node.conditions.filter((c) => c.status === 'True').map((c) => c.type), ['PIDPressure', 'Ready']);
    assert.equal(v.value.pods.length, 5);
    // What kubectl asked: discovery first, then the lists; the pods with the node's field selector.
    assert.ok(api.requests.some((r) => r.startsWith('GET /api/v1/nodes?')), api.requests.join('\n'));
    assert.ok(api.requests.some((r) => r.startsWith('GET /api/v1/pods?fieldSelector=spec.nodeName%3Dnode-v2-a.corp.example')), api.requests.join('\n'));
    assert.ok(api.requests.some((r) => r.startsWith('GET /api') && !r.includes('/v1/')), 'kubectl did its discovery');
  });

  it('a node called by its exact host name is fetched by name: no list of every node is asked', async () => {
    const from = api.requests.length;
    const v = await gatherKubeView(await nodeNames({ hostname: 'Node-V2-A.corp.example', resolve: false }), k);
    assert.ok(v.ok, v.ok ? '' : v.error.message);
    assert.equal(v.value.node.name, 'node-v2-a.corp.example');
    assert.equal(v.value.matchedBy, 'node name node-v2-a.corp.example = hostname (probe) Node-V2-A.corp.example');
    assert.equal(v.value.pods.length, 5);
    const asked = api.requests.slice(from);
    assert.ok(asked.some((r) => r.startsWith('GET /api/v1/nodes/node-v2-a.corp.example')), asked.join('\n'));
    assert.ok(!asked.some((r) => r.startsWith('GET /api/v1/nodes?')), `no NodeList: ${asked.join(', ')}`);
  });

  it('a node the cluster does not have is "node-not-found", with the names tried', async () => {
    const v = await gatherKubeView([{ value: 'not-in-this-cluster', source: 'ssh alias' }], k);
    assert.ok(!v.ok);
    assert.equal(v.error.code, 'node-not-found');
    assert.match(v.error.message, /not-in-this-cluster \(3 node\(s\) listed\)/);
  });

  it('403 from the API is "forbidden", with the API\'s own message', async () => {
    api.options.forbidden = true;
    try {
      const v = await gatherKubeView([{ value: 'node-v2-a', source: 'hostname (probe)' }], k);
      assert.ok(!v.ok);
      assert.equal(v.error.code, 'forbidden');
      assert.match(v.error.message, /^the API refused: Error from server \(Forbidden\): nodes is forbidden: User "system:serviceaccount:ci:reader" cannot list resource "nodes"/);
    } finally {
      api.options.forbidden = false;
    }
  });

  it('an API server nobody listens on is "unreachable"; a kubeconfig without a context is "no-context"', async () => {
    const dead = join(api.home, 'dead.kubeconfig');
    execFileSync('kubectl', ['config', 'set-cluster', 'dead', '--server=http://127.0.0.1:9', `--kubeconfig=${dead}`], { env: k.env });
    execFileSync('kubectl', ['config', 'set-context', 'dead', '--cluster=dead', `--kubeconfig=${dead}`], { env: k.env });
    const noCurrent = await gatherKubeView([{ value: 'x', source: 's' }], { ...k, kubeconfig: dead });
    assert.ok(!noCurrent.ok);
    assert.equal(noCurrent.error.code, 'no-context');
    const v = await gatherKubeView([{ value: 'x', source: 's' }], { ...k, kubeconfig: dead, context: 'dead' });
    assert.ok(!v.ok);
    assert.equal(v.error.code, 'unreachable', v.error.message);
    assert.match(v.error.message, /127\.0\.0\.1:9/);
  });

  it('kubectl not on PATH is "kubectl-missing"; the overall timeout and abort stop it', async () => {
    const missing = await currentContext({ ...k, env: { ...k.env, PATH: '/nonexistent' } });
    assert.ok(!missing.ok);
    assert.equal(missing.error.code, 'kubectl-missing');
    api.options.hang = true;
    try {
      const slow = await runKubectl(['get', 'nodes', '-o', 'json'], { ...k, requestTimeoutSeconds: 60, timeoutMs: 1500 });
      assert.ok(!slow.ok && slow.error.code === 'timeout', JSON.stringify(slow));
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 300);
      const stopped = await runKubectl(['get', 'nodes', '-o', 'json'], { ...k, requestTimeoutSeconds: 60, signal: ac.signal });
      assert.ok(!stopped.ok && stopped.error.code === 'cancelled');
      // kubectl's own --request-timeout: an API that does not answer is unreachable.
      const rt = await runKubectl(['get', 'nodes', '-o', 'json'], { ...k, requestTimeoutSeconds: 1 });
      assert.ok(!rt.ok, 'no answer');
      assert.equal(rt.error.code, 'unreachable', rt.error.message);
    } finally {
      api.options.hang = false;
    }
  });

  describe('against a real cgroup tree with an orphan-looking pod cgroup', () => {
    let box: CgroupSandbox | undefined;
    let work: string;
    let hostname: string;
    let thisNode: { apiVersion: string; kind: string; metadata: unknown; status: { addresses: unknown[]; conditions: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[] } };
    before(async function () {
      const { v2 } = cgroupMounts();
      needs(this, v2 ? cgroupMissing(v2) : 'no cgroup2 mount');
      box = CgroupSandbox.create(v2!, 'kube');
      work = mkdtempSync(join(tmpdir(), 'cf-kube-work-'));
      mkdirSync(join(work, 'kubelet', 'pods'), { recursive: true }); // kubelet knows no pod here
      // A live pod's container with a process (the API runs it here; the node's own sources here do not know it) and a gone pod.
      await box.spawnIn(`kubepods/burstable/pod${UID_LIVE}/${CID_LIVE}`);
      box.mkdir(`kubepods/besteffort/pod${UID_GONE}`);
      hostname = readFileSync('/proc/sys/kernel/hostname', 'utf8').trim();
      // This machine as a cluster node, under its FQDN; the live pod bound to it.
      const node = `${hostname.split('.')[0]}.stand-in.example`;
      thisNode = {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: node, labels: { 'kubernetes.io/hostname': node } },
        status: {
          addresses: [{ type: 'InternalIP', address: '192.0.2.10' }],
          conditions: [
            { type: 'MemoryPressure', status: 'True', reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available', lastTransitionTime: '2026-11-26T20:01:00Z' },
            { type: 'Ready', status: 'True', reason: 'KubeletReady' },
          ],
        },
      };
      api.options.nodes = [...items('nodes.json'), thisNode];
      api.options.pods = [...items('pods-node-v2-a.json'), podObject('shop', 'cart-5c9d7-qwe12', UID_LIVE, node, CID_LIVE)];
      if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
    });
    after(async () => {
      await box?.cleanup();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('the orphan the API knows on this node is downgraded; the other stays; conditions become findings', async () => {
      const t = new LocalTransport();
      const s = await takeSnapshot(t, { cgroupRoot: box!.root });
      assert.ok(s.ok, s.ok ? '' : s.error.message);
      const f = await gatherFacts(t, { kubeletDir: join(work, 'kubelet'), containerdAddress: join(work, 'no.sock') });
      assert.ok(f.ok, f.ok ? '' : f.error.message);
      const report = analyze(s.value, f.value, { graceSeconds: 0 });
      const before = report.findings.filter((x) => x.kind === 'orphaned-pod-cgroup');
      assert.deepEqual(
        before.map((x) => [x.podUid, x.severity]).sort(),
        [[UID_LIVE, 'critical'], [UID_GONE, 'warning']].sort(),
        `node clock ${s.value.node.now}; findings ${JSON.stringify(report.findings.map((x) => [x.kind, x.title, evidenceLines(x)]))}`,
      );
      const v = await gatherKubeView(await nodeNames({ hostname: s.value.node.hostname!, resolve: false }), k);
      assert.ok(v.ok, v.ok ? '' : v.error.message);
      const { report: r, kube } = applyKubeToReport(report, v.value, s.value);
      const live = r.findings.find((x) => x.podUid === UID_LIVE)!;
      assert.deepEqual([live.severity, live.confidence], ['info', 'low']);
      assert.match(evidenceLines(live)[0]!, new RegExp(`^the API knows pod shop/cart-5c9d7-qwe12 \\(${UID_LIVE}\\) on node .*\\.stand-in\\.example: not an orphan$`));
      assert.equal(r.findings.find((x) => x.podUid === UID_GONE)!.severity, 'warning');
      assert.deepEqual(r.findings.filter((x) => x.kind === 'node-condition').map((x) => x.title), [`Kubernetes reports node ${v.value.node.name} MemoryPressure`]);
      assert.deepEqual(kube.podsWithoutCgroup, []);
      assert.equal(kube.pods[0]!.cgroup, 'present');
    });

    it('the built CLI: orphans --kubeconfig downgrades it (exit 0), --no-kube does not (exit 1), no kubectl: silent unless asked', async () => {
      const env = { ...process.env, HOME: api.home };
      // A healthy node now: the downgraded orphan alone decides the exit status.
      thisNode.status.conditions[0]!.status = 'False';
      const common = ['orphans', '--cgroup-root', join(box!.root, 'kubepods', 'burstable', `pod${UID_LIVE}`), '--kubelet-dir', join(work, 'kubelet'), '--containerd-address', join(work, 'no.sock'), '--grace', '0'];
      // Asynchronously: the stand-in API answers from this process's event loop.
      const run = (args: string[], e: NodeJS.ProcessEnv = env): Promise<{ code: number | null; stdout: string; stderr: string }> =>
        new Promise((resolve) => {
          execFile(process.execPath, [cli, ...common, ...args], { encoding: 'utf8', env: e, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
            resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
          });
        });
      const withKube = await run(['--kubeconfig', api.kubeconfig, '--json']);
      assert.equal(withKube.code, 0, withKube.stderr + withKube.stdout);
      const j = JSON.parse(withKube.stdout) as { findings: { kind: string; severity: string; podUid?: string; evidence: string[] }[]; kubernetes: { context: string; notOrphans: { pod: string }[] } };
      assert.equal(j.kubernetes.context, 'stand-in');
      assert.deepEqual(j.kubernetes.notOrphans.map((n) => n.pod), ['shop/cart-5c9d7-qwe12']);
      assert.equal(j.findings.find((x) => x.podUid === UID_LIVE)!.severity, 'info');
      const text = await run(['--kubeconfig', api.kubeconfig, '--kube-context', 'stand-in']);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^Kubernetes view \(context stand-in\): node .*\.stand-in\.example, matched by node name .* = hostname \(probe\) .* \(short names\)$/m);
      assert.match(text.stdout, new RegExp(`^ {4}shop/cart-5c9d7-qwe12  ${UID_LIVE}  Running Burstable  cgroup present$`, 'm'));
      assert.equal(text.stderr, '');
      const noKube = await run(['--no-kube']);
      assert.equal(noKube.code, 1, noKube.stderr);
      assert.equal(noKube.stderr, '');
      assert.equal((await run(['--no-kube', '--kube-context', 'x'])).code, 2);
      // PATH with everything of this machine but kubectl.
      const bin = join(work, 'bin-without-kubectl');
      mkdirSync(bin);
      for (const dir of ['/usr/bin', '/usr/sbin']) {
        for (const name of readdirSync(dir)) if (name !== 'kubectl' && !existsSync(join(bin, name))) symlinkSync(join(dir, name), join(bin, name));
      }
      // Not asked and no kubectl: this machine speaks to no cluster, nothing to say.
      const noKubectl = await run([], { ...env, PATH: bin });
      assert.equal(noKubectl.code, 1, noKubectl.stderr);
      assert.equal(noKubectl.stderr, '');
      // Asked (a context named) and no kubectl: one note saying why.
      const askedNoKubectl = await run(['--kube-context', 'stand-in'], { ...env, PATH: bin });
      assert.equal(askedNoKubectl.code, 1, askedNoKubectl.stderr);
      assert.equal(askedNoKubectl.stderr, "cgroup-forensics: note: no Kubernetes view of the node: kubectl is not installed or not runnable here ('kubectl': ENOENT)\n");
    });

    it('the built CLI: fix cleanup asks the API as orphans does: the pod it knows is named, not removed; the exit status agrees', async () => {
      thisNode.status.conditions[0]!.status = 'False'; // a healthy node: orphans alone decide the exit status
      const env = { ...process.env, HOME: api.home };
      const run = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
        new Promise((resolve) => {
          execFile(process.execPath, [cli, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
            resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
          });
        });
      const node = ['--kubelet-dir', join(work, 'kubelet'), '--containerd-address', join(work, 'no.sock'), '--grace', '0'];
      const removes = (script: string, uid: string): boolean => script.split('\n').some((l) => l.startsWith('rm_cgroup ') && l.includes(`pod${uid}`));
      // The whole sandbox: the pod the API knows (with its process) and the gone pod.
      const all = ['--cgroup-root', box!.root, ...node];
      const script = await run(['fix', 'cleanup', ...all, '--kubeconfig', api.kubeconfig]);
      assert.equal(script.code, 0, script.stderr);
      assert.equal(removes(script.stdout, UID_LIVE), false, script.stdout);
      assert.equal(removes(script.stdout, UID_GONE), true, script.stdout);
      assert.match(script.stdout, new RegExp(`^# not included \\(the Kubernetes API knows pod shop/cart-5c9d7-qwe12 on this node\\): pod cgroup .*pod${UID_LIVE}: not an orphan`, 'm'));
      const orphans = await run(['orphans', ...all, '--kubeconfig', api.kubeconfig]);
      assert.equal(orphans.code, 1, 'the gone pod is an orphan to act on, as the script says');
      assert.match(orphans.stdout, /^orphans: 1 to clean up \(fix cleanup removes them\); 1 left alone: the Kubernetes API knows their pods on this node$/m);
      // Only the pod the API knows: nothing to remove, and orphans exits 0.
      const known = ['--cgroup-root', join(box!.root, 'kubepods', 'burstable', `pod${UID_LIVE}`), ...node, '--kubeconfig', api.kubeconfig];
      const none = await run(['fix', 'cleanup', ...known]);
      assert.equal(none.code, 0, none.stderr);
      assert.equal(none.stdout.split('\n').filter((l) => l.startsWith('rm_cgroup ')).length, 0, none.stdout);
      assert.equal((await run(['orphans', ...known])).code, 0);
      // Without the API's view both call it an orphan (the node's own sources do not know it).
      const blind = await run(['fix', 'cleanup', ...all, '--no-kube']);
      assert.equal(removes(blind.stdout, UID_LIVE), true, blind.stdout);
      assert.equal((await run(['orphans', '--cgroup-root', join(box!.root, 'kubepods', 'burstable', `pod${UID_LIVE}`), ...node, '--no-kube'])).code, 1);
    });

    it('the built CLI: evidence --kubeconfig carries the Kubernetes view (JSON and text)', async () => {
      const args = ['evidence', '--cgroup-root', join(box!.root, 'kubepods', 'burstable', `pod${UID_LIVE}`), '--kubelet-dir', join(work, 'kubelet'), '--containerd-address', join(work, 'no.sock'), '--grace', '0', '--since', '1h', '--kubeconfig', api.kubeconfig];
      const run = (extra: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
        new Promise((resolve) => {
          execFile(process.execPath, [cli, ...args, ...extra], { encoding: 'utf8', env: { ...process.env, HOME: api.home }, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
            resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
          });
        });
      const j = await run(['--json']);
      assert.ok(j.code === 0 || j.code === 1, j.stderr);
      const parsed = JSON.parse(j.stdout) as { schema: string; findings: { podUid?: string; severity: string }[]; kubernetes: { context: string; pods: { pod: string; cgroup: string }[] } };
      assert.equal(parsed.schema, 'cgroup-forensics/evidence@1');
      assert.deepEqual(parsed.kubernetes.pods.map((p) => [p.pod, p.cgroup]), [['shop/cart-5c9d7-qwe12', 'present']]);
      assert.equal(parsed.findings.find((f) => f.podUid === UID_LIVE)!.severity, 'info');
      const t = await run([]);
      assert.match(t.stdout, /\nKubernetes view \(context stand-in\): node /);
    });

    it('over SSH (a real sshd): the node is found by the HostName ssh_config gives the alias', async function () {
      needs(this, sshdMissing());
      const lab = new SshLab();
      const sshd = await TestSshd.start(lab, 'kube');
      try {
        lab.write('known_hosts', `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic()}\n`);
        const cfg = lab.write('k.config', hostBlock('edge', { port: sshd.port, identityFile: lab.userKey, knownHosts: lab.path('known_hosts') }));
        // Neither the alias nor this machine's hostname names this node: only HostName 127.0.0.1 does.
        api.options.nodes = [...items('nodes.json'), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-ssh-17' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], conditions: [{ type: 'Ready', status: 'True' }] } }];
        api.options.pods = [podObject('shop', 'cart-5c9d7-qwe12', UID_LIVE, 'node-ssh-17', CID_LIVE)];
        const args = ['orphans', '--host', 'edge', '--ssh-config', cfg, '--cgroup-root', join(box!.root, 'kubepods', 'burstable', `pod${UID_LIVE}`), '--kubelet-dir', join(work, 'kubelet'), '--containerd-address', join(work, 'no.sock'), '--grace', '0', '--kubeconfig', api.kubeconfig, '--json'];
        const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          execFile(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, HOME: api.home }, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
            resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
          });
        });
        assert.equal(r.code, 0, r.stderr + r.stdout);
        const j = JSON.parse(r.stdout) as { kubernetes: { node: string; matchedBy: string; notOrphans: { pod: string }[] } };
        assert.equal(j.kubernetes.node, 'node-ssh-17');
        assert.equal(j.kubernetes.matchedBy, 'address InternalIP 127.0.0.1 = ssh HostName 127.0.0.1');
        assert.deepEqual(j.kubernetes.notOrphans.map((n) => n.pod), ['shop/cart-5c9d7-qwe12']);
      } finally {
        await sshd.stop();
        lab.remove();
      }
    });
  });
});
