import type { Growth } from '../../../src/core/trends/growth';
import { formatCount } from '../../../src/core/report/format';
import { el } from '../shared/dom';
import { rateText, type Series } from './series';

function lastValue(values: readonly number[]): number {
  for (let i = values.length - 1; i >= 0; i--) if (Number.isFinite(values[i]!)) return values[i]!;
  return NaN;
}

/**
 * The growth table: one row per series, fastest growing first, with first → last counts (live +
 * dying, as core's growthOf counts them), the rate (only once the samples span long enough to
 * mean one: series.ts rateText) and the dying counts. Labels are untrusted text: textContent only.
 */
export function fillGrowthTable(tbody: HTMLTableSectionElement, o: { series: readonly Series[]; byKey: ReadonlyMap<string, Growth>; spanSeconds: number; hidden: ReadonlySet<string>; colourOf(s: Series): string; toggle(key: string): void }): void {
  const { byKey } = o;
  const rate = (s: Series): number => byKey.get(s.key)?.perHour ?? -Infinity;
  const rows = [...o.series].sort((a, b) => rate(b) - rate(a));
  tbody.replaceChildren(
    ...rows.map((s) => {
      const tr = document.createElement('tr');
      tr.dataset.key = s.key;
      if (o.hidden.has(s.key)) tr.className = 'hidden-series';
      const name = document.createElement('td');
      const swatch = el('span', 'swatch');
      swatch.style.background = o.colourOf(s);
      const text = el('span', 'series-name');
      text.textContent = s.label;
      name.append(swatch, text);
      const g = byKey.get(s.key);
      const cells = [
        g ? `${formatCount(g.first)} → ${formatCount(g.last)}` : `${formatCount(lastValue(s.total))}`,
        rateText(g?.perHour, o.spanSeconds),
        g && g.dyingFirst !== undefined && g.dyingLast !== undefined ? `${formatCount(g.dyingFirst)} → ${formatCount(g.dyingLast)}` : s.hasDying ? formatCount(lastValue(s.dying)) : '—',
      ].map((t, k) => {
        const td = document.createElement('td');
        td.className = ['first-last', 'rate', 'dying'][k]!;
        td.textContent = t;
        return td;
      });
      tr.append(name, ...cells);
      // A row toggles its series, as the picker does.
      tr.addEventListener('click', () => o.toggle(s.key));
      return tr;
    }),
  );
}
