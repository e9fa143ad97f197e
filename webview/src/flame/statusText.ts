import { formatCount } from '../../../src/core/report/format';
import { formatMeasure } from './format';
import { MEASURE_LABELS, type Measure } from './layout';
import type { FlameSnapshot } from './model';
import type { Shown } from './shownHierarchy';

/** The status line: where the snapshot came from and when, the hierarchy, the measure, the total, search matches and the last notice. */
export function statusText(o: { current: FlameSnapshot; shown: Shown; measure: Measure; baseline: FlameSnapshot | undefined; search: string; matches: number | undefined; notice: string }): string {
  const { current, shown, measure, baseline } = o;
  const parts = [
    current.label,
    new Date(current.takenAt).toISOString().replace('T', ' ').slice(0, 19) + ' UTC',
    `${shown.h.name}: ${formatCount(shown.h.size)} cgroups`,
    `width: ${MEASURE_LABELS[measure]}${baseline ? ` growth since ${new Date(baseline.takenAt).toISOString().slice(11, 19)} UTC (${baseline.label})` : ''}`,
    `total ${formatMeasure(measure, shown.layout.total)}`,
  ];
  if (o.matches !== undefined && o.search.trim() !== '') parts.push(`${formatCount(o.matches)} match${o.matches === 1 ? '' : 'es'}`);
  if (shown.layout.total === 0) parts.push(baseline ? 'nothing grew' : `no ${MEASURE_LABELS[measure].toLowerCase()} data in this hierarchy`);
  if (o.notice) parts.push(o.notice);
  return parts.join(' · ');
}
