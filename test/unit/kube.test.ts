import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from '../../src/core/analysis/finding';
import { analyze } from '../../src/core/analysis/forensics';
import { interpretFacts } from '../../src/core/facts/nodeFacts';
import { classifyKubectlError, kubectlArgs } from '../../src/core/kube/kubectl';
import { applyKubeToReport, applyKubeView, nodeConditionFindings, snapshotPodUids } from '../../src/core/kube/kubeEvidence';
import { parseNodeList, parsePodList, type KubeNode, type KubePod } from '../../src/core/kube/kubeObjects';
import { renderKubeText } from '../../src/core/kube/kubeText';
import { nodeNames, type KubeView } from '../../src/core/kube/kubeView';
import { matchNode } from '../../src/core/kube/nodeMatch';
import type { Snapshot } from '../../src/core/model/snapshot';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { UID_A, UID_B, UID_C, v1CgroupfsHost, v2SystemdHost } from '../fixtures/hosts/specs';
import { makeFakeHost, v2Files, type FakeHostSpec } from '../support/fakeHost';
import { evidenceLines, note } from '../../src/core/analysis/evidence';

// kubectl's JSON as recorded in test/fixtures/kube (a 3-node cluster; the pods kubectl lists on
// node-v2-a.corp.example), against snapshots of the fixture nodes of test/fixtures/hosts.
const KUBE = join(__dirname, '..', 'fixtures', 'kube');
const fixture = (name: string): string => readFileSync(join(KUBE, name), 'utf8');
const STATIC_HASH = '3f1e9c2b7a6d5e4f3a2b1c0d9e8f7a6b';
const UID_PROXY = 'aaaa1111-2222-3333-4444-555555555555';

function nodes(): KubeNode[] {
  const r = parseNodeList(fixture('nodes.json'));
  assert.ok(r.ok);
  return r.value;
}

function pods(): KubePod[] {
  const r = parsePodList(fixture('pods-node-v2-a.json'));
  assert.ok(r.ok);
  return r.value;
}

async function scan(spec: FakeHostSpec): Promise<Snapshot> {
  const host = makeFakeHost(spec);
  try {
    const s = await takeSnapshot(new LocalTransport(), { hostRoot: host.root });
    assert.ok(s.ok, s.ok ? '' : s.error.message);
    return s.value;
  } finally {
    host.remove();
  }
}

