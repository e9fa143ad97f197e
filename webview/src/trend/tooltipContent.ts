import { formatCount, formatKiB } from '../../../src/core/report/format';
import type { NodeStatKey } from '../../../src/protocol/trendProtocol';
import type { TooltipRow } from '../shared/tooltip';
import type { SeriesSet } from './series';

/** The count chart's tooltip at sample `i`: every series shown, biggest first, at most 24 rows. */
export function countRows(set: SeriesSet, hidden: ReadonlySet<string>, i: number): TooltipRow[] {
  const rows = set.series
    .filter((s) => !hidden.has(s.key) && Number.isFinite(s.total[i]!))
    .sort((a, b) => b.total[i]! - a.total[i]!)
    .map((s) => ({ label: s.label, value: `${formatCount(s.total[i]!)} live + dying${Number.isFinite(s.dying[i]!) ? ` (${formatCount(s.dying[i]!)} dying)` : ''}` }));
  return rows.length > 24 ? [...rows.slice(0, 24), { label: '…', value: `${rows.length - 24} more` }] : rows;
}

/** A node-stat chart's tooltip at sample `i` (the stat is in kB). */
export function nodeRows(set: SeriesSet, key: NodeStatKey, label: string, i: number): TooltipRow[] {
  const v = set.node.get(key)?.[i];
  return [{ label, value: v === undefined || !Number.isFinite(v) ? '–' : formatKiB(v) }];
}
