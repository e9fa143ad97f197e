import assert from 'node:assert/strict';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/core/analysis/forensics';
import type { Finding } from '../../src/core/analysis/finding';
import { gatherFacts } from '../../src/core/facts/gatherFacts';
import { interpretFacts, type RuntimeFacts } from '../../src/core/facts/nodeFacts';
import type { RawFact } from '../../src/core/facts/factsParser';
import { cleanupScript } from '../../src/core/fixes/cleanupScript';
import type { Snapshot } from '../../src/core/model/snapshot';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { CID_1, CID_2, CID_3, UID_A, UID_B, UID_C, v1CgroupfsHost, v2SystemdHost } from '../fixtures/hosts/specs';
import { makeFakeHost, type FakeHostSpec } from '../support/fakeHost';
import { needs } from '../support/prereq';
import { toolchains } from '../support/toolchains';
import { evidenceLines } from '../../src/core/analysis/evidence';

// The facts program and the findings on fixture nodes (real sh, awk and find over a node
// filesystem laid out in a temporary directory and read with --host-root). Runtimes cannot run
// inside a fake host, so where a test needs containerd's answer it states it as raw facts.
const CONFIGS = join(__dirname, '..', 'fixtures', 'configs');

async function scan(spec: FakeHostSpec): Promise<{ snapshot: Snapshot; facts: RuntimeFacts }> {
  const host = makeFakeHost(spec);
  try {
    const s = await takeSnapshot(new LocalTransport(), { hostRoot: host.root });
    assert.ok(s.ok, s.ok ? '' : s.error.message);
    const f = await gatherFacts(new LocalTransport(), { hostRoot: host.root });
    assert.ok(f.ok, f.ok ? '' : f.error.message);
    return { snapshot: s.value, facts: f.value };
  } finally {
    host.remove();
  }
}

const kinds = (fs: Finding[], kind: Finding['kind']): Finding[] => fs.filter((f) => f.kind === kind);