describe('kube: kubectl output', () => {
  it('reads nodes: names, hostname label, addresses, conditions, kubelet version', () => {
    const [a, b] = nodes();
    assert.equal(a!.name, 'node-v2-a.corp.example');
    assert.equal(a!.hostnameLabel, 'node-v2-a.corp.example');
    assert.deepEqual(a!.addresses.map((x) => x.type), ['InternalIP', 'InternalDNS', 'Hostname']);
    assert.deepEqual(a!.conditions.find((c) => c.type === 'PIDPressure'), {
      type: 'PIDPressure',
      status: 'True',
      reason: 'KubeletHasInsufficientPID',
      message: 'kubelet has insufficient PID available',
      lastTransitionTime: '2026-11-26T19:02:41Z',
    });
    assert.equal(b!.kubeletVersion, 'v1.24.17');
  });

  it('reads pods: UIDs, phases, QoS, container IDs without the runtime prefix, missing limits, static pods', () => {
    const p = pods();
    const web = p.find((x) => x.uid === UID_A)!;
    assert.equal(web.namespace, 'shop');
    assert.deepEqual(web.containerIds, ['a'.repeat(64), '0123456789abcdef'.repeat(4)]);
    assert.deepEqual(web.containersWithoutMemoryLimit, ['envoy']);
    assert.deepEqual(web.containersWithoutCpuLimit, ['web', 'envoy']);
    const etcd = p.find((x) => x.name.startsWith('etcd-'))!;
    assert.equal(etcd.mirrorOf, STATIC_HASH);
    assert.equal(p.find((x) => x.uid === UID_C)!.phase, 'Succeeded');
  });

  it('untrusted output: not JSON, no items, malformed items and hostile strings are values, not throws', () => {
    assert.equal(parseNodeList('Error from server').ok, false);
    const noItems = parsePodList('{"kind":"Status"}');
    assert.ok(!noItems.ok && noItems.error.code === 'bad-output');
    const r = parsePodList(JSON.stringify({ items: [null, 7, { metadata: { name: 'x', uid: '../../etc' } }, { metadata: { name: 'evil\u001b[31m\nname', namespace: 'ns', uid: UID_B } }] }));
    assert.ok(r.ok);
    assert.equal(r.value.length, 1);
    const view: KubeView = { context: 'c', node: nodes()[0]!, matchedBy: 'test', pods: r.value };
    const text = renderKubeText(applyKubeView([], view).kube);
    assert.ok(!/[\u0000-\u0008\u000b-\u001f]/.test(text), 'no control bytes reach the text');
    assert.match(text, /ns\/evil\\x1b\[31m\\x0aname/);
  });

  it('kubectl argv: global flags as single words before the command, never shell text', () => {
    assert.deepEqual(kubectlArgs({ context: 'prod; rm -rf /', kubeconfig: '/tmp/k c' }, ['get', 'nodes', '-o', 'json']), [
      '--kubeconfig=/tmp/k c',
      '--context=prod; rm -rf /',
      '--request-timeout=10s',
      'get',
      'nodes',
      '-o',
      'json',
    ]);
    assert.deepEqual(kubectlArgs({ requestTimeoutSeconds: 3 }, ['version']), ['--request-timeout=3s', 'version']);
  });

  it("kubectl's errors (as kubectl 1.2x prints them) are told apart", () => {
    const cases: [string, string][] = [
      ['error: current-context is not set\n', 'no-context'],
      ['Error in configuration: context was not found for specified context: nope\n', 'no-context'],
      ['error: stat /tmp/x/kubeconfig: no such file or directory\n', 'no-context'],
      ['Error from server (Forbidden): nodes is forbidden: User "x" cannot list resource "nodes" in API group "" at the cluster scope\n', 'forbidden'],
      ['error: You must be logged in to the server (Unauthorized)\n', 'unauthorized'],
      ['E1126 20:41:13.124277    9756 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list: Get \\"http://127.0.0.1:1/api\\": dial tcp 127.0.0.1:1: connect: connection refused"\nThe connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n', 'unreachable'],
      ['Unable to connect to the server: dial tcp: lookup api.example on 10.0.0.2:53: no such host\n', 'unreachable'],
      ['error: the server doesn\'t have a resource type "nodes"\n', 'failed'],
    ];
    for (const [stderr, code] of cases) assert.equal(classifyKubectlError(stderr, 1).code, code, stderr);
    const e = classifyKubectlError('E1126 20:41:13.1 1 x.go:1] noise\nThe connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n', 1);
    assert.equal(e.message, 'the Kubernetes API is unreachable: The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?');
  });
});

describe('kube: mapping our node to a Kubernetes node', () => {
  it('by the probed short hostname against an FQDN node name and hostname label', () => {
    const m = matchNode(nodes(), [{ value: 'node-v2-a', source: 'hostname (probe)' }]);
    assert.ok(m.ok);
    assert.equal(m.value.node.name, 'node-v2-a.corp.example');
    assert.match(m.value.matchedBy, /short names/);
  });

  it('exactly, case-insensitively, before short names; by an address for an SSH node', () => {
    const exact = matchNode(nodes(), [{ value: 'NODE-V1-B', source: 'hostname (probe)' }]);
    assert.ok(exact.ok && exact.value.node.name === 'node-v1-b' && !/short/.test(exact.value.matchedBy));
    const byIp = matchNode(nodes(), [
      { value: 'bastion-17', source: 'ssh alias' },
      { value: '10.0.3.7', source: 'address of bastion-17' },
    ]);
    assert.ok(byIp.ok);
    assert.equal(byIp.value.matchedBy, 'address InternalIP 10.0.3.7 = address of bastion-17 10.0.3.7');
    const byDns = matchNode(nodes(), [{ value: 'ip-10-0-3-7.eu-west-1.compute.internal.', source: 'ssh HostName' }]);
    assert.ok(byDns.ok && byDns.value.node.name === 'node-v2-a.corp.example');
  });

  it('IP addresses never match by a "short name"; unknown and ambiguous names are errors with what was tried', () => {
    const none = matchNode(nodes(), [{ value: '10.0.3.70', source: 'ssh address' }, { value: 'node-x', source: 'hostname (probe)' }]);
    assert.ok(!none.ok);
    assert.equal(none.error.code, 'node-not-found');
    assert.match(none.error.message, /10\.0\.3\.70, node-x \(3 node\(s\) listed\)/);
    const twins: KubeNode[] = [
      { name: 'web-1.eu.example', addresses: [], conditions: [] },
      { name: 'web-1.us.example', addresses: [], conditions: [] },
    ];
    const amb = matchNode(twins, [{ value: 'web-1', source: 'hostname (probe)' }]);
    assert.ok(!amb.ok && amb.error.code === 'ambiguous-node');
    const empty = matchNode([], [{ value: 'a', source: 's' }]);
    assert.ok(!empty.ok && empty.error.code === 'node-not-found');
  });
});

describe("kube: our node's names", () => {
  it('an SSH node: probed hostname, alias without user@, HostName, and the addresses it resolves to', async () => {
    assert.deepEqual(await nodeNames({ hostname: 'node-17', sshAlias: 'ubuntu@n17', sshHostName: '10.0.3.7' }), [
      { value: 'node-17', source: 'hostname (probe)' },
      { value: 'n17', source: 'ssh alias' },
      { value: '10.0.3.7', source: 'ssh HostName' },
    ]);
    const resolved = await nodeNames({ sshAlias: 'lo', sshHostName: 'localhost' });
    assert.ok(resolved.some((n) => n.value === '127.0.0.1' && n.source === 'address of localhost'), JSON.stringify(resolved));
    assert.deepEqual(await nodeNames({ sshAlias: '10.0.3.8' }), [{ value: '10.0.3.8', source: 'ssh alias' }]);
  });
});

describe('kube: correlation with the findings', () => {
  let snapshot: Snapshot;
  let view: KubeView;
  before(async () => {
    const spec = v2SystemdHost();
    // A static pod (etcd): kubelet names its cgroup by the config hash, not the mirror pod's UID.
    spec.cgroups['/sys/fs/cgroup']![`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${STATIC_HASH}.slice`] = v2Files({ memory: 1 });
    snapshot = await scan(spec);
    assert.equal(snapshot.node.hostname, 'node-v2-a');
    const m = matchNode(nodes(), [{ value: snapshot.node.hostname!, source: 'hostname (probe)' }]);
    assert.ok(m.ok);
    view = { context: 'prod-eu', node: m.value.node, matchedBy: m.value.matchedBy, pods: pods() };
  });

  it('conditions: PIDPressure True is a warning with reason, message and time; a not-Ready node is critical', () => {
    const f = nodeConditionFindings(view);
    assert.equal(f.length, 1);
    assert.equal(f[0]!.kind, 'node-condition');
    assert.equal(f[0]!.severity, 'warning');
    assert.equal(f[0]!.title, 'Kubernetes reports node node-v2-a.corp.example PIDPressure');
    assert.equal(evidenceLines(f[0]!)[0], 'kubectl get node node-v2-a.corp.example: PIDPressure=True since 2026-11-26T19:02:41Z (KubeletHasInsufficientPID): kubelet has insufficient PID available');
    const down = nodeConditionFindings({ ...view, node: nodes()[1]! });
    assert.deepEqual(down.map((x) => [x.severity, x.title]), [['critical', 'Kubernetes reports node node-v1-b not Ready (Ready=Unknown)']]);
  });

  it('orphans whose pod the API knows on this node are downgraded (systemd driver UIDs with underscores); the others stay', () => {
    // kubelet's pods directory knows only UID_A: every other pod cgroup looks orphaned to the node.
    const facts = interpretFacts({ found: [{ key: 'kubelet-pods-count', source: '/var/lib/kubelet/pods', value: '1' }, { key: 'kubelet-pod', source: '/var/lib/kubelet/pods', value: UID_A }], missing: [] });
    const report = analyze(snapshot, facts, { graceSeconds: 0 });
    const orphanUids = report.findings.filter((f) => f.kind === 'orphaned-pod-cgroup').map((f) => f.podUid).sort();
    assert.deepEqual(orphanUids, [UID_PROXY, UID_B, UID_C].sort());
    assert.match(report.rootCause ?? '', /lost track of running containers/);

    const { report: r, kube } = applyKubeToReport(report, view, snapshot);
    const byUid = (u: string): Finding => r.findings.find((f) => f.podUid === u && f.kind === 'orphaned-pod-cgroup')!;
    const proxy = byUid(UID_PROXY);
    assert.equal(proxy.severity, 'info');
    assert.equal(proxy.confidence, 'low');
    assert.equal(proxy.knownToApi, 'kube-system/kube-proxy-7wq9z');
    assert.equal(evidenceLines(proxy)[0], `the API knows pod kube-system/kube-proxy-7wq9z (${UID_PROXY}) on node node-v2-a.corp.example: not an orphan`);
    assert.equal(proxy.title, 'pod cgroup /kubepods.slice/kubepods-podaaaa1111_2222_3333_4444_555555555555.slice: not an orphan, the API knows pod kube-system/kube-proxy-7wq9z');
    assert.match(evidenceLines(byUid(UID_C))[1]!, /^phase Succeeded: kubelet removes its cgroups/);
    // UID_B is unknown to the API as well: still an orphan, as severe as before.
    assert.equal(byUid(UID_B).severity, report.findings.find((f) => f.podUid === UID_B)!.severity);
    assert.notEqual(byUid(UID_B).severity, 'info');
    assert.deepEqual(kube.notOrphans.map((n) => n.pod).sort(), ['batch/report-28391820-xk2pl', 'kube-system/kube-proxy-7wq9z']);
    // The leftover processes are the API's kube-proxy now: no longer the root cause.
    assert.doesNotMatch(r.rootCause ?? '', /lost track of running containers/);
    assert.equal(r.counts['node-condition'], 1);
    // PIDPressure is added to the evidence of the orphans (it bears on leftover processes).
    assert.ok(evidenceLines(byUid(UID_B)).some((e) => e.startsWith('kubectl get node node-v2-a.corp.example: PIDPressure=True')));
  });

  it('pods the API runs here without a pod cgroup are named; static pods are found by their config hash', () => {
    const { kube } = applyKubeView([], view, snapshot);
    assert.deepEqual(kube.podsWithoutCgroup, ['monitoring/node-exporter-9zq8w (5f0c2b1e-8d3a-4c6f-9e7b-1a2b3c4d5e6f)']);
    assert.equal(kube.pods.find((p) => p.pod.startsWith('kube-system/etcd-'))!.cgroup, 'present');
    assert.equal(kube.pods.find((p) => p.uid === UID_A)!.cgroup, 'present');
    // Succeeded pods without a cgroup are not reported (kubelet removed it, as it should).
    assert.equal(kube.cgroupsNotJudged, undefined);
  });

  it('container orphans: downgraded only when the API lists that container ID', () => {
    const orphan = (id: string): Finding => ({ kind: 'orphaned-container-cgroup', severity: 'warning', confidence: 'high', title: 't', cgroups: [], evidence: [note('e')], podUid: UID_A, containerId: id });
    const { findings } = applyKubeView([orphan('a'.repeat(64)), orphan('f'.repeat(64))], view, snapshot);
    const known = findings.find((f) => f.containerId === 'a'.repeat(64))!;
    assert.equal(known.severity, 'info');
    assert.match(evidenceLines(known)[0]!, /its status lists container aaaaaaaaaaaa/);
    assert.equal(findings.find((f) => f.containerId === 'f'.repeat(64))!.severity, 'warning');
  });

  it('pods without limits (from the cgroup files) get the API name and QoS class when the UID is known', () => {
    const limits = [
      { dir: `/sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_C.replace(/-/g, '_')}.slice`, podUid: UID_C, memoryUnlimited: true, cpuUnlimited: true },
      { dir: '/sys/fs/cgroup/kubepods.slice/x', memoryUnlimited: true, cpuUnlimited: false },
    ];
    const { kube } = applyKubeView([], view, snapshot, limits);
    assert.equal(kube.podsWithoutLimits[0]!.pod, 'batch/report-28391820-xk2pl');
    assert.equal(kube.podsWithoutLimits[0]!.qosClass, 'BestEffort');
    assert.equal(kube.podsWithoutLimits[1]!.pod, undefined);
    assert.match(renderKubeText(kube), /batch\/report-28391820-xk2pl \(BestEffort\): no memory limit, no CPU limit/);
  });

  it('cgroupfs driver (dashed UIDs in v1 hierarchies): the same UIDs are found', async () => {
    const s = await scan(v1CgroupfsHost());
    const { uids, sawKubepods } = snapshotPodUids(s);
    assert.ok(sawKubepods);
    assert.deepEqual([...uids].sort(), [UID_A, UID_B, UID_C].sort());
    const { kube } = applyKubeView([], { ...view, pods: pods().filter((p) => p.uid === UID_A) }, s);
    assert.equal(kube.pods[0]!.cgroup, 'present');
  });

  it('a scan without kubepods does not judge pod cgroups', () => {
    const bare: Snapshot = { ...snapshot, hierarchies: [] };
    const { kube } = applyKubeView([], view, bare);
    assert.deepEqual(kube.podsWithoutCgroup, []);
    assert.ok(kube.cgroupsNotJudged);
    assert.ok(kube.pods.every((p) => p.cgroup === 'not-judged'));
  });

  it('a walk rooted at one pod (--cgroup-root below kubepods) finds that pod and judges no other', () => {
    const h = snapshot.hierarchies[0]!;
    const sub: Snapshot = { ...snapshot, hierarchies: [{ ...h, basePath: `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_A.replace(/-/g, '_')}.slice`, tree: { ...h.tree, size: 1, names: [''] } as typeof h.tree }] };
    const { kube } = applyKubeView([], view, sub);
    assert.equal(kube.pods.find((p) => p.uid === UID_A)!.cgroup, 'present');
    assert.equal(kube.pods.find((p) => p.uid === UID_PROXY)!.cgroup, 'not-judged');
    assert.deepEqual(kube.podsWithoutCgroup, []);
  });
});
