import assert from 'node:assert/strict';
import { investigate } from '../../src/core/investigation/investigate';
import type { KubeLookup } from '../../src/core/investigation/kubeLookup';
import type { KubeView } from '../../src/core/kube/kubeView';
import type { NodeName } from '../../src/core/kube/nodeMatch';
import type { Snapshot } from '../../src/core/model/snapshot';
import { LocalTransport } from '../../src/core/transport/local';
import type { RunRequest, RunResult, Transport } from '../../src/core/transport/transport';
import { UID_A, UID_B, v1CgroupfsHost } from '../fixtures/hosts/specs';
import { makeFakeHost, type FakeHost } from '../support/fakeHost';

// The one investigation both front ends run (src/core/investigation): every step over the one
// transport it is given, the Kubernetes lookup's answer applied, a saved snapshot judged only by
// what it proves. Real sh and awk over a fixture node read with --host-root.

/** LocalTransport that records which node program each run was (argv[3]: cgroup-forensics-probe, -facts ...). */
class CountingTransport implements Transport {
  readonly label = 'counting';
  readonly programs: string[] = [];
  private readonly local = new LocalTransport();
  run(r: RunRequest): Promise<RunResult> {
    this.programs.push(r.argv[3] ?? r.argv[0]!);
    return this.local.run(r);
  }
  dispose(): void {
    this.local.dispose();
  }
}

function lookup(answer: (names: readonly NodeName[]) => Awaited<ReturnType<KubeLookup['lookUp']>>, named = false): KubeLookup & { asked: NodeName[][] } {
  const asked: NodeName[][] = [];
  return {
    named,
    asked,
    lookUp: async (names) => {
      asked.push([...names]);
      return answer(names);
    },
  };
}

describe('investigate: the one pipeline', function () {
  this.timeout(60_000);
  let host: FakeHost;
  const signal = new AbortController().signal;

  before(() => {
    const spec = v1CgroupfsHost();
    spec.files = { ...spec.files, [`var/lib/kubelet/pods/${UID_A}/etc-hosts`]: '' };
    host = makeFakeHost(spec);
  });
  after(() => host.remove());

  it('runs every step over the one transport, in order: snapshot, facts, evidence, processes', async () => {
    const t = new CountingTransport();
    const r = await investigate({ transport: t }, { signal, hostRoot: host.root, graceSeconds: 0, evidence: { since: 0 }, processes: true });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.deepEqual(t.programs, ['cgroup-forensics-probe', 'cgroup-forensics-facts', 'cgroup-forensics-evidence', 'cgroup-forensics-procs']);
    assert.equal(r.value.factsError, undefined);
    assert.ok(r.value.report.findings.some((f) => f.kind === 'orphaned-pod-cgroup' && f.podUid === UID_B));
    assert.ok(r.value.evidence, 'the evidence report, correlated with the findings');
    assert.ok(r.value.processes instanceof Map);
  });

  it("applies the Kubernetes lookup's view: an orphan the API knows is downgraded; the probed hostname and the ssh alias are asked", async () => {
    const k = lookup((names) => {
      const view: KubeView = {
        context: 'test',
        matchedBy: `name = ${names[0]!.source}`,
        node: { name: names[0]!.value, addresses: [], conditions: [{ type: 'Ready', status: 'True' }] },
        pods: [{ namespace: 'shop', name: 'cart', uid: UID_B, nodeName: names[0]!.value, phase: 'Running', containerIds: [], containersWithoutMemoryLimit: [], containersWithoutCpuLimit: [] }],
      };
      return { ok: true, value: view };
    });
    const r = await investigate({ transport: new LocalTransport() }, { signal, hostRoot: host.root, graceSeconds: 0, kube: k, node: { sshAlias: 'root@10.0.3.7' } });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.equal(k.asked.length, 1);
    assert.deepEqual(
      k.asked[0]!.map((n) => n.source),
      ['hostname (probe)', 'ssh alias'],
    );
    assert.equal(k.asked[0]![1]!.value, '10.0.3.7');
    const b = r.value.report.findings.find((f) => f.podUid === UID_B && f.kind === 'orphaned-pod-cgroup')!;
    assert.deepEqual([b.severity, b.knownToApi], ['info', 'shop/cart']);
    assert.deepEqual(r.value.kube?.notOrphans.map((n) => n.pod), ['shop/cart']);
    assert.equal(r.value.kubeNote, undefined);
  });

  it('a lookup that fails is a note; no kubectl and nothing named is marked not set up', async () => {
    const missing = lookup(() => ({ ok: false, error: { code: 'kubectl-missing', message: 'kubectl is not installed' } }));
    const r = await investigate({ transport: new LocalTransport() }, { signal, hostRoot: host.root, kube: missing });
    assert.ok(r.ok);
    assert.deepEqual(r.value.kubeNote, { message: 'no Kubernetes view of the node: kubectl is not installed', code: 'kubectl-missing', notSetUp: true });
    const named = lookup(() => ({ ok: false, error: { code: 'kubectl-missing', message: 'kubectl is not installed' } }), true);
    const n = await investigate({ transport: new LocalTransport() }, { signal, hostRoot: host.root, kube: named });
    assert.ok(n.ok);
    assert.equal(n.value.kubeNote?.notSetUp, false);
  });

  it('a saved snapshot is judged by what it proves: no transport, the API is not asked, orphans could not tell', async () => {
    const t = new CountingTransport();
    const live = await investigate({ transport: t }, { signal, hostRoot: host.root, graceSeconds: 0 });
    assert.ok(live.ok);
    const saved: Snapshot = live.value.snapshot;
    const k = lookup(() => ({ ok: false, error: { code: 'failed', message: 'asked' } }));
    const r = await investigate({ snapshot: saved, describedAs: 'a snapshot file' }, { signal, graceSeconds: 0, kube: k });
    assert.ok(r.ok);
    assert.equal(k.asked.length, 0);
    assert.equal(r.value.report.orphansUndetermined, 'a snapshot file holds no kubelet, runtime or crictl view of the pods; run on the live node');
    assert.match(r.value.skipped ?? '', /^from a snapshot file: skipped orphans, .*: they need the live node's kubelet/);
    assert.equal(r.value.report.findings.filter((f) => f.kind === 'orphaned-pod-cgroup').length, 0);
    assert.ok(r.value.report.findings.some((f) => f.kind === 'frozen-cgroup'), 'what the snapshot proves is still judged');
  });

  it('a cancel is the error "cancelled", whatever step it stopped', async () => {
    const c = new AbortController();
    c.abort();
    const r = await investigate({ transport: new LocalTransport() }, { signal: c.signal, hostRoot: host.root });
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'cancelled');
  });
});
