import type { FlameStat } from '../../../src/protocol/flameProtocol';
import { KIND, VERDICT } from '../../../src/protocol/flameProtocol';
import type { FlameHierarchy } from './model';

/**
 * The icicle's pure parts: weights per measure, the partition (an icicle layout on typed arrays,
 * the d3-hierarchy partition algorithm without one object per cgroup), which cells a view shows
 * (sub-pixel cells merged), hit testing, search and marks. No DOM here: unit tests run it in Node.
 */
export const MEASURES = ['memory', 'cpu', 'pids', 'procs', 'descendants', 'dying', 'cgroups'] as const;
export type Measure = (typeof MEASURES)[number];

export const MEASURE_LABELS: Record<Measure, string> = {
  memory: 'Memory',
  cpu: 'CPU usage',
  pids: 'Pids',
  procs: 'Processes',
  descendants: 'Descendants',
  dying: 'Dying descendants',
  cgroups: 'Cgroups (leaves)',
};

/**
 * Hierarchical stats (memory.current, cpu usage, pids.current, nr_dying_descendants) already
 * include the descendants, so a cell is max(own value, sum of children); the rest add up.
 */
const INCLUSIVE: Partial<Record<Measure, FlameStat>> = { memory: 'memory', cpu: 'cpuUsec', pids: 'pids', dying: 'nrDying' };

type Tree = Pick<FlameHierarchy, 'parent' | 'size' | 'stats'>;

function num(v: number | undefined): number {
  return v === undefined || !Number.isFinite(v) || v < 0 ? 0 : v;
}

/** Each cgroup's own share of the measure (>= 0); a cell's width is its subtree's sum. */
export function selfWeights(t: Tree, measure: Measure): Float64Array {
  const n = t.size;
  const self = new Float64Array(n);
  const inclusive = INCLUSIVE[measure];
  if (inclusive) {
    const v = t.stats[inclusive];
    const childSum = new Float64Array(n);
    const total = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) {
      total[i] = Math.max(num(v[i]), childSum[i]!);
      self[i] = total[i]! - childSum[i]!;
      if (i > 0) childSum[t.parent[i]!]! += total[i]!;
    }
    return self;
  }
  if (measure === 'procs') {
    for (let i = 0; i < n; i++) self[i] = num(t.stats.procs[i]);
    return self;
  }
  if (measure === 'descendants') {
    // Every cgroup below the cell counts once; the cell itself too, so a leaf still shows.
    self.fill(1);
    return self;
  }
  // 'cgroups': leaves only, the view in which a leak of empty cgroups shows as width.
  const hasChild = new Uint8Array(n);
  for (let i = 1; i < n; i++) hasChild[t.parent[i]!] = 1;
  for (let i = 0; i < n; i++) self[i] = hasChild[i] ? 0 : 1;
  return self;
}

/**
 * Compare mode: each cgroup's growth of its own share since the baseline (matched by path; a
 * cgroup the baseline lacks grew by all of it). Shrinking counts as zero: the view is about leaks.
 */
export function growthWeights(selfNow: Float64Array, selfBefore: Float64Array, match: Int32Array): Float64Array {
  const out = new Float64Array(selfNow.length);
  for (let i = 0; i < out.length; i++) {
    const m = match[i]!;
    const before = m < 0 ? 0 : selfBefore[m]!;
    out[i] = Math.max(0, selfNow[i]! - before);
  }
  return out;
}

/** For each cgroup of `now`, the index of the cgroup with the same path in `before`, or -1. */
export function matchByPath(nowPaths: readonly string[], beforePaths: readonly string[]): Int32Array {
  const index = new Map<string, number>();
  beforePaths.forEach((p, i) => index.set(p, i));
  const out = new Int32Array(nowPaths.length);
  for (let i = 0; i < nowPaths.length; i++) out[i] = index.get(nowPaths[i]!) ?? -1;
  return out;
}

