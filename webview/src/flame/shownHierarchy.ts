import { growthWeights, leakMarks, matchByPath, partition, selfWeights, subtreeSums, type Layout, type Measure } from './layout';
import { pathsOf, type FlameHierarchy, type FlameSnapshot } from './model';

/** The baseline's side of a comparison: its matching cgroups and their values before and now. */
export interface Before {
  h: FlameHierarchy;
  /** The baseline's index of each cgroup shown, -1 where it is new. */
  match: Int32Array;
  value: Float64Array;
  now: Float64Array;
}

/** The hierarchy on screen: its paths, the layout drawn and, when comparing, the baseline's side. */
export interface Shown {
  h: FlameHierarchy;
  paths: string[];
  /** Path to index, built on the first lookup. */
  index: Map<string, number> | undefined;
  layout: Layout;
  before?: Before;
}

/** The hierarchy to show: the one asked for, else the unified hierarchy when it holds anything, else the biggest. */
export function pickHierarchy(s: FlameSnapshot, wanted: string | undefined): FlameHierarchy | undefined {
  const found = s.hierarchies.find((h) => h.name === wanted);
  if (found) return found;
  const v2 = s.hierarchies.find((h) => h.kind === 'v2' && h.size > 1);
  if (v2) return v2;
  return [...s.hierarchies].sort((a, b) => b.size - a.size)[0];
}

/**
 * Lays a hierarchy out under a measure; with a baseline snapshot holding the same hierarchy, widths
 * are growth since it and `fresh` marks the cgroups it lacks.
 */
export function layOut(h: FlameHierarchy, baseline: FlameSnapshot | undefined, measure: Measure): { shown: Shown; fresh?: Uint8Array } {
  const paths = pathsOf(h);
  let self = selfWeights(h, measure);
  const bh = baseline?.hierarchies.find((b) => b.name === h.name);
  if (!bh) return { shown: { h, paths, index: undefined, layout: partition(h.parent, h.size, self) } };
  const match = matchByPath(paths, pathsOf(bh));
  const selfBefore = selfWeights(bh, measure);
  const now = subtreeSums(h.parent, h.size, self);
  self = growthWeights(self, selfBefore, match);
  const before = { h: bh, match, value: subtreeSums(bh.parent, bh.size, selfBefore), now };
  const fresh = new Uint8Array(h.size);
  for (let i = 0; i < h.size; i++) fresh[i] = match[i]! < 0 ? 1 : 0;
  return { shown: { h, paths, index: undefined, layout: partition(h.parent, h.size, self), before }, fresh };
}

/** The index of a cgroup path in the hierarchy shown. */
export function findPath(shown: Shown | undefined, path: string | undefined): number | undefined {
  if (!shown || path === undefined) return undefined;
  shown.index ??= new Map(shown.paths.map((p, i) => [p, i]));
  return shown.index.get(path);
}

let marksCache: { h: FlameHierarchy; marks: Uint8Array } | undefined;
/** The orphan and dying-heavy marks of a hierarchy, computed once per hierarchy. */
export function leakMarksOf(h: FlameHierarchy): Uint8Array {
  if (!marksCache || marksCache.h !== h) marksCache = { h, marks: leakMarks(h) };
  return marksCache.marks;
}
