import { FLAME_STATS, type FlameStat, type HierarchyMeta, type SnapshotBegin, type SnapshotChunk, type SnapshotRole } from '../../../src/protocol/flameProtocol';

/** One hierarchy as the webview holds it: the host's compact arrays, reassembled from chunks. */
export interface FlameHierarchy extends HierarchyMeta {
  parent: Int32Array;
  seen: Uint8Array;
  kinds: Uint8Array;
  /** The findings' verdict bits the host decided (flameProtocol.ts VERDICT, SnapshotChunk.verdict). */
  verdict: Uint8Array;
  names: string[];
  stats: Record<FlameStat, Float64Array>;
}

export interface FlameSnapshot {
  id: number;
  role: SnapshotRole;
  label: string;
  source: string;
  takenAt: number;
  hierarchies: FlameHierarchy[];
}

/** Collects begin/chunk/end messages into a snapshot; a chunk that does not fit is an error. */
export class SnapshotAssembler {
  private building: FlameSnapshot | undefined;
  private received = 0;
  private expected = 0;

  begin(m: SnapshotBegin): void {
    this.building = {
      id: m.snapshotId,
      role: m.role,
      label: m.label,
      source: m.source,
      takenAt: m.takenAt,
      hierarchies: m.hierarchies.map((h) => ({
        ...h,
        parent: new Int32Array(h.size),
        seen: new Uint8Array(h.size),
        kinds: new Uint8Array(h.size),
        verdict: new Uint8Array(h.size),
        names: new Array<string>(h.size).fill(''),
        stats: Object.fromEntries(FLAME_STATS.map((s) => [s, new Float64Array(h.size)])) as Record<FlameStat, Float64Array>,
      })),
    };
    this.received = 0;
    this.expected = m.hierarchies.reduce((a, h) => a + h.size, 0);
  }

  /** Returns an error text when the chunk does not belong to the snapshot being built. */
  chunk(m: SnapshotChunk): string | undefined {
    const s = this.building;
    if (!s || s.id !== m.snapshotId) return `chunk of snapshot ${m.snapshotId}, which was not begun`;
    const h = s.hierarchies[m.hierarchy];
    if (!h) return `chunk for hierarchy ${m.hierarchy}, which the snapshot does not have`;
    const n = m.parent.length;
    if (m.offset + n > h.size) return 'chunk beyond the end of its hierarchy';
    h.parent.set(m.parent, m.offset);
    h.seen.set(m.seen, m.offset);
    h.kinds.set(m.kind, m.offset);
    h.verdict.set(m.verdict, m.offset);
    for (const st of FLAME_STATS) h.stats[st].set(m.stats[st], m.offset);
    if (n > 0) {
      const names = m.names.split('\n');
      for (let i = 0; i < n; i++) h.names[m.offset + i] = names[i]!;
    }
    this.received += n;
    return undefined;
  }

  /** The finished snapshot, or an error text when cgroups are missing. */
  end(snapshotId: number): FlameSnapshot | string {
    const s = this.building;
    if (!s || s.id !== snapshotId) return `end of snapshot ${snapshotId}, which was not begun`;
    this.building = undefined;
    if (this.received !== this.expected) return `snapshot ${snapshotId} ended with ${this.received} of ${this.expected} cgroups`;
    return s;
  }
}

/** Display paths of every cgroup ("/" for the root), built once per hierarchy in one pass. */
export function pathsOf(h: Pick<FlameHierarchy, 'parent' | 'names' | 'size'>): string[] {
  const out = new Array<string>(h.size);
  if (h.size === 0) return out;
  out[0] = '/';
  for (let i = 1; i < h.size; i++) {
    const p = h.parent[i]!;
    out[i] = (p === 0 ? '' : out[p]!) + '/' + h.names[i]!;
  }
  return out;
}
