import { formatBytes, formatCount, formatCpuTime } from '../../../src/core/report/format';
import type { Measure } from './layout';

/** A flame measure in its own unit (bytes, CPU time or a count), for the tooltip and status line. */
export function formatMeasure(measure: Measure, v: number): string {
  switch (measure) {
    case 'memory':
      return formatBytes(v);
    case 'cpu':
      return formatCpuTime(v);
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

/** A part of a whole as a percentage with two or three figures ("42%", "3.5%"); nothing when the whole is empty. */
export function formatShare(part: number, whole: number): string {
  if (!(whole > 0)) return '';
  const p = (100 * part) / whole;
  return p >= 10 ? `${p.toFixed(0)}%` : `${p.toFixed(1)}%`;
}