export interface Layout {
  /** Cells (cgroups of non-zero width) in pre-order; within a row, pre-order is left to right. */
  n: number;
  node: Int32Array;
  x0: Float64Array;
  x1: Float64Array;
  depth: Uint16Array;
  /** Position just after the cell's subtree. */
  end: Int32Array;
  /** Rows the subtree reaches below the cell. */
  height: Uint16Array;
  /** Cgroup index -> position, or -1 when the cgroup has no width. */
  posOf: Int32Array;
  /** Subtree sums by cgroup index. */
  value: Float64Array;
  maxDepth: number;
  total: number;
}

/** Subtree sums of per-cgroup weights (parents have smaller indexes than their children). */
export function subtreeSums(parent: Int32Array, size: number, self: Float64Array): Float64Array {
  const value = new Float64Array(size);
  for (let i = size - 1; i >= 0; i--) {
    value[i]! += self[i]!;
    if (i > 0) value[parent[i]!]! += value[i]!;
  }
  return value;
}

/** The icicle partition: x in [0, 1] of the root; children sorted widest first (ties by index). */
export function partition(parent: Int32Array, size: number, self: Float64Array): Layout {
  const value = subtreeSums(parent, size, self);
  const included = (i: number): boolean => value[i]! > 0;
  const cellCount = new Int32Array(size);
  const height = new Uint16Array(size);
  for (let i = size - 1; i >= 0; i--) {
    if (!included(i)) continue;
    cellCount[i]! += 1;
    if (i > 0) {
      const p = parent[i]!;
      cellCount[p]! += cellCount[i]!;
      if (height[i]! + 1 > height[p]!) height[p] = height[i]! + 1;
    }
  }
  // Children of each cgroup, included ones only, widest first.
  const start = new Int32Array(size + 1);
  for (let i = 1; i < size; i++) if (included(i)) start[parent[i]! + 1]!++;
  for (let i = 0; i < size; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, size);
  const kids = new Int32Array(start[size]!);
  for (let i = 1; i < size; i++) if (included(i)) kids[fill[parent[i]!]!++] = i;
  for (let i = 0; i < size; i++) {
    const a = start[i]!;
    const b = start[i + 1]!;
    if (b - a > 1) kids.subarray(a, b).sort((x, y) => value[y]! - value[x]! || x - y);
  }

  const n = size > 0 && included(0) ? cellCount[0]! : 0;
  const layout: Layout = {
    n,
    node: new Int32Array(n),
    x0: new Float64Array(n),
    x1: new Float64Array(n),
    depth: new Uint16Array(n),
    end: new Int32Array(n),
    height: new Uint16Array(n),
    posOf: new Int32Array(size).fill(-1),
    value,
    maxDepth: n > 0 ? height[0]! : 0,
    total: size > 0 ? value[0]! : 0,
  };
  if (n === 0) return layout;
  const cx0 = new Float64Array(size);
  const cd = new Uint16Array(size);
  const stack = new Int32Array(n);
  let sp = 0;
  stack[sp++] = 0;
  let pos = 0;
  const scale = 1 / value[0]!;
  while (sp > 0) {
    const i = stack[--sp]!;
    const p = pos++;
    layout.node[p] = i;
    layout.posOf[i] = p;
    const x0 = cx0[i]!;
    const x1 = i === 0 ? 1 : x0 + value[i]! * scale;
    layout.x0[p] = x0;
    layout.x1[p] = x1;
    layout.depth[p] = cd[i]!;
    layout.end[p] = p + cellCount[i]!;
    layout.height[p] = height[i]!;
    let x = x0;
    const a = start[i]!;
    const b = start[i + 1]!;
    for (let k = a; k < b; k++) {
      const c = kids[k]!;
      cx0[c] = x;
      cd[c] = cd[i]! + 1;
      x += value[c]! * scale;
    }
    for (let k = b - 1; k >= a; k--) stack[sp++] = kids[k]!;
  }
  return layout;
}

/** The least band height (px) at which a 12 px label still reads; a deeper tree scrolls instead. */
export const MIN_ROW = 18;

