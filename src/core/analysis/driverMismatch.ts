import type { RuntimeFacts } from '../facts/nodeFacts';
import { flagValue } from '../facts/nodeFacts';
import { displayOf } from '../model/bytes';
import type { CgroupDriver } from '../model/k8sIdentity';
import { cgroupPath, type Snapshot } from '../model/snapshot';
import type { IndexedHierarchy } from './cgroupIndex';
import { dirOf } from './cgroupIndex';
import type { CgroupRef, Finding } from './finding';

/** Which runtime kubelet talks to: its --container-runtime-endpoint, else the one that is there. */
export function runtimeOf(f: RuntimeFacts): 'containerd' | 'cri-o' | undefined {
  const ep = flagValue(f.kubeletArgs ?? [], '--container-runtime-endpoint') ?? '';
  if (/crio/.test(ep)) return 'cri-o';
  if (/containerd/.test(ep)) return 'containerd';
  const has = (k: string): boolean => f.raw.found.some((r) => r.key === k);
  if (has('containerd-arg') || f.containerdContainers || has('containerd-version')) return 'containerd';
  if (has('crio-arg') || f.crioConfigs.length) return 'cri-o';
  return undefined;
}

/**
 * Two drivers on one node leak: kubelet and the runtime then make and clean different trees.
 * Seen as both kubepods/ and kubepods.slice/ in a hierarchy, or as kubelet's cgroupDriver
 * disagreeing with containerd's SystemdCgroup or CRI-O's cgroup_manager.
 */
export function findDriverMismatch(_s: Snapshot, f: RuntimeFacts, index: IndexedHierarchy[]): Finding[] {
  const out: Finding[] = [];
  for (const ih of index) {
    const roots: Record<CgroupDriver, CgroupRef[]> = { cgroupfs: [], systemd: [] };
    for (let i = 0; i < ih.h.tree.size; i++) {
      const k = ih.ids[i]!.k8s;
      if (k?.role === 'kubepods') roots[k.driver].push({ hierarchy: ih.h.name, path: cgroupPath(ih.h, ih.h.tree.path(i)), dir: dirOf(ih.h, i) });
    }
    if (roots.cgroupfs.length && roots.systemd.length) {
      out.push({
        kind: 'cgroup-driver-mismatch',
        severity: 'critical',
        confidence: 'high',
        title: `both driver trees exist in the ${ih.h.name} hierarchy: ${roots.cgroupfs.map((r) => displayOf(r.path)).join(', ')} (cgroupfs) and ${roots.systemd.map((r) => displayOf(r.path)).join(', ')} (systemd)`,
        cgroups: [...roots.cgroupfs, ...roots.systemd],
        evidence: [...roots.cgroupfs, ...roots.systemd].map((r) => `directory ${displayOf(r.dir)} exists`),
      });
      break; // one hierarchy shows it; the others (v1 controllers) repeat the same
    }
  }
  const kubelet = f.kubeletCgroupDriver;
  const runtime = runtimeOf(f);
  if (kubelet && runtime === 'containerd' && f.containerdSystemdCgroup) {
    const rt: CgroupDriver = f.containerdSystemdCgroup.value ? 'systemd' : 'cgroupfs';
    if (rt !== kubelet.value) out.push(mismatch(kubelet.value, kubelet.source, 'containerd', rt, `${f.containerdSystemdCgroup.source} = ${f.containerdSystemdCgroup.value}`));
  }
  if (kubelet && runtime === 'cri-o' && f.crioCgroupManager) {
    const m = f.crioCgroupManager.value;
    if ((m === 'systemd' || m === 'cgroupfs') && m !== kubelet.value) out.push(mismatch(kubelet.value, kubelet.source, 'CRI-O', m, `${f.crioCgroupManager.source} = "${m}"`));
  }
  return out;
}

function mismatch(kubelet: CgroupDriver, kSource: string, runtime: string, rt: CgroupDriver, rSource: string): Finding {
  return {
    kind: 'cgroup-driver-mismatch',
    severity: 'critical',
    confidence: 'high',
    title: `kubelet uses the ${kubelet} cgroup driver but ${runtime} uses ${rt}`,
    cgroups: [],
    evidence: [`kubelet: ${kubelet} (${kSource})`, `${runtime}: ${rt} (${rSource})`],
  };
}
