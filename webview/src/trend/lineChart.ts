import { axisBottom, axisLeft } from 'd3-axis';
import { bisectCenter } from 'd3-array';
import { scaleLinear, scaleTime } from 'd3-scale';
import { select } from 'd3-selection';
import { line } from 'd3-shape';
import { timeTickFormat } from './axisFormat';

/**
 * A reusable SVG line chart over one shared time column: lineChart(el).data(d).onHover(cb).
 * Lines are joined by key; a dashed line is drawn with stroke-dasharray. Where a series has more
 * points than twice the pixels across, each pixel column keeps its first, lowest, highest and
 * last point, so 1,440 samples x 40 lines stay a few thousand points of path. Labels never reach
 * the SVG as markup: only keys as data and colours as attributes.
 */
export interface ChartLine {
  key: string;
  values: readonly number[];
  colour: string;
  dashed?: boolean;
}

export interface ChartData {
  /** Epoch milliseconds, ascending. */
  times: readonly number[];
  lines: ChartLine[];
  /** Tick format of the value axis; step is the distance between ticks (for the precision). */
  format?: (v: number, step: number) => string;
  /** A value axis from zero (counts) or from the data's own low (node memory). */
  zero?: boolean;
}

export interface ChartHover {
  /** Index into times, or undefined when the pointer left. */
  index: number | undefined;
  clientX: number;
  clientY: number;
}

export interface LineChart {
  data(d: ChartData): LineChart;
  onHover(cb: (h: ChartHover) => void): LineChart;
  /** Draws again at the container's width (after a resize or a theme change). */
  redraw(): void;
  /** How many points the drawn paths hold, all lines together (for tests and the benchmark). */
  drawnPoints(): number;
}

const MARGIN = { top: 8, right: 16, bottom: 22, left: 56 };