/** The horizontal window of the root shown across `width` pixels. */
export interface View {
  x0: number;
  x1: number;
  width: number;
}

/** What visibleCells writes: one entry per drawn cell; pos -1 marks a run of merged slivers. */
export class Cells {
  count = 0;
  pos: Int32Array;
  sx: Float32Array;
  sw: Float32Array;
  depth: Uint16Array;
  merged: Int32Array;
  constructor(capacity: number) {
    this.pos = new Int32Array(capacity);
    this.sx = new Float32Array(capacity);
    this.sw = new Float32Array(capacity);
    this.depth = new Uint16Array(capacity);
    this.merged = new Int32Array(capacity);
  }
}

export function cellsFor(layout: Layout, previous?: Cells): Cells {
  const need = Math.max(16, layout.n * 2);
  return previous && previous.pos.length >= need ? previous : new Cells(need);
}

/**
 * Which cells a view draws, in pre-order. Cells off screen are skipped with their subtrees; a cell
 * narrower than minPx is merged, with its whole subtree, into a run per row that grows while the
 * slivers touch (gaps under half a pixel), so thousands of tiny pods show as one block instead of
 * disappearing or costing a draw call each.
 */
export function visibleCells(layout: Layout, view: View, out: Cells, minPx = 1): number {
  const { x0, x1, end, depth, height } = layout;
  const k = view.width / (view.x1 - view.x0);
  const rows = layout.maxDepth + 1;
  const runA = new Float64Array(rows);
  const runB = new Float64Array(rows).fill(-Infinity);
  const runN = new Int32Array(rows);
  let c = 0;
  const flush = (d: number): void => {
    if (runB[d]! === -Infinity) return;
    const w = runB[d]! - runA[d]!;
    if (w >= 0.5) {
      out.pos[c] = -1;
      out.sx[c] = runA[d]!;
      out.sw[c] = w;
      out.depth[c] = d;
      out.merged[c] = runN[d]!;
      c++;
    }
    runB[d] = -Infinity;
    runN[d] = 0;
  };
  let p = 0;
  const n = layout.n;
  while (p < n) {
    let a = (x0[p]! - view.x0) * k;
    let b = (x1[p]! - view.x0) * k;
    if (b <= 0 || a >= view.width) {
      p = end[p]!;
      continue;
    }
    if (a < 0) a = 0;
    if (b > view.width) b = view.width;
    const d = depth[p]!;
    if (b - a < minPx) {
      const last = d + height[p]!;
      for (let dd = d; dd <= last; dd++) {
        if (runB[dd]! !== -Infinity && a - runB[dd]! > 0.5) flush(dd);
        if (runB[dd]! === -Infinity) runA[dd] = a;
        if (b > runB[dd]!) runB[dd] = b;
        runN[dd]! += dd === d ? 1 : 0;
      }
      p = end[p]!;
      continue;
    }
    flush(d);
    out.pos[c] = p;
    out.sx[c] = a;
    out.sw[c] = b - a;
    out.depth[c] = d;
    out.merged[c] = 0;
    c++;
    p++;
  }
  for (let d = 0; d < rows; d++) flush(d);
  out.count = c;
  return c;
}

/** The drawn cell under a point (x in pixels, row), or -1. */
export function hitTest(cells: Cells, x: number, row: number): number {
  for (let c = 0; c < cells.count; c++) {
    if (cells.depth[c] !== row) continue;
    const a = cells.sx[c]!;
    if (x >= a && x < a + Math.max(1, cells.sw[c]!)) return c;
  }
  return -1;
}

