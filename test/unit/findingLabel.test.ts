import assert from 'node:assert/strict';
import type { CgroupRef, Finding } from '../../src/core/analysis/finding';
import { findingCgroupRow, findingRow } from '../../src/extension/findings/findingLabel';

const UID = '2c3d4e5f-6071-4a2b-9c8d-0e1f2a3b4c5d';
const UID_ = UID.replace(/-/g, '_');
const CID = '3e23e816a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c';
const POD = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`;
const ref = (hierarchy: string, path: string): CgroupRef => ({ hierarchy, path, dir: `/sys/fs/cgroup/${hierarchy}${path}` });
const base = (f: Partial<Finding> & Pick<Finding, 'kind' | 'title'>): Finding => ({ severity: 'warning', confidence: 'high', cgroups: [], evidence: [], ...f });

describe('Findings view rows: what and which pod first, then where', () => {
  it('an orphaned pod in six v1 hierarchies: short pod UID, QoS class, how many hierarchies, leftover processes', () => {
    const hs = ['memory', 'cpu,cpuacct', 'pids', 'blkio', 'freezer', 'name=systemd'];
    const f = base({
      kind: 'orphaned-pod-cgroup',
      severity: 'critical',
      title: `orphaned pod cgroup ${POD} with 2 leftover process(es)`,
      cgroups: hs.flatMap((h) => [ref(h, `${POD}/cri-containerd-${CID}.scope`), ref(h, POD)]),
      podUid: UID,
      processes: 2,
    });
    const row = findingRow(f, 'confidence: high');
    assert.equal(row.label, 'orphaned pod 2c3d4e5f… burstable · 6 hierarchies');
    assert.equal(row.description, '2 processes left · orphaned-pod-cgroup');
    assert.equal(row.tooltip, `critical: orphaned pod cgroup ${POD} with 2 leftover process(es)\n\nconfidence: high`);
  });

  it("an orphaned pod in the unified hierarchy (cgroupfs driver), named by the Kubernetes API where it knows the UID", () => {
    const f = base({ kind: 'orphaned-pod-cgroup', title: 't', cgroups: [ref('unified', `/kubepods/besteffort/pod${UID}`)], podUid: UID, processes: 0 });
    assert.equal(findingRow(f, '').label, 'orphaned pod 2c3d4e5f… besteffort · unified');
    assert.equal(findingRow(f, '').description, 'orphaned-pod-cgroup');
    assert.equal(findingRow(f, '', (uid) => (uid === UID ? 'shop/web-1' : undefined)).label, 'orphaned pod shop/web-1 besteffort · unified');
  });

  it('an orphan-looking pod the API knows says so, with why it is not acted on', () => {
    const f = base({ kind: 'orphaned-pod-cgroup', severity: 'info', title: 't', cgroups: [ref('unified', POD)], podUid: UID, knownToApi: 'shop/late-7f9c-abcde' });
    const row = findingRow(f, '', undefined, 'the Kubernetes API knows pod shop/late-7f9c-abcde on this node');
    assert.equal(row.label, 'orphan-looking pod shop/late-7f9c-abcde burstable · unified');
    assert.equal(row.description, 'orphaned-pod-cgroup · not acted on: the Kubernetes API knows pod shop/late-7f9c-abcde on this node');
  });

  it('an orphaned container: runtime and short ID, then its pod (containerd and CRI-O)', () => {
    const f = base({ kind: 'orphaned-container-cgroup', title: 't', cgroups: [ref('unified', `${POD}/cri-containerd-${CID}.scope`)], podUid: UID, containerId: CID, processes: 1 });
    assert.equal(findingRow(f, '').label, 'orphaned containerd 3e23e816… of pod 2c3d4e5f… · unified');
    assert.equal(findingRow(f, '').description, '1 process left · orphaned-container-cgroup');
    const crio = { ...f, cgroups: [ref('memory', `${POD}/crio-${CID}.scope`)] };
    assert.equal(findingRow(crio, '').label, 'orphaned cri-o 3e23e816… of pod 2c3d4e5f… · memory');
  });

  it('a frozen container, a frozen cgroup outside Kubernetes, a failed unit', () => {
    const frozen = base({ kind: 'frozen-cgroup', title: 't', cgroups: [ref('freezer', `/kubepods/burstable/pod${UID}/${CID}`)], podUid: UID, containerId: CID });
    assert.equal(findingRow(frozen, '').label, 'frozen container 3e23e816… of pod 2c3d4e5f… · freezer');
    const mine = base({ kind: 'frozen-cgroup', title: 't', cgroups: [ref('unified', '/user.slice/paused\x1b.scope')] });
    assert.equal(findingRow(mine, '').label, 'frozen paused\\x1b.scope · unified');
    const unit = base({ kind: 'failed-systemd-unit', title: 'systemd keeps failed unit cri-containerd-x.scope', cgroups: [], unit: 'cri-containerd-x.scope' });
    assert.equal(findingRow(unit, '').label, 'failed unit cri-containerd-x.scope');
  });

  it('a finding with no pod, container, unit or cgroup of its own keeps the core title', () => {
    const f = base({ kind: 'dying-cgroups', title: '412 dying cgroup(s) in the unified hierarchy', cgroups: [ref('unified', '/')] });
    assert.equal(findingRow(f, '').label, '412 dying cgroup(s) in the unified hierarchy');
    assert.equal(findingRow(f, '').description, 'dying-cgroups');
  });

  it("an expanded finding's rows lead with their hierarchy, then what the cgroup is, the tree path beside", () => {
    assert.deepEqual(findingCgroupRow('memory', POD, POD), { label: 'memory · pod 2c3d4e5f… burstable', description: POD, tooltip: `memory: ${POD}` });
    assert.equal(findingCgroupRow('unified', `${POD}/cri-containerd-${CID}.scope`, '/x').label, 'unified · containerd 3e23e816…');
    assert.equal(findingCgroupRow('name=systemd', '/system.slice/a\n.service', '/a').label, 'name=systemd · a\\n.service');
    // The walk started inside kubepods: the tree path is shorter, the hierarchy path still names the pod.
    assert.equal(findingCgroupRow('unified', POD, `/kubepods-burstable-pod${UID_}.slice`).description, `/kubepods-burstable-pod${UID_}.slice`);
  });
});
