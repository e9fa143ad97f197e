import { dyingOf } from '../analysis/summary';
import { cgroupPath, type Hierarchy, type Snapshot } from '../model/snapshot';
import { treeIdentities } from '../model/treeIdentity';
import { cgroupChanges, churnOf, type ChurnRate } from './churn';

/** One hierarchy of two snapshots of the same node. Paths are full cgroup paths (byte strings). */
export interface HierarchyDiff {
  hierarchy: string;
  kind: Hierarchy['kind'];
  before: number;
  after: number;
  /** Every cgroup present now and not before, in path order. */
  added: string[];
  removed: string[];
  /** Dying cgroups before and after, where the kernel tells (see summarize). */
  dyingBefore?: number;
  dyingAfter?: number;
}

/**
 * A pod whose cgroups now hold no process anywhere (the shape a pod left behind by kubelet has)
 * and that did not look so before: either new, or it had processes then. Only the cgroup tree
 * speaks here; whether kubelet still knows the pod is what orphan detection checks.
 */
export interface OrphanLookingPod {
  podUid: string;
  /** 'new': the pod's cgroups appeared already empty; 'emptied': they held processes before. */
  change: 'new' | 'emptied';
  /** The pod cgroups (hierarchy and full path) where it was seen. */
  cgroups: { hierarchy: string; path: string }[];
}

export interface SnapshotDiff {
  /** takenAt of the two snapshots, epoch ms. */
  before: number;
  after: number;
  hierarchies: HierarchyDiff[];
  /** Hierarchies only one of the two snapshots has (a remount, another walk root). */
  onlyBefore: string[];
  onlyAfter: string[];
  /** The same changes by parent path, most changed first. */
  byParent: ChurnRate[];
  newOrphanLookingPods: OrphanLookingPod[];
}

/** The differences between an earlier snapshot `a` and a later `b` of the same node. */
export function diffSnapshots(a: Snapshot, b: Snapshot): SnapshotDiff {
  const changes = cgroupChanges(a, b);
  const hierarchies = changes.map((c): HierarchyDiff => {
    const dyingBefore = dyingOf(a, c.before).dying;
    const dyingAfter = dyingOf(b, c.after).dying;
    return {
      hierarchy: c.hierarchy,
      kind: c.after.kind,
      before: c.before.tree.size,
      after: c.after.tree.size,
      added: c.added,
      removed: c.removed,
      ...(dyingBefore !== undefined ? { dyingBefore } : {}),
      ...(dyingAfter !== undefined ? { dyingAfter } : {}),
    };
  });
  const key = (h: Hierarchy): string => `${h.name}\0${h.walkRoot}`;
  const keysA = new Set(a.hierarchies.map(key));
  const keysB = new Set(b.hierarchies.map(key));
  const podsA = podActivity(a);
  const newOrphanLookingPods: OrphanLookingPod[] = [];
  for (const [podUid, p] of podActivity(b)) {
    if (!p.empty) continue;
    const before = podsA.get(podUid);
    if (before?.empty) continue;
    newOrphanLookingPods.push({ podUid, change: before ? 'emptied' : 'new', cgroups: p.cgroups });
  }
  newOrphanLookingPods.sort((x, y) => (x.podUid < y.podUid ? -1 : x.podUid > y.podUid ? 1 : 0));
  return {
    before: a.takenAt,
    after: b.takenAt,
    hierarchies,
    onlyBefore: a.hierarchies.filter((h) => !keysB.has(key(h))).map((h) => h.name),
    onlyAfter: b.hierarchies.filter((h) => !keysA.has(key(h))).map((h) => h.name),
    byParent: churnOf(changes, (b.takenAt - a.takenAt) / 1000),
    newOrphanLookingPods,
  };
}

/** True when anything changed: a cgroup added or removed, a dying count moved, a pod went empty. */
export function diffChanged(d: SnapshotDiff): boolean {
  return (
    d.onlyBefore.length > 0 ||
    d.onlyAfter.length > 0 ||
    d.newOrphanLookingPods.length > 0 ||
    d.hierarchies.some((h) => h.added.length > 0 || h.removed.length > 0 || h.dyingBefore !== h.dyingAfter)
  );
}

interface PodActivity {
  /** Some cgroup of the pod had a readable process count, and none held a process. */
  empty: boolean;
  cgroups: { hierarchy: string; path: string }[];
}

/** Per pod UID, across every hierarchy: its pod cgroups and whether any cgroup of it holds a process. */
function podActivity(s: Snapshot): Map<string, PodActivity> {
  const out = new Map<string, PodActivity & { known: boolean; busy: boolean }>();
  for (const h of s.hierarchies) {
    const t = h.tree;
    const ids = treeIdentities(t, h.basePath);
    for (let i = 0; i < t.size; i++) {
      const k = ids[i]?.k8s;
      if (!k?.podUid) continue;
      let p = out.get(k.podUid);
      if (!p) out.set(k.podUid, (p = { empty: false, known: false, busy: false, cgroups: [] }));
      if (k.role === 'pod') p.cgroups.push({ hierarchy: h.name, path: cgroupPath(h, t.path(i)) });
      const procs = t.stat('procs', i);
      if (!Number.isNaN(procs)) p.known = true;
      if (procs > 0 || t.stat('populated', i) > 0) p.busy = true;
    }
  }
  const result = new Map<string, PodActivity>();
  for (const [uid, p] of out) if (p.cgroups.length > 0) result.set(uid, { empty: p.known && !p.busy, cgroups: p.cgroups });
  return result;
}
