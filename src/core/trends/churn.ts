import { cgroupPath, type Snapshot } from '../model/snapshot';

export interface ChurnRate {
  hierarchy: string;
  /** Parent cgroup path (byte string) of the cgroups made or removed. */
  parent: string;
  created: number;
  removed: number;
  createdPerSecond: number;
  removedPerSecond: number;
}

/**
 * Cgroup churn from two snapshots a short time apart, by parent path: what was made and what
 * went away in between. Cgroups made and removed between the two are not seen (bpftrace would).
 */
export function churnBetween(a: Snapshot, b: Snapshot): ChurnRate[] {
  const seconds = Math.max(0.001, (b.takenAt - a.takenAt) / 1000);
  const out: ChurnRate[] = [];
  for (const hb of b.hierarchies) {
    const ha = a.hierarchies.find((h) => h.name === hb.name && h.walkRoot === hb.walkRoot);
    if (!ha) continue;
    const paths = (h: typeof hb): Set<string> => {
      const s = new Set<string>();
      for (let i = 1; i < h.tree.size; i++) s.add(cgroupPath(h, h.tree.path(i)));
      return s;
    };
    const pa = paths(ha);
    const pb = paths(hb);
    const by = new Map<string, { created: number; removed: number }>();
    const bump = (p: string, k: 'created' | 'removed'): void => {
      const parent = p.slice(0, p.lastIndexOf('/')) || '/';
      const e = by.get(parent) ?? { created: 0, removed: 0 };
      e[k]++;
      by.set(parent, e);
    };
    for (const p of pb) if (!pa.has(p)) bump(p, 'created');
    for (const p of pa) if (!pb.has(p)) bump(p, 'removed');
    for (const [parent, e] of by) out.push({ hierarchy: hb.name, parent, ...e, createdPerSecond: e.created / seconds, removedPerSecond: e.removed / seconds });
  }
  return out.sort((x, y) => y.created + y.removed - (x.created + x.removed));
}
