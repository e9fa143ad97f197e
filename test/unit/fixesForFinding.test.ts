import assert from 'node:assert/strict';
import type { Finding } from '../../src/core/analysis/finding';
import { FIXES_FOR_FINDING, fixesForFinding } from '../../src/core/fixes/fixPlan';
import { kernelParamsFix } from '../../src/core/fixes/kernelParamsFix';
import { podSpecFix } from '../../src/core/fixes/podSpecFix';
import { CgroupTree } from '../../src/core/model/cgroupTree';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../../src/core/model/snapshot';

// Which fixes a finding suggests (the Findings view's "Generate Fix", the quick pick's "suggested"):
// one table in the core, checked against what the generators really do with such a finding.

const finding = (kind: Finding['kind'], over: Partial<Finding> = {}): Finding => ({ kind, severity: 'critical', confidence: 'high', title: kind, cgroups: [], evidence: [], ...over });
const ORPHAN_CGROUP = [{ hierarchy: 'unified', path: '/kubepods/podx', dir: '/sys/fs/cgroup/kubepods/podx' }];

function node(kernel: string): Snapshot {
  const tree = new CgroupTree(4);
  tree.add('/');
  tree.seal();
  const h = { id: 1, kind: 'v1' as const, controllers: ['memory'], name: 'memory', mountPoint: '/sys/fs/cgroup/memory', mountRoot: '/', walkRoot: '/sys/fs/cgroup/memory', basePath: '/', mtimeSupported: true, tree, bounds: [], vanished: [] };
  return { schema: SNAPSHOT_SCHEMA, takenAt: 0, source: { transport: 'test' }, node: { pidMax: 32768, kernel, systemd: '219', cmdline: 'ro' }, procCgroups: [], mounts: [], hierarchies: [h], warnings: [] };
}

describe('the fixes a finding suggests (FIXES_FOR_FINDING)', () => {
  it('pins the rows the generators answer', () => {
    assert.deepEqual(FIXES_FOR_FINDING['cgroup-driver-mismatch'], ['driver', 'kubelet', 'containerd', 'crio']);
    assert.deepEqual(FIXES_FOR_FINDING['pids-pressure'], ['kubelet', 'sysctl', 'podspec']);
    assert.deepEqual(FIXES_FOR_FINDING['kmem-accounting'], ['sysctl']);
    assert.ok(!FIXES_FOR_FINDING['dying-cgroups'].includes('sysctl'), 'no kernel parameter removes dying cgroups');
    assert.deepEqual(FIXES_FOR_FINDING['frozen-cgroup'], [], 'a frozen cgroup is thawed by hand, never cleaned up');
  });

  it('narrows per finding as the generators do', () => {
    // Node-wide pids pressure: kubelet's limits and kernel.pid_max; a pod's: its pod spec.
    assert.deepEqual(fixesForFinding(finding('pids-pressure')), ['kubelet', 'sysctl']);
    assert.deepEqual(fixesForFinding(finding('pids-pressure', { podUid: 'u1', cgroups: ORPHAN_CGROUP })), ['podspec']);
    // An orphan with processes gets the pod-spec snippets; an empty one does not.
    assert.deepEqual(fixesForFinding(finding('orphaned-pod-cgroup', { processes: 2, podUid: 'u2', cgroups: ORPHAN_CGROUP })), ['cleanup', 'podspec', 'prometheus', 'npd']);
    assert.deepEqual(fixesForFinding(finding('orphaned-pod-cgroup', { processes: 0, cgroups: ORPHAN_CGROUP })), ['cleanup', 'prometheus', 'npd']);
    // A pod the Kubernetes API knows is no orphan: nothing to clean up or report.
    assert.deepEqual(fixesForFinding(finding('orphaned-pod-cgroup', { knownToApi: 'default/web-1', processes: 2, cgroups: ORPHAN_CGROUP })), []);
  });

  it('agrees with the generators: what a suggested fix does with the finding alone', () => {
    const rhel7 = node('3.10.0-1160.el7.x86_64');
    // sysctl answers kmem accounting (nokmem) and node-wide pids pressure (pid_max), not dying cgroups.
    assert.notEqual(kernelParamsFix(rhel7, [finding('kmem-accounting')]).title, 'kernel parameters: none needed');
    assert.notEqual(kernelParamsFix(rhel7, [finding('pids-pressure')]).title, 'kernel parameters: none needed');
    assert.equal(kernelParamsFix(rhel7, [finding('dying-cgroups')]).title, 'kernel parameters: none needed');
    // podspec answers an orphan with processes and a pod's pids pressure, not an empty orphan.
    const none = /No finding on this node calls for a pod-spec change/;
    assert.doesNotMatch(podSpecFix([finding('orphaned-pod-cgroup', { processes: 2, podUid: 'u2', cgroups: ORPHAN_CGROUP })]).content, none);
    assert.doesNotMatch(podSpecFix([finding('pids-pressure', { podUid: 'u1', cgroups: ORPHAN_CGROUP })]).content, none);
    assert.match(podSpecFix([finding('orphaned-pod-cgroup', { processes: 0, cgroups: ORPHAN_CGROUP })]).content, none);
  });
});