export function lineChart(el: HTMLElement, o: { height: number; label: string }): LineChart {
  const svg = select(el).append('svg').attr('class', 'line-chart').attr('role', 'img').attr('aria-label', o.label).attr('height', o.height);
  const xAxis = svg.append('g').attr('class', 'axis x-axis');
  const yAxis = svg.append('g').attr('class', 'axis y-axis');
  const plot = svg.append('g').attr('class', 'plot');
  const rule = svg.append('line').attr('class', 'hover-rule').attr('visibility', 'hidden');
  const dots = svg.append('g').attr('class', 'hover-dots');
  const overlay = svg.append('rect').attr('class', 'overlay').attr('fill', 'transparent');
  let d: ChartData = { times: [], lines: [] };
  let hover: (h: ChartHover) => void = () => undefined;
  let x = scaleTime();
  let y = scaleLinear();
  let points = 0;

  function draw(): void {
    const width = Math.max(120, el.clientWidth);
    const w = width - MARGIN.left - MARGIN.right;
    const h = o.height - MARGIN.top - MARGIN.bottom;
    svg.attr('width', width);
    const t = d.times;
    const t0 = t[0] ?? Date.now();
    const t1 = t[t.length - 1] ?? t0;
    // One sample (or all at one time): a minute either side, so the point sits in the middle.
    x = scaleTime()
      .domain(t1 > t0 ? [t0, t1] : [t0 - 60_000, t0 + 60_000])
      .range([0, w]);
    let lo = Infinity;
    let hi = -Infinity;
    for (const l of d.lines) {
      for (const v of l.values) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (!Number.isFinite(hi)) {
      lo = 0;
      hi = 1;
    }
    if (d.zero !== false) lo = Math.min(0, lo);
    // A flat line: a band around it (a tenth of its value), so ticks say something.
    if (hi === lo) {
      const pad = Math.max(1, Math.abs(lo) * 0.1);
      hi = lo + pad;
      if (d.zero === false) lo -= pad;
    }
    y = scaleLinear().domain([lo, hi]).nice().range([h, 0]);
    const fmt = d.format;
    const yTicks = y.ticks(Math.max(2, Math.floor(h / 28)));
    const step = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 1;
    const xTicks = x.ticks(Math.max(2, Math.floor(w / 110)));
    const tickFormat = timeTickFormat(xTicks.length > 1 ? xTicks[1]!.getTime() - xTicks[0]!.getTime() : Math.max(1, t1 - t0));
    xAxis.attr('transform', `translate(${MARGIN.left},${MARGIN.top + h})`).call(
      axisBottom(x)
        .tickValues(xTicks)
        .tickFormat((v) => tickFormat(v as Date)),
    );
    yAxis.attr('transform', `translate(${MARGIN.left},${MARGIN.top})`).call(
      axisLeft(y)
        .ticks(Math.max(2, Math.floor(h / 28)))
        .tickFormat((v) => (fmt ? fmt(Number(v), step) : String(v))),
    );
    plot.attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);
    rule.attr('y1', MARGIN.top).attr('y2', MARGIN.top + h);
    overlay.attr('x', MARGIN.left).attr('y', MARGIN.top).attr('width', w).attr('height', h);

    points = 0;
    const xs = t.map((v) => x(v));
    const pathOf = (values: readonly number[]): string | null =>
      line<number>()
        .defined((i) => Number.isFinite(values[i]!))
        .x((i) => xs[i]!)
        .y((i) => y(values[i]!))(decimateCounted(values));
    const decimateCounted = (values: readonly number[]): number[] => {
      const idx = decimate(xs, values);
      points += idx.length;
      return idx;
    };
    plot
      .selectAll<SVGPathElement, ChartLine>('path.series-line')
      .data(d.lines, (l) => l.key)
      .join('path')
      .attr('class', (l) => `series-line${l.dashed ? ' dashed' : ''}`)
      .attr('data-key', (l) => l.key)
      .attr('fill', 'none')
      .attr('stroke', (l) => l.colour)
      .attr('stroke-width', (l) => (l.dashed ? 1.25 : 1.75))
      .attr('stroke-dasharray', (l) => (l.dashed ? '5 3' : null))
      .attr('d', (l) => pathOf(l.values));
    // The newest point of each solid line, so a single sample still shows.
    plot
      .selectAll<SVGCircleElement, ChartLine>('circle.last-point')
      .data(
        d.lines.filter((l) => !l.dashed && lastIndex(l.values) >= 0),
        (l) => l.key,
      )
      .join('circle')
      .attr('class', 'last-point')
      .attr('r', 2.5)
      .attr('fill', (l) => l.colour)
      .attr('cx', (l) => xs[lastIndex(l.values)]!)
      .attr('cy', (l) => y(l.values[lastIndex(l.values)]!));
  }

  function hoverAt(index: number | undefined, clientX: number, clientY: number): void {
    if (index === undefined) {
      rule.attr('visibility', 'hidden');
      dots.selectAll('*').remove();
    } else {
      const px = MARGIN.left + x(d.times[index]!);
      rule.attr('visibility', 'visible').attr('x1', px).attr('x2', px);
      dots
        .selectAll<SVGCircleElement, ChartLine>('circle')
        .data(
          d.lines.filter((l) => Number.isFinite(l.values[index]!)),
          (l) => l.key,
        )
        .join('circle')
        .attr('r', 3)
        .attr('fill', (l) => l.colour)
        .attr('cx', px)
        .attr('cy', (l) => MARGIN.top + y(l.values[index]!));
    }
    hover({ index, clientX, clientY });
  }

  overlay
    .on('pointermove', (e: PointerEvent) => {
      if (d.times.length === 0) return;
      const rect = (overlay.node() as SVGRectElement).getBoundingClientRect();
      const at = x.invert(e.clientX - rect.left).getTime();
      hoverAt(bisectCenter(d.times as number[], at), e.clientX, e.clientY);
    })
    .on('pointerleave', (e: PointerEvent) => hoverAt(undefined, e.clientX, e.clientY));

  const chart: LineChart = {
    data(next) {
      d = next;
      draw();
      return chart;
    },
    onHover(cb) {
      hover = cb;
      return chart;
    },
    redraw: draw,
    drawnPoints: () => points,
  };
  return chart;
}

function lastIndex(values: readonly number[]): number {
  for (let i = values.length - 1; i >= 0; i--) if (Number.isFinite(values[i]!)) return i;
  return -1;
}

/**
 * The indexes to draw: all of them when there are few; else per pixel column its first, lowest,
 * highest and last point (in time order), gaps (NaN) kept so a missing series still breaks the line.
 */
export function decimate(xs: readonly number[], values: readonly number[]): number[] {
  const n = values.length;
  const out: number[] = [];
  const columns = (xs[n - 1] ?? 0) - (xs[0] ?? 0);
  if (n <= 2 * Math.max(1, columns)) {
    for (let i = 0; i < n; i++) out.push(i);
    return out;
  }
  let i = 0;
  while (i < n) {
    if (!Number.isFinite(values[i]!)) {
      out.push(i++);
      continue;
    }
    const col = Math.floor(xs[i]!);
    let lo = i;
    let hi = i;
    let last = i;
    let j = i;
    for (; j < n && Math.floor(xs[j]!) === col && Number.isFinite(values[j]!); j++) {
      if (values[j]! < values[lo]!) lo = j;
      if (values[j]! > values[hi]!) hi = j;
      last = j;
    }
    for (const k of [...new Set([i, lo, hi, last])].sort((a, b) => a - b)) out.push(k);
    i = j;
  }
  return out;
}
