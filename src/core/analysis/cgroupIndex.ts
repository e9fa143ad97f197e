import type { CgroupIdentity } from '../model/k8sIdentity';
import { cgroupPath, type Hierarchy, type Snapshot } from '../model/snapshot';
import { treeIdentities } from '../model/treeIdentity';
import type { CgroupRef } from './finding';

/** Per hierarchy: identities and subtree sums the finders share, computed once per snapshot. */
export interface IndexedHierarchy {
  h: Hierarchy;
  ids: CgroupIdentity[];
  /** Processes in each cgroup's subtree (NaN-free: an unread count is 0). */
  subtreeProcs: Float64Array;
  /** Newest mtime in each cgroup's subtree (NaN when unknown). */
  subtreeMtime: Float64Array;
}

export function indexSnapshot(s: Snapshot): IndexedHierarchy[] {
  return s.hierarchies.map((h) => {
    const t = h.tree;
    const subtreeProcs = new Float64Array(t.size);
    const subtreeMtime = new Float64Array(t.size).fill(NaN);
    for (let i = 0; i < t.size; i++) {
      const p = t.stat('procs', i);
      subtreeProcs[i] = p > 0 ? p : 0;
      subtreeMtime[i] = t.stat('mtime', i);
    }
    // Children have larger indexes than their parents: one backwards pass sums subtrees.
    for (let i = t.size - 1; i > 0; i--) {
      const p = t.parent[i]!;
      subtreeProcs[p] = subtreeProcs[p]! + subtreeProcs[i]!;
      const m = subtreeMtime[i]!;
      if (!Number.isNaN(m) && !(subtreeMtime[p]! >= m)) subtreeMtime[p] = m;
    }
    return { h, ids: treeIdentities(t, h.basePath), subtreeProcs, subtreeMtime };
  });
}

/** The directory of cgroup i as the scan saw it (byte string). */
export function dirOf(h: Hierarchy, i: number): string {
  const rel = h.tree.path(i);
  return rel === '/' ? h.walkRoot : h.walkRoot.replace(/\/$/, '') + rel;
}

export function refOf(h: Hierarchy, i: number, now: number | undefined): CgroupRef {
  const ref: CgroupRef = { hierarchy: h.name, path: cgroupPath(h, h.tree.path(i)), dir: dirOf(h, i) };
  const procs = h.tree.stat('procs', i);
  if (!Number.isNaN(procs)) ref.procs = procs;
  const mt = h.tree.stat('mtime', i);
  if (now !== undefined && !Number.isNaN(mt)) ref.ageSeconds = Math.max(0, Math.round(now - mt));
  return ref;
}

/** Cgroup i and everything below it, children before parents (the order rmdir needs). */
export function subtreeLeafFirst(h: Hierarchy, i: number): number[] {
  const out: number[] = [];
  const visit = (n: number): void => {
    for (const c of h.tree.children(n)) visit(c);
    out.push(n);
  };
  visit(i);
  return out;
}

/** The node's clock for ages: the probe's, else the snapshot's. */
export function nowOf(s: Snapshot, override?: number): number {
  return override ?? s.node.now ?? Math.floor(s.takenAt / 1000);
}