describe('forensics on fixture nodes', () => {
  describe('a v1 cgroupfs node on a 3.10 kernel, with kubelet and containerd files', () => {
    let snapshot: Snapshot;
    let facts: RuntimeFacts;
    before(async () => {
      const spec = v1CgroupfsHost();
      const slab = 'slabinfo - version: 2.1\n# name <active_objs> <num_objs>\nkmalloc-64 120 128\ndentry 400 420\n';
      spec.cgroups['/sys/fs/cgroup/memory']![`/kubepods/burstable/pod${UID_A}`]!['memory.kmem.slabinfo'] = slab;
      spec.files = {
        ...spec.files,
        'var/lib/kubelet/config.yaml': readFileSync(join(CONFIGS, 'kubelet-config.yaml'), 'utf8'),
        [`var/lib/kubelet/pods/${UID_A}/etc-hosts`]: '',
        'etc/containerd/config.toml': readFileSync(join(CONFIGS, 'containerd-1.7-config.toml'), 'utf8'),
        'proc/4242/comm': 'kubelet\n', 'proc/4242/status': 'Name:\tkubelet\nUid:\t0\t0\t0\t0\n',
        'proc/4242/cmdline': 'kubelet\0--config=/var/lib/kubelet/config.yaml\0--container-runtime-endpoint=unix:///run/containerd/containerd.sock\0',
        // A user's process that calls itself kubelet, to make root read a file for it.
        'proc/5000/comm': 'kubelet\n', 'proc/5000/status': 'Name:\tkubelet\nUid:\t1000\t1000\t1000\t1000\n', 'proc/5000/cmdline': 'kubelet\0--config=/etc/secret\0', 'etc/secret': 'root-only\n',
        'sys/fs/cgroup/memory/release_agent': '/tmp/x.sh\n',
        'sys/fs/cgroup/systemd/release_agent': '/lib/systemd/systemd-cgroups-agent\n',
      };
      ({ snapshot, facts } = await scan(spec));
    });

    it('the facts program reads each fact with its source, and records what is missing', () => {
      assert.deepEqual(facts.kubeletArgs, ['kubelet', '--config=/var/lib/kubelet/config.yaml', '--container-runtime-endpoint=unix:///run/containerd/containerd.sock']);
      assert.deepEqual(facts.kubeletCgroupDriver, { value: 'cgroupfs', source: '/var/lib/kubelet/config.yaml cgroupDriver' });
      assert.ok(!facts.raw.found.some((f) => f.value.includes('root-only')), 'a non-root process named kubelet is not believed');
      assert.deepEqual([...(facts.kubeletPods ?? [])], [UID_A]);
      assert.equal(facts.containerdConfigVersion, 2);
      assert.equal(facts.containerdSystemdCgroup?.value, false);
      assert.equal(facts.kernel, '3.10.0-1160.el7.x86_64');
      assert.deepEqual(facts.kmemSlabinfo.filter((k) => k.value > 2).map((k) => [k.source, k.value]), [[`/sys/fs/cgroup/memory/kubepods/burstable/pod${UID_A}/memory.kmem.slabinfo`, 4]]);
      assert.equal(facts.containerdContainers, undefined, 'no ctr on this node');
      const missing = new Map(facts.raw.missing.map((m) => [m.key, m.reason]));
      assert.equal(missing.get('ctr-reachable'), 'not installed: ctr');
      assert.equal(missing.get('containerd-version'), 'not installed: containerd');
      assert.equal(missing.get('crictl-pods'), 'not installed: crictl');
      assert.equal(missing.get('crio-config'), 'missing');
    });

    it('finds the orphans kubelet does not know: the one with a process at once, the empty one after the grace period', () => {
      const young = analyze(snapshot, facts, {});
      assert.deepEqual(kinds(young.findings, 'orphaned-pod-cgroup').map((f) => f.podUid), [UID_B], 'an empty pod cgroup made just now is not an orphan');
      const later = analyze(snapshot, facts, { now: snapshot.node.now! + 3600 });
      const orphans = kinds(later.findings, 'orphaned-pod-cgroup');
      assert.deepEqual(orphans.map((f) => f.podUid).sort(), [UID_B, UID_C].sort());
      const b = orphans.find((f) => f.podUid === UID_B)!;
      assert.equal(b.processes, 1);
      assert.equal(b.severity, 'critical');
      assert.equal(b.confidence, 'medium', 'only kubelet could be asked');
      // Its container scope is part of it, in every hierarchy, before the pod.
      const paths = b.cgroups.map((c) => c.path);
      assert.ok(paths.indexOf(`/kubepods/pod${UID_B}/docker-${CID_3}.scope`) < paths.indexOf(`/kubepods/pod${UID_B}`));
      assert.deepEqual([...new Set(b.cgroups.map((c) => c.hierarchy))].sort(), ['cpu,cpuacct', 'freezer', 'memory', 'name=systemd', 'pids']);
    });

    it('counts v1 dying memory cgroups from /proc/cgroups with the memcg ID headroom', () => {
      const d = kinds(analyze(snapshot, facts).findings, 'dying-cgroups');
      assert.equal(d.length, 1);
      // 3.10.0-1160.el7: RHEL 7, where removed memory cgroups hold memcg IDs (analysis/memcgIds.ts).
      assert.equal(d[0]!.title, '4000 dying cgroup(s) in the memory hierarchy (memory cgroups: on this kernel live and dying share the 65535 memcg IDs, 61523 left)');
      assert.equal(d[0]!.severity, 'warning');
      assert.ok(evidenceLines(d[0]!).some((e) => e.startsWith('memory cgroups in use (live + dying): 4012 of the kernel\'s 65535 memcg IDs; headroom 61523; ')), evidenceLines(d[0]!).join('\n'));
    });

    it('flags kmem accounting on 3.10 and a foreign release agent, not systemd\'s own', () => {
      const r = analyze(snapshot, facts);
      assert.equal(kinds(r.findings, 'kmem-accounting').length, 1);
      const ra = kinds(r.findings, 'release-agent-set');
      assert.equal(ra.length, 1);
      // 3.10 predates 24f600856418 (5.17): a container may have set it (test/unit/releaseAgent.test.ts has the other cases).
      assert.equal(ra[0]!.title, 'a cgroup v1 release_agent is set (/sys/fs/cgroup/memory/release_agent), and this kernel may let a container set it');
      assert.equal(ra[0]!.severity, 'warning');
      assert.equal(kinds(r.findings, 'cgroup-driver-mismatch').length, 0, 'kubelet and containerd agree on cgroupfs');
      assert.match(r.rootCause ?? '', /kernel memory accounting/);
    });

    it('flags kubelet and containerd disagreeing on the driver', () => {
      const toml = readFileSync(join(CONFIGS, 'containerd-1.7-config.toml'), 'utf8').replace('SystemdCgroup = false', 'SystemdCgroup = true');
      // containerd 1.7 does not answer the CRI RuntimeConfig call: kubelet's own setting decides.
      const version: RawFact = { key: 'containerd-version', source: 'containerd --version', value: 'containerd github.com/containerd/containerd v1.7.20 8fc6bcff\n' };
      const raw = { found: [...facts.raw.found.map((f): RawFact => (f.key === 'containerd-config' ? { ...f, value: toml } : f)), version], missing: facts.raw.missing.filter((m) => m.key !== 'containerd-version') };
      const m = kinds(analyze(snapshot, interpretFacts(raw)).findings, 'cgroup-driver-mismatch');
      assert.equal(m.length, 1);
      assert.equal(m[0]!.title, 'kubelet uses the cgroupfs cgroup driver but containerd uses systemd');
      assert.ok(evidenceLines(m[0]!).some((e) => e.includes("plugins.'io.containerd.grpc.v1.cri'.containerd.runtimes.runc.options.SystemdCgroup = true")));
    });
  });

  describe('the facts program under every shell and awk a node may have', () => {
    for (const tc of toolchains()) {
      it(`gives the same facts with ${tc.name}`, async function () {
        needs(this, tc.missing);
        const spec = v1CgroupfsHost();
        spec.files = { ...spec.files, 'var/lib/kubelet/config.yaml': 'cgroupDriver: systemd\n', [`var/lib/kubelet/pods/${UID_A}/x`]: '', 'proc/7/comm': 'kubelet\n', 'proc/7/status': 'Name:\tkubelet\nUid:\t0\t0\t0\t0\n', 'proc/7/cmdline': 'kubelet\0--cgroup-driver=cgroupfs\0--container-runtime-endpoint\0unix:///run/k3s/containerd/containerd.sock\0', 'usr/bin/ctr': '' };
        const host = makeFakeHost(spec);
        chmodSync(join(host.root, 'usr/bin/ctr'), 0o755); // there, but its socket is not
        try {
          const f = await gatherFacts(new LocalTransport(tc.env()), { hostRoot: host.root });
          assert.ok(f.ok, f.ok ? '' : f.error.message);
          assert.deepEqual(f.value.kubeletCgroupDriver?.value, 'cgroupfs', 'the flag wins over the file');
          assert.deepEqual([...(f.value.kubeletPods ?? [])], [UID_A]);
          assert.equal(f.value.kernel, '3.10.0-1160.el7.x86_64');
          assert.deepEqual(f.value.raw.missing.map((m) => m.key).sort(), ['containerd-config', 'containerd-version', 'crictl-containers', 'crictl-pods', 'crio-config', 'crio-version', 'ctr-reachable', 'kubelet-version', 'runc-version', 'systemd-units']);
          assert.deepEqual(f.value.raw.missing.find((m) => m.key === 'ctr-reachable'), { key: 'ctr-reachable', source: '/run/k3s/containerd/containerd.sock', reason: 'no such socket' }, 'the socket kubelet names');
        } finally {
          host.remove();
        }
      });
    }
  });

  describe('a v2 systemd node, with containerd\'s answer given as facts', () => {
    let snapshot: Snapshot;
    const ctr = (id: string, uid: string): RawFact => ({ key: 'ctr-container', source: `ctr containers info ${id}`, value: `    "ID": "${id}",\n        "io.kubernetes.pod.uid": "${uid}",\n` });
    const guaranteed = UID_B.replace('1111', 'aaaa');
    const known = (...c: RawFact[]): RuntimeFacts =>
      interpretFacts({ found: [{ key: 'ctr-reachable', source: 'ctr', value: 'yes' }, ...c], missing: [{ key: 'kubelet-pod', source: '/var/lib/kubelet/pods', reason: 'missing' }] });
    before(async () => {
      ({ snapshot } = await scan(v2SystemdHost()));
    });

    it('no false positive on live pods; the orphans after the grace period; a container the runtime lost', () => {
      const facts = known(ctr(CID_1, UID_A), ctr('b'.repeat(64), guaranteed));
      const r = analyze(snapshot, facts, { now: snapshot.node.now! + 3600 });
      assert.deepEqual(kinds(r.findings, 'orphaned-pod-cgroup').map((f) => f.podUid).sort(), [UID_B, UID_C].sort());
      const lost = kinds(r.findings, 'orphaned-container-cgroup');
      assert.deepEqual(lost.map((f) => [f.podUid, f.containerId, f.processes]), [[UID_A, CID_2, 1]]);
      assert.match(r.rootCause ?? '', /lost track of running containers/);
      assert.equal(r.orphansUndetermined, undefined);
    });

    it('takes pods and containers from crictl (its JSON as crictl 1.28 prints it; no crictl is packaged here)', () => {
      const pods = JSON.stringify({ items: [{ id: 'f'.repeat(64), metadata: { name: 'web-0', uid: UID_A, namespace: 'default', attempt: 0 }, state: 'SANDBOX_READY', createdAt: '1700000000000000000', labels: {}, annotations: {}, runtimeHandler: '' }] }, null, 2);
      const ctrs = JSON.stringify({ containers: [{ id: CID_1, podSandboxId: 'f'.repeat(64), metadata: { name: 'web', attempt: 0 }, image: { image: 'sha256:1' }, imageRef: 'sha256:1', state: 'CONTAINER_RUNNING', createdAt: '1700000000000000000', labels: {}, annotations: {} }] }, null, 2);
      const facts = interpretFacts({ found: [{ key: 'crictl-pods', source: 'crictl pods -o json', value: pods }, { key: 'crictl-containers', source: 'crictl ps -a -o json', value: ctrs }], missing: [] });
      assert.deepEqual(facts.criPods, [{ id: 'f'.repeat(64), uid: UID_A, state: 'SANDBOX_READY' }]);
      const r = analyze(snapshot, facts, { now: snapshot.node.now! + 3600 });
      assert.ok(!kinds(r.findings, 'orphaned-pod-cgroup').some((f) => f.podUid === UID_A));
      assert.deepEqual(kinds(r.findings, 'orphaned-container-cgroup').map((f) => f.containerId), [CID_2], 'CID_1 is known to crictl');
    });

    it('judges only what --within names', () => {
      const r = analyze(snapshot, known(ctr(CID_1, UID_A), ctr(CID_2, UID_A)), { now: snapshot.node.now! + 3600, within: '/kubepods.slice/kubepods-besteffort.slice' });
      assert.deepEqual(r.findings.map((f) => `${f.kind} ${f.podUid ?? ''}`), [`orphaned-pod-cgroup ${UID_C}`]);
    });

    it('an empty pod cgroup of unknown age (busybox find gives no mtime) is low confidence and left out of the cleanup', async () => {
      const { snapshot: ageless } = await scan(v2SystemdHost()); // a scan of its own: its ages are wiped
      for (const h of ageless.hierarchies) h.tree.stats.mtime.fill(NaN);
      const r = analyze(ageless, known(ctr(CID_1, UID_A), ctr(CID_2, UID_A), ctr('b'.repeat(64), guaranteed)));
      const c = kinds(r.findings, 'orphaned-pod-cgroup').find((f) => f.podUid === UID_C)!;
      assert.equal(c.confidence, 'low');
      assert.equal(c.severity, 'info');
      const script = cleanupScript(r.findings, { allowedRoots: snapshot.hierarchies.map((h) => h.walkRoot) }).content;
      assert.ok(!script.split('\n').some((l) => l.startsWith('rm_cgroup') && l.includes(UID_C)), script);
      assert.match(script, /# not included \(low confidence\): orphaned pod cgroup/);
    });

    it('reads containerd\'s major version from how 1.x and 2.x print it', () => {
      const v = (text: string): number | undefined => interpretFacts({ found: [{ key: 'containerd-version', source: 'containerd --version', value: text }], missing: [] }).containerdMajor;
      assert.equal(v('containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n'), 1);
      assert.equal(v('containerd github.com/containerd/containerd v1.7.22 7f7fdf5fed64eb6a7caf99b3e12efcf9d60e311c\n'), 1);
      assert.equal(v('containerd containerd.io v2.0.0 207ad711eabd375a01713109a8a197d197ff6542\n'), 2);
    });

    it('says it cannot tell when no source of pods can be read', () => {
      const r = analyze(snapshot, interpretFacts({ found: [], missing: [{ key: 'ctr-reachable', source: 'ctr', reason: 'not installed: ctr' }] }));
      assert.equal(kinds(r.findings, 'orphaned-pod-cgroup').length, 0);
      assert.match(r.orphansUndetermined ?? '', /no source of pods could be read \(ctr: not installed: ctr\)/);
    });

    it('attributes v2 dying cgroups to the subtrees that hold them', () => {
      const d = kinds(analyze(snapshot, known()).findings, 'dying-cgroups');
      assert.equal(d.length, 1);
      assert.equal(d[0]!.severity, 'info');
      assert.deepEqual(d[0]!.cgroups.map((c) => c.path), ['/kubepods.slice', '/']);
      assert.ok(evidenceLines(d[0]!).includes('50 dying directly below /kubepods.slice'));
      assert.ok(evidenceLines(d[0]!).includes('7 dying directly below /'));
    });

    it('transient mount scopes over the threshold; pids pressure of a pod near pids.max', () => {
      const r = analyze(snapshot, known(), { transientScopeThreshold: 2, pidsPressureRatio: 0.015 });
      const t = kinds(r.findings, 'transient-mount-scope-leak');
      assert.equal(t.length, 1);
      assert.equal(t[0]!.cgroups.length, 2);
      const p = kinds(r.findings, 'pids-pressure');
      assert.deepEqual(p.map((f) => f.podUid), [UID_A]);
      assert.equal(kinds(analyze(snapshot, known()).findings, 'transient-mount-scope-leak').length, 0, 'two are below the default threshold');
    });

    it('a failed container scope systemd keeps goes into the cleanup script as a unit to reset', () => {
      const unit = `cri-containerd-${CID_3}.scope`;
      const facts = interpretFacts({
        found: [{ key: 'ctr-reachable', source: 'ctr', value: 'yes' }, { key: 'systemd-units', source: 'systemctl', value: `● ${unit} loaded failed failed libcontainer container ${CID_3}\n` }],
        missing: [],
      });
      const r = analyze(snapshot, facts);
      const u = kinds(r.findings, 'failed-systemd-unit');
      assert.equal(u.length, 1);
      assert.equal(u[0]!.unit, unit);
      const script = cleanupScript(r.findings, { allowedRoots: snapshot.hierarchies.map((h) => h.walkRoot) }).content;
      assert.ok(script.includes(`stop_unit ${unit} `), script);
    });
  });
});
