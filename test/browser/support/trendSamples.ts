import type { TrendSample } from '../../../src/protocol/trendProtocol';

/**
 * A day at one sample a minute: by default 1,440 samples of 20 series (10 hierarchies, 10
 * kubepods subtrees), all with dying counts. One home for the day-sized chart: the browser test
 * checks what it draws, bench/trend.bench.mjs times it (and a small one as its reference).
 */
export function daySamples(o: { samples?: number; hierarchies?: number; kubepods?: number } = {}): TrendSample[] {
  const { samples = 1440, hierarchies = 10, kubepods = 10 } = o;
  const t0 = 1_760_000_000;
  return Array.from({ length: samples }, (_, i) => ({
    time: t0 + 60 * i,
    hierarchies: Array.from({ length: hierarchies }, (_, h) => ({ kind: 'v2' as const, hierarchy: `h${h}`, dir: `/h${h}`, live: 1000 + h * 50 + ((i * (h + 1)) % 37), dying: Math.floor(i / (h + 2)) })),
    kubepods: Array.from({ length: kubepods }, (_, k) => ({ hierarchy: 'unified', dir: `/kubepods.slice/q${k}`, live: 200 + ((i * 7 + k) % 23), dying: k })),
    node: { memAvailableKb: 4_000_000 - i, slabKb: 200_000 + i, percpuKb: 3000 + (i % 50) },
  }));
}
