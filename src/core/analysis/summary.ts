import type { CgroupTree } from '../model/cgroupTree';
import type { CgroupDriver, QosClass, Runtime } from '../model/k8sIdentity';
import { layoutOf, type Hierarchy, type Layout, type Snapshot } from '../model/snapshot';
import { treeIdentities } from '../model/treeIdentity';

export interface HierarchySummary {
  name: string;
  kind: Hierarchy['kind'];
  walkRoot: string;
  cgroups: number;
  maxDepth: number;
  processes: number;
  /** Cgroups the kernel still holds beyond the live directories (removed, not yet freed). */
  dying?: number;
  dyingSource?: 'cgroup.stat' | '/proc/cgroups';
  /** For v1: the kernel's num_cgroups for this hierarchy's controllers (live + dying). */
  kernelCount?: number;
  vanished: number;
  bounds: Hierarchy['bounds'];
  pods: number;
  containers: number;
  transientMountScopes: number;
}

export interface K8sSummary {
  /** The hierarchy the pod counts come from: the one where kubelet's tree is largest. */
  hierarchy: string;
  drivers: CgroupDriver[];
  podsByQos: Record<QosClass, number>;
  containersByRuntime: Partial<Record<Runtime, number>>;
  pods: number;
  containers: number;
}

export interface Subtree {
  hierarchy: string;
  path: string;
  descendants: number;
  memory: number;
  processes: number;
}

export interface SnapshotSummary {
  hostname?: string;
  kernel?: string;
  layout: Layout;
  hierarchies: HierarchySummary[];
  totalCgroups: number;
  k8s?: K8sSummary;
  /** Subtrees with the most cgroups below them (depth 1 to 4). */
  largestByCount: Subtree[];
  /** Subtrees using the most memory (from the hierarchy that accounts memory). */
  largestByMemory: Subtree[];
  warnings: string[];
}

/** Everything `scan` prints, as data: the JSON report and the text view render the same numbers. */
export function summarize(snapshot: Snapshot, top = 5): SnapshotSummary {
  const hierarchies: HierarchySummary[] = [];
  let k8s: K8sSummary | undefined;
  let bestPods = -1;
  const counts = new Map<Hierarchy, Int32Array>();
  for (const h of snapshot.hierarchies) {
    const t = h.tree;
    const ids = treeIdentities(t, h.basePath);
    const desc = t.descendantCounts();
    counts.set(h, desc);
    let maxDepth = 0;
    let processes = 0;
    const podsByQos: Record<QosClass, number> = { guaranteed: 0, burstable: 0, besteffort: 0 };
    const containersByRuntime: Partial<Record<Runtime, number>> = {};
    const drivers = new Set<CgroupDriver>();
    let pods = 0;
    let containers = 0;
    let transient = 0;
    const depth = new Int32Array(t.size);
    for (let i = 0; i < t.size; i++) {
      if (i > 0) depth[i] = depth[t.parent[i]!]! + 1;
      if (depth[i]! > maxDepth) maxDepth = depth[i]!;
      const p = t.stat('procs', i);
      if (p > 0) processes += p;
      const id = ids[i]!;
      if (id.transientMount) transient++;
      const k = id.k8s;
      if (!k) continue;
      drivers.add(k.driver);
      if (k.role === 'pod') {
        pods++;
        podsByQos[k.qos ?? 'guaranteed']++;
      } else if (k.role === 'container' && !k.conmon) {
        containers++;
        const r = k.runtime ?? 'unknown';
        containersByRuntime[r] = (containersByRuntime[r] ?? 0) + 1;
      }
    }
    const hs: HierarchySummary = {
      name: h.name,
      kind: h.kind,
      walkRoot: h.walkRoot,
      cgroups: t.size,
      maxDepth,
      processes,
      vanished: h.vanished.length,
      bounds: h.bounds,
      pods,
      containers,
      transientMountScopes: transient,
    };
    Object.assign(hs, dyingOf(snapshot, h));
    hierarchies.push(hs);
    if (pods > bestPods && (pods > 0 || drivers.size > 0)) {
      bestPods = pods;
      k8s = { hierarchy: h.name, drivers: [...drivers].sort(), podsByQos, containersByRuntime, pods, containers };
    }
  }
  const largestByCount: Subtree[] = [];
  const largestByMemory: Subtree[] = [];
  for (const h of snapshot.hierarchies) {
    const desc = counts.get(h)!;
    collect(h, desc, largestByCount, (i) => desc[i]!, top);
  }
  const memH = snapshot.hierarchies.find((h) => h.kind === 'v2' && h.tree.size > 0 && !Number.isNaN(h.tree.stat('memory', Math.min(1, h.tree.size - 1))))
    ?? snapshot.hierarchies.find((h) => h.controllers.includes('memory'));
  if (memH) collect(memH, counts.get(memH)!, largestByMemory, (i) => memH.tree.stat('memory', i), top);
  return {
    ...(snapshot.node.hostname ? { hostname: snapshot.node.hostname } : {}),
    ...(snapshot.node.kernel ? { kernel: snapshot.node.kernel } : {}),
    layout: layoutOf(snapshot),
    hierarchies,
    totalCgroups: hierarchies.reduce((a, h) => a + h.cgroups, 0),
    ...(k8s ? { k8s } : {}),
    largestByCount: largestByCount.sort((a, b) => b.descendants - a.descendants).slice(0, top),
    largestByMemory: largestByMemory.sort((a, b) => b.memory - a.memory).slice(0, top),
    warnings: snapshot.warnings,
  };
}

/** Top subtrees by a measure among cgroups 1 to 4 levels down. */
function collect(h: Hierarchy, desc: Int32Array, into: Subtree[], measure: (i: number) => number, top: number): void {
  const t: CgroupTree = h.tree;
  const picked: { i: number; v: number }[] = [];
  for (let i = 1; i < t.size; i++) {
    const v = measure(i);
    if (v > 0 && t.depth(i) <= 4) picked.push({ i, v });
  }
  picked.sort((a, b) => b.v - a.v);
  for (const { i } of picked.slice(0, top)) {
    into.push({ hierarchy: h.name, path: t.path(i), descendants: desc[i]!, memory: t.stat('memory', i), processes: t.stat('procs', i) });
  }
}

/** Dying cgroups of one hierarchy, where the kernel tells (v2 cgroup.stat; v1 /proc/cgroups of a whole walk). */
export function dyingOf(snapshot: Snapshot, h: Hierarchy): Partial<HierarchySummary> {
  const t = h.tree;
  if (t.size === 0) return {};
  if (h.kind === 'v2') {
    const d = t.stat('nrDying', 0);
    return Number.isNaN(d) ? {} : { dying: d, dyingSource: 'cgroup.stat' };
  }
  // v1: /proc/cgroups counts every cgroup of the hierarchy, live or dying. Only a walk of the
  // whole hierarchy can be compared with it.
  const rows = snapshot.procCgroups.filter((r) => h.controllers.includes(r.subsys));
  const row = rows[0];
  if (!row) return {};
  const whole = h.mountRoot === '/' && h.basePath === '/' && h.bounds.length === 0;
  if (!whole) return { kernelCount: row.numCgroups };
  return { kernelCount: row.numCgroups, dying: Math.max(0, row.numCgroups - t.size), dyingSource: '/proc/cgroups' };
}
