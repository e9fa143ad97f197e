/**
 * Figures for people: the one home of byte, count and duration texts for every front end (the
 * CLI's tables, reports and evidence in the core, the Nodes tree, the flame and trend views). It
 * imports nothing, so the browser bundles use it as it is.
 */

/** Binary units, as the kernel counts memory (and as /proc/meminfo's "kB" means). */
export const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;
export type ByteUnit = (typeof BYTE_UNITS)[number];

/** A byte count in the largest unit it fills at least once (1536 is 1.5 KiB); `divisor` is that unit in bytes. */
export function scaleBytes(n: number): { value: number; unit: ByteUnit; divisor: number } {
  let u = 0;
  while (u < BYTE_UNITS.length - 1 && Math.abs(n) >= 1024 ** (u + 1)) u++;
  return { value: n / 1024 ** u, unit: BYTE_UNITS[u]!, divisor: 1024 ** u };
}

/**
 * Bytes in IEC units, one decimal below 100 of the unit and whole numbers above: "512 B",
 * "1.5 GiB", "97.7 MiB", "512 MiB". A limit of Infinity is "max" (as in memory.max); a value not
 * read is "-".
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return n === Infinity ? 'max' : '-';
  const { value, unit } = scaleBytes(n);
  if (unit === 'B') return `${Math.round(value)} B`;
  const a = Math.abs(value);
  // 1023.7 MiB would round to "1024 MiB": say "1.0 GiB" instead.
  if (Math.round(a) >= 1024 && unit !== 'PiB') return `${value < 0 ? '-' : ''}1.0 ${BYTE_UNITS[BYTE_UNITS.indexOf(unit) + 1]}`;
  return `${a < 99.95 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/** Kibibytes, as /proc/meminfo and smaps count them (its "kB" is 1024 bytes). */
export function formatKiB(kb: number): string {
  return formatBytes(kb * 1024);
}

/** A count with thousands separators ("64,000"); a limit of Infinity is "max", a value not read "-". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return n === Infinity ? 'max' : '-';
  return Math.round(n).toLocaleString('en-US');
}

/** CPU time from microseconds (cpu.stat usage_usec), in the unit that reads best: 12.5 ms, 3.2 s, 4.0 min, 2.5 h. */
export function formatCpuTime(usec: number): string {
  if (!Number.isFinite(usec)) return '-';
  const s = usec / 1e6;
  if (s < 1) return `${(usec / 1000).toFixed(1)} ms`;
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** Seconds as the largest unit or two: 45s, 3m, 2h05m, 4d3h. */
export function formatAge(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}
