import type { NodeStatKey } from '../../../src/protocol/trendProtocol';
import { el } from '../shared/dom';
import { lineChart, type ChartHover, type LineChart } from './lineChart';

/** The node stats drawn, each in a small chart of its own (their scales differ by orders). */
export const NODE_CHARTS: { key: NodeStatKey; label: string }[] = [
  { key: 'memAvailableKb', label: 'MemAvailable' },
  { key: 'slabKb', label: 'Slab' },
  { key: 'percpuKb', label: 'Percpu' },
];

/** One small chart per node stat, in `section`; `hover` is told which stat a hover is over. */
export function nodeCharts(section: HTMLElement, hover: (h: ChartHover, key: NodeStatKey, label: string) => void): Map<NodeStatKey, { box: HTMLElement; chart: LineChart }> {
  const charts = new Map<NodeStatKey, { box: HTMLElement; chart: LineChart }>();
  for (const n of NODE_CHARTS) {
    const box = el('div', 'node-chart');
    box.dataset.stat = n.key;
    const caption = el('div', 'node-caption');
    caption.textContent = n.label;
    box.appendChild(caption);
    const chart = lineChart(box, { height: 90, label: `${n.label} over time` }).onHover((h) => hover(h, n.key, n.label));
    section.appendChild(box);
    charts.set(n.key, { box, chart });
  }
  return charts;
}
