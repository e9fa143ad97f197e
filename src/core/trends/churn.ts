import { cgroupPath, type Hierarchy, type Snapshot } from '../model/snapshot';

export interface ChurnRate {
  hierarchy: string;
  /** Parent cgroup path (byte string) of the cgroups made or removed. */
  parent: string;
  created: number;
  removed: number;
  createdPerSecond: number;
  removedPerSecond: number;
}

/** The cgroups (full cgroup paths, byte strings) one hierarchy gained and lost between two snapshots. */
export interface CgroupChanges {
  hierarchy: string;
  before: Hierarchy;
  after: Hierarchy;
  added: string[];
  removed: string[];
}

/** The cgroup paths of a hierarchy below its walk root, built parent-first in one pass (100,000 in well under 100 ms). */
function pathsOf(h: Hierarchy): Set<string> {
  const t = h.tree;
  const rel = new Array<string>(t.size);
  rel[0] = '';
  const base = cgroupPath(h, '/') === '/' ? '' : cgroupPath(h, '/');
  const s = new Set<string>();
  for (let i = 1; i < t.size; i++) {
    rel[i] = rel[t.parent[i]!] + '/' + t.names[i];
    s.add(base + rel[i]);
  }
  return s;
}

/**
 * What each hierarchy present in both snapshots (same name and walk root) gained and lost, in
 * path order. Cgroups made and removed between the two are not seen (bpftrace would).
 */
export function cgroupChanges(a: Snapshot, b: Snapshot): CgroupChanges[] {
  const out: CgroupChanges[] = [];
  for (const hb of b.hierarchies) {
    const ha = a.hierarchies.find((h) => h.name === hb.name && h.walkRoot === hb.walkRoot);
    if (!ha) continue;
    const pa = pathsOf(ha);
    const pb = pathsOf(hb);
    const added = [...pb].filter((p) => !pa.has(p)).sort();
    const removed = [...pa].filter((p) => !pb.has(p)).sort();
    out.push({ hierarchy: hb.name, before: ha, after: hb, added, removed });
  }
  return out;
}

/** Changes grouped by parent path, as rates over `seconds`; most changed parents first. */
export function churnOf(changes: readonly CgroupChanges[], seconds: number): ChurnRate[] {
  const s = Math.max(0.001, seconds);
  const out: ChurnRate[] = [];
  for (const c of changes) {
    const by = new Map<string, { created: number; removed: number }>();
    const bump = (p: string, k: 'created' | 'removed'): void => {
      const parent = p.slice(0, p.lastIndexOf('/')) || '/';
      const e = by.get(parent) ?? { created: 0, removed: 0 };
      e[k]++;
      by.set(parent, e);
    };
    for (const p of c.added) bump(p, 'created');
    for (const p of c.removed) bump(p, 'removed');
    for (const [parent, e] of by) out.push({ hierarchy: c.hierarchy, parent, ...e, createdPerSecond: e.created / s, removedPerSecond: e.removed / s });
  }
  return out.sort((x, y) => y.created + y.removed - (x.created + x.removed));
}

/**
 * Cgroup churn from two snapshots a short time apart, by parent path: what was made and what
 * went away in between. Cgroups made and removed between the two are not seen (bpftrace would).
 */
export function churnBetween(a: Snapshot, b: Snapshot): ChurnRate[] {
  return churnOf(cgroupChanges(a, b), (b.takenAt - a.takenAt) / 1000);
}
