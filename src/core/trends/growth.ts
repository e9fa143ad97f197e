import type { Finding } from '../analysis/finding';
import { formatKiB } from '../report/format';
import type { CountSample } from './sampleTypes';
import { note, type Evidence } from '../analysis/evidence';

/**
 * The least time samples must span before a growth rate means anything, and so before growth is
 * called sustained: a slope fitted to a minute of samples is noise extrapolated to an hour ("+92/hour"
 * from three samples). One constant for every front end: the CLI's watch, the extension's trend
 * sampling (both through findGrowth) and the trend chart's rate column.
 */
export const MIN_RATE_SPAN_S = 600;

export interface GrowthOptions {
  /** Samples needed before growth can be called sustained. Default 4. */
  minSamples?: number;
  /** Share of sample-to-sample steps that must not shrink. Default 0.75. */
  risingShare?: number;
  /** Net growth (cgroups) below which nothing is reported. Default 10. */
  minGrowth?: number;
}

export interface Growth {
  key: string;
  first: number;
  last: number;
  /** Least-squares slope, cgroups per hour. */
  perHour: number;
  /** Share of steps that did not shrink. */
  rising: number;
  /** Seconds from the series' first point to its last. */
  spanSeconds: number;
  dyingFirst?: number;
  dyingLast?: number;
}

/** Live + dying of one series per hierarchy and per kubepods subtree. */
function series(samples: readonly CountSample[]): Map<string, { t: number; live: number; dying?: number }[]> {
  const out = new Map<string, { t: number; live: number; dying?: number }[]>();
  for (const s of samples) {
    for (const r of [...s.hierarchies.map((h) => ({ ...h, key: `hierarchy ${h.hierarchy}` })), ...s.kubepods.map((k) => ({ ...k, key: `${k.hierarchy} ${k.dir}` }))]) {
      const list = out.get(r.key) ?? [];
      list.push({ t: s.time, live: r.live + (r.dying ?? 0), ...(r.dying !== undefined ? { dying: r.dying } : {}) });
      out.set(r.key, list);
    }
  }
  return out;
}

/** Growth of every series (live + dying cgroups) over the samples. */
export function growthOf(samples: readonly CountSample[]): Growth[] {
  const out: Growth[] = [];
  for (const [key, pts] of series(samples)) {
    if (pts.length < 2) continue;
    const n = pts.length;
    const mt = pts.reduce((a, p) => a + p.t, 0) / n;
    const mv = pts.reduce((a, p) => a + p.live, 0) / n;
    let num = 0;
    let den = 0;
    for (const p of pts) {
      num += (p.t - mt) * (p.live - mv);
      den += (p.t - mt) ** 2;
    }
    let up = 0;
    for (let i = 1; i < n; i++) if (pts[i]!.live >= pts[i - 1]!.live) up++;
    const g: Growth = { key, first: pts[0]!.live, last: pts[n - 1]!.live, perHour: den > 0 ? (num / den) * 3600 : 0, rising: up / (n - 1), spanSeconds: pts[n - 1]!.t - pts[0]!.t };
    const d0 = pts[0]!.dying;
    const d1 = pts[n - 1]!.dying;
    if (d0 !== undefined) g.dyingFirst = d0;
    if (d1 !== undefined) g.dyingLast = d1;
    out.push(g);
  }
  return out;
}

/**
 * The node's kernel memory beside the counts: Percpu and SUnreclaim from the first to the last
 * sample that has them, when either rose (dying memcgs keep their per-cpu and slab memory until
 * freed, so a leak shows there too). Empty when the samples carry no node stats.
 */
export function nodeMemoryEvidence(samples: readonly CountSample[]): Evidence[] {
  const withNode = samples.filter((s) => s.node);
  const a = withNode[0]?.node;
  const b = withNode[withNode.length - 1]?.node;
  if (!a || !b || withNode.length < 2) return [];
  const parts: string[] = [];
  let rose = false;
  for (const [key, name] of [['percpuKb', 'Percpu'], ['sUnreclaimKb', 'SUnreclaim']] as const) {
    const x = a[key];
    const y = b[key];
    if (x === undefined || y === undefined) continue;
    if (y > x) rose = true;
    parts.push(`${name} ${formatKiB(x)} -> ${formatKiB(y)}${x > 0 ? ` (${y >= x ? '+' : ''}${Math.round(((y - x) / x) * 100)}%)` : ''}`);
  }
  if (!rose) return [];
  return [note(`node kernel memory (/proc/meminfo): ${parts.join(', ')}; dying memcgs keep per-cpu and slab memory until freed`)];
}

/**
 * A finding for each series whose growth is sustained: enough samples spanning at least
 * MIN_RATE_SPAN_S (per series: one that appeared a minute ago has no trend yet), mostly rising, a
 * net gain.
 */
export function findGrowth(samples: readonly CountSample[], o: GrowthOptions = {}): Finding[] {
  const minSamples = o.minSamples ?? 4;
  if (samples.length < minSamples) return [];
  const out: Finding[] = [];
  const node = nodeMemoryEvidence(samples);
  for (const g of growthOf(samples)) {
    if (g.spanSeconds < MIN_RATE_SPAN_S || g.perHour <= 0 || g.rising < (o.risingShare ?? 0.75) || g.last - g.first < (o.minGrowth ?? 10)) continue;
    const share = (d: number | undefined, total: number): string => (d === undefined || total === 0 ? '' : `${Math.round((d / total) * 100)}%`);
    const dyingRising = g.dyingFirst !== undefined && g.dyingLast !== undefined && g.last > 0 && g.first > 0 && g.dyingLast / g.last > g.dyingFirst / g.first;
    out.push({
      kind: 'cgroup-growth',
      severity: 'warning',
      confidence: samples.length >= 10 ? 'high' : 'medium',
      title: `+${Math.round(g.perHour)} cgroups/hour in ${g.key}${dyingRising ? ', dying share rising' : ''}`,
      cgroups: [],
      evidence: [
        note(`${g.first} -> ${g.last} cgroups (live + dying) over ${samples.length} samples, ${Math.round(samples[samples.length - 1]!.time - samples[0]!.time)} s; ${Math.round(g.rising * 100)}% of steps rising`),
        ...(g.dyingFirst !== undefined && g.dyingLast !== undefined ? [note(`dying: ${g.dyingFirst} (${share(g.dyingFirst, g.first)}) -> ${g.dyingLast} (${share(g.dyingLast, g.last)})`)] : []),
        ...node,
      ],
    });
  }
  return out;
}
