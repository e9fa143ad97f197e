import { MIN_RATE_SPAN_S } from '../../../src/core/trends/growth';
import type { NodeStatKey, TrendSample } from '../../../src/protocol/trendProtocol';

/**
 * The samples laid out by series for drawing: one shared time column and, per series, a column of
 * totals (live + dying, as core's growthOf counts them) and of dying counts, NaN where a sample
 * lacks the series (a line gap). Series keys are growthOf's, so a row of the growth table and a
 * line of the chart are the same series. Pure: no DOM.
 */
export interface Series {
  /** growthOf's key: "hierarchy NAME" or "HIERARCHY DIR". */
  key: string;
  /** Display text (untrusted: a hierarchy name or a kubepods directory of the node). */
  label: string;
  group: 'hierarchy' | 'kubepods';
  total: number[];
  dying: number[];
  hasDying: boolean;
}

export interface SeriesSet {
  /** Sample times, epoch milliseconds. */
  times: number[];
  /** In first-seen order. */
  series: Series[];
  byKey: Map<string, Series>;
  /** Node stats columns (NaN where absent), only for stats some sample has. */
  node: Map<NodeStatKey, number[]>;
}

export function emptySet(): SeriesSet {
  return { times: [], series: [], byKey: new Map(), node: new Map() };
}

function rowsOf(s: TrendSample): { key: string; label: string; group: Series['group']; total: number; dying: number | undefined }[] {
  return [
    ...s.hierarchies.map((h) => ({ key: `hierarchy ${h.hierarchy}`, label: `${h.hierarchy} (${h.kind})`, group: 'hierarchy' as const, total: h.live + (h.dying ?? 0), dying: h.dying })),
    ...s.kubepods.map((k) => ({ key: `${k.hierarchy} ${k.dir}`, label: `${inHierarchy(s, k.hierarchy, k.dir)} (${k.hierarchy})`, group: 'kubepods' as const, total: k.live + (k.dying ?? 0), dying: k.dying })),
  ];
}

/** A kubepods directory as a path in its hierarchy ("/kubepods.slice"), not below the node's mount point. */
function inHierarchy(s: TrendSample, hierarchy: string, dir: string): string {
  const mount = s.hierarchies.find((h) => h.hierarchy === hierarchy)?.dir.replace(/\/+$/, '');
  return mount && dir.startsWith(mount + '/') ? dir.slice(mount.length) : dir;
}

/** Adds one sample at the end (columns of series it lacks get NaN). */
export function appendSample(set: SeriesSet, s: TrendSample): void {
  const n = set.times.length;
  set.times.push(s.time * 1000);
  for (const r of rowsOf(s)) {
    let x = set.byKey.get(r.key);
    if (!x) {
      x = { key: r.key, label: r.label, group: r.group, total: new Array<number>(n).fill(NaN), dying: new Array<number>(n).fill(NaN), hasDying: false };
      set.byKey.set(r.key, x);
      set.series.push(x);
    }
    // A key twice in one sample (never from the watch program): the first row counts.
    if (x.total.length > n) continue;
    x.total.push(r.total);
    x.dying.push(r.dying ?? NaN);
    if (r.dying !== undefined) x.hasDying = true;
  }
  for (const x of set.series) {
    if (x.total.length === n) {
      x.total.push(NaN);
      x.dying.push(NaN);
    }
  }
  const node = s.node ?? {};
  for (const k of Object.keys(node) as NodeStatKey[]) {
    if (!set.node.has(k)) set.node.set(k, new Array<number>(n).fill(NaN));
  }
  for (const [k, col] of set.node) col.push(node[k] ?? NaN);
}

export function seriesOf(samples: readonly TrendSample[]): SeriesSet {
  const set = emptySet();
  for (const s of samples) appendSample(set, s);
  return set;
}

/** How long the samples span, in seconds (0 for fewer than two). */
export function sampleSpanSeconds(times: readonly number[]): number {
  return times.length < 2 ? 0 : (times[times.length - 1]! - times[0]!) / 1000;
}

/** The growth column: the rate once the samples span core's MIN_RATE_SPAN_S (the span findGrowth needs too), else how long until they do. */
export function rateText(perHour: number | undefined, spanSeconds: number): string {
  if (spanSeconds < MIN_RATE_SPAN_S) return `rate after ${MIN_RATE_SPAN_S / 60} min of samples (${minutes(spanSeconds)} so far)`;
  return perHour === undefined ? '—' : formatRate(perHour);
}

function minutes(s: number): string {
  return s < 60 ? `${Math.floor(s)} s` : `${Math.floor(s / 60)} min`;
}

/** "+60/hour": whole numbers from 10 up, one decimal below (a slow leak still shows). */
export function formatRate(perHour: number): string {
  const a = Math.abs(perHour);
  const v = a >= 10 ? Math.round(a).toString() : (Math.round(a * 10) / 10).toString();
  if (v === '0') return '0/hour';
  return `${perHour < 0 ? '−' : '+'}${v}/hour`;
}