/** Search: 1 where the cgroup matches (path, pod UID, container ID), 2 on ancestors of a match. */
export function searchMatches(h: Pick<FlameHierarchy, 'parent' | 'size'>, paths: readonly string[], ids: readonly (readonly string[])[], query: string): { marks: Uint8Array; count: number } {
  const marks = new Uint8Array(h.size);
  const q = query.trim().toLowerCase();
  if (q === '') return { marks, count: 0 };
  // Pod UIDs appear with underscores in systemd names and with dashes in kubectl output.
  const qAlt = q.replace(/-/g, '_');
  let count = 0;
  for (let i = 0; i < h.size; i++) {
    const p = paths[i]!.toLowerCase();
    let hit = p.includes(q) || p.includes(qAlt);
    if (!hit) for (const id of ids[i] ?? []) if (id.includes(q)) hit = true;
    if (hit) {
      marks[i] = 1;
      count++;
    }
  }
  for (let i = h.size - 1; i > 0; i--) {
    if (marks[i] !== 0) {
      const p = h.parent[i]!;
      if (marks[p] === 0) marks[p] = 2;
    }
  }
  return { marks, count };
}

/**
 * The match to go to on Enter: the first cell (pre-order, so top-left first) that matches after
 * `from` (a cgroup index; undefined for the first match), wrapping around; backwards with `back`.
 * Undefined when no cell matches.
 */
export function nextMatch(layout: Pick<Layout, 'n' | 'node' | 'posOf'>, marks: Uint8Array, from: number | undefined, back = false): number | undefined {
  const n = layout.n;
  if (n === 0) return undefined;
  const at = from === undefined ? -1 : (layout.posOf[from] ?? -1);
  for (let k = 1; k <= n; k++) {
    const p = at < 0 ? (back ? n - k : k - 1) : (((back ? at - k : at + k) % n) + n) % n;
    const i = layout.node[p]!;
    if (marks[i] === 1) return i;
  }
  return undefined;
}

export const MARK = { orphan: 1, dyingHeavy: 2, empty: 4 } as const;

/**
 * Leak marks per cgroup. Orphan: the host's findings call it one (the core's orphan verdict, the
 * same the Findings view, the Nodes tree and the cleanup script use). Empty: a pod or container
 * cgroup without a process that the findings do not call an orphan (kubelet may be starting it,
 * the Kubernetes API may know it): marked as empty, never as an orphan. Dying-heavy: the kernel
 * holds at least as many dying descendants as there are live ones, and at least 8.
 */
export function leakMarks(h: Pick<FlameHierarchy, 'size' | 'stats' | 'verdict'>): Uint8Array {
  const n = h.size;
  const marks = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = h.verdict[i]!;
    if (v & VERDICT.orphan) marks[i]! |= MARK.orphan;
    else if (v & VERDICT.empty) marks[i]! |= MARK.empty;
    const dying = h.stats.nrDying[i]!;
    const live = h.stats.nrDescendants[i]!;
    if (Number.isFinite(dying) && dying >= 8 && dying >= (Number.isFinite(live) ? live : 0)) marks[i]! |= MARK.dyingHeavy;
  }
  return marks;
}

/** Ancestors of a position, root first (the breadcrumb). */
export function ancestry(layout: Layout, parent: Int32Array, pos: number): number[] {
  const out: number[] = [];
  for (let i = layout.node[pos]!; i >= 0; i = i === 0 ? -1 : parent[i]!) out.push(i);
  return out.reverse();
}

/**
 * The text drawn in a cell: systemd and cgroupfs pod and container names are long and alike
 * ("kubepods-besteffort-pod<uid>.slice"), so they are cut to what tells them apart.
 */
export function shortLabel(name: string, kind: number): string {
  if (kind === KIND.pod) {
    const m = /pod([0-9a-f]{8})[-_0-9a-f]*(?:\.slice)?$/i.exec(name);
    if (m) return `pod ${m[1]!.toLowerCase()}…`;
  } else if (kind === KIND.container) {
    const m = /^(?:(cri-containerd|crio|crio-conmon|docker)-)?([0-9a-f]{12})[0-9a-f]{52}(?:\.scope)?$/.exec(name);
    if (m) return `${m[1] ? `${m[1].replace('cri-', '')} ` : ''}${m[2]}…`;
  }
  return name;
}
