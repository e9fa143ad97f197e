import type { Measure } from './layout';

/** Human-readable figures for the tooltip, breadcrumb and status line. Pure. */
export function formatBytes(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let x = v;
  let u = 0;
  while (Math.abs(x) >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  return `${u === 0 ? x.toFixed(0) : x.toFixed(1)} ${units[u]}`;
}

export function formatUsec(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const s = v / 1e6;
  if (s < 1) return `${(v / 1000).toFixed(1)} ms`;
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function formatCount(v: number): string {
  if (!Number.isFinite(v)) return '–';
  return Math.round(v).toLocaleString('en-US');
}

export function formatMeasure(measure: Measure, v: number): string {
  switch (measure) {
    case 'memory':
      return formatBytes(v);
    case 'cpu':
      return formatUsec(v);
    case 'pids':
    case 'procs':
    case 'descendants':
    case 'dying':
    case 'cgroups':
      return formatCount(v);
    default: {
      const never: never = measure;
      return String(never);
    }
  }
}

export function formatShare(part: number, whole: number): string {
  if (!(whole > 0)) return '';
  const p = (100 * part) / whole;
  return p >= 10 ? `${p.toFixed(0)}%` : `${p.toFixed(1)}%`;
}
