import type { Finding } from '../../../src/core/analysis/finding';
import { formatCount } from '../../../src/core/report/format';
import { findGrowth, growthOf, type Growth } from '../../../src/core/trends/growth';
import type { TrendSample } from '../../../src/protocol/trendProtocol';
import { onThemeChange } from '../shared/themeChange';
import { fillTooltip, placeTooltip, type TooltipRow } from '../shared/tooltip';
import { bytesTick } from './axisFormat';
import { fillGrowthBanner } from './growthBanner';
import { fillGrowthTable } from './growthTable';
import { lineChart, type ChartHover } from './lineChart';
import { NODE_CHARTS, nodeCharts } from './nodeCharts';
import type { PersistedState } from './persistedState';
import { appendSample, emptySet, sampleSpanSeconds, seriesOf, type Series, type SeriesSet } from './series';
import type { TrendPage } from './page';
import { readSeriesColours } from './theme';
import type { TrendToolbar } from './toolbar';
import { countRows, nodeRows } from './tooltipContent';

/** The trend view's state on screen (the node, its samples laid out by series) and what changes it. */
export interface TrendView {
  /** Everything from the host, on every 'ready'. */
  init(nodeId: string, label: string, sampling: boolean, samples: TrendSample[]): void;
  /** One new sample; the host now keeps `kept`. */
  append(sample: TrendSample, kept: number, sampling: boolean): void;
  setSampling(sampling: boolean): void;
  setStatus(text: string): void;
  /** The picker changed which series are hidden. */
  seriesChanged(): void;
  showDying(show: boolean): void;
}

export function trendView(o: {
  state: PersistedState;
  /** Keys of the hidden series, shared with the toolbar's picker. */
  hidden: Set<string>;
  save(): void;
  page: TrendPage;
  toolbar: TrendToolbar;
}): TrendView {
  const { state, hidden, save, toolbar } = o;
  const { banner, statusLine, empty, emptyText, startButton, main, countBox, nodeSection, tbody, tooltip } = o.page;
  let nodeLabel = '';
  let sampling = false;
  let samples: TrendSample[] = [];
  let set: SeriesSet = emptySet();
  let colours = readSeriesColours(document);

  const countChart = lineChart(countBox, { height: 300, label: 'Cgroups over time per series' }).onHover((h) => showTooltip(h, (i) => countRows(set, hidden, i)));
  const charts = nodeCharts(nodeSection, (h, key, label) => showTooltip(h, (i) => nodeRows(set, key, label, i)));

  function colourOf(s: Series): string {
    return colours[set.series.indexOf(s) % colours.length]!;
  }

  function render(): void {
    const began = performance.now();
    const hasSamples = samples.length > 0;
    empty.hidden = hasSamples;
    main.hidden = !hasSamples;
    toolbar.root.hidden = !hasSamples;
    if (!hasSamples) {
      banner.hidden = true;
      emptyText.textContent = sampling
        ? 'No samples yet — trend sampling is running on this node; the first sample is on its way'
        : 'No samples yet — start trend sampling on this node';
      startButton.hidden = sampling;
      setStatus(`${nodeLabel}${sampling ? ' · sampling' : ''}`);
      return;
    }
    drawnWidth = main.clientWidth;
    const visible = set.series.filter((s) => !hidden.has(s.key));
    const lines = visible.flatMap((s) => {
      const colour = colourOf(s);
      const solid = { key: s.key, values: s.total, colour };
      return state.showDying && s.hasDying ? [solid, { key: `${s.key}\u0000dying`, values: s.dying, colour, dashed: true }] : [solid];
    });
    countChart.data({ times: set.times, lines, format: formatCount, zero: true });
    const charted = performance.now();
    performance.measure('trend-chart', { start: began, end: charted });
    let anyNode = false;
    for (const { key } of NODE_CHARTS) {
      const col = set.node.get(key);
      const c = charts.get(key)!;
      const has = col !== undefined && col.some((v) => Number.isFinite(v));
      c.box.hidden = !has;
      if (!has) continue;
      anyNode = true;
      c.chart.data({ times: set.times, lines: [{ key, values: col.map((v) => v * 1024), colour: colours[0]! }], format: bytesTick, zero: false });
    }
    nodeSection.hidden = !anyNode;
    const tabled = performance.now();
    const g = growth();
    fillGrowthTable(tbody, { series: set.series, byKey: g.byKey, spanSeconds: sampleSpanSeconds(set.times), hidden, colourOf, toggle });
    fillGrowthBanner(banner, g.findings);
    performance.measure('trend-growth', { start: tabled, end: performance.now() });
    const first = new Date(set.times[0]!);
    const last = new Date(set.times[set.times.length - 1]!);
    setStatus(
      [
        nodeLabel,
        `${formatCount(samples.length)} sample${samples.length === 1 ? '' : 's'}`,
        `${first.toLocaleString()} – ${last.toLocaleString()}`,
        `${visible.length} of ${set.series.length} series shown`,
        sampling ? 'sampling' : 'sampling off',
      ].join(' · '),
    );
    main.dataset.lines = String(lines.length);
    const end = performance.now();
    performance.measure('trend-render', { start: began, end });
  }

  /** Core's growth maths over the samples, computed once per change of the samples (not per redraw). */
  let samplesVersion = 0;
  let growthCache: { version: number; byKey: Map<string, Growth>; findings: Finding[] } | undefined;
  function growth(): NonNullable<typeof growthCache> {
    if (growthCache?.version !== samplesVersion) {
      growthCache = { version: samplesVersion, byKey: new Map(growthOf(samples).map((g) => [g.key, g])), findings: findGrowth(samples) };
    }
    return growthCache;
  }

  function setStatus(text: string): void {
    statusLine.textContent = text;
  }

  function showTooltip(h: ChartHover, rowsAt: (index: number) => TooltipRow[]): void {
    if (h.index === undefined) {
      tooltip.hidden = true;
      return;
    }
    fillTooltip(tooltip, { title: new Date(set.times[h.index]!).toLocaleString(), rows: rowsAt(h.index), warnings: [] });
    placeTooltip(tooltip, h.clientX, h.clientY);
  }

  function toggle(key: string): void {
    if (hidden.has(key)) hidden.delete(key);
    else hidden.add(key);
    save();
    toolbar.syncPicker();
    render();
  }

  // Redraw at a new width, and with new colours when VS Code swaps the theme.
  let resizeFrame = 0;
  let drawnWidth = -1;
  new ResizeObserver(() => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(() => {
      // Only a new width needs new paths (the observer also fires when the chart first shows).
      if (samples.length > 0 && main.clientWidth !== drawnWidth) render();
    });
  }).observe(main);
  onThemeChange(document, () => {
    colours = readSeriesColours(document);
    render();
  });

  return {
    init(nodeId, label, nowSampling, all) {
      nodeLabel = label;
      sampling = nowSampling;
      samples = all;
      samplesVersion++;
      set = seriesOf(samples);
      state.nodeId = nodeId;
      save();
      toolbar.fillPicker(set.series);
      render();
    },
    append(sample, kept, nowSampling) {
      sampling = nowSampling;
      samples.push(sample);
      samplesVersion++;
      // The host dropped its oldest samples: drop the same, and lay the columns out again.
      if (samples.length > Math.max(1, kept)) {
        samples.splice(0, samples.length - Math.max(1, kept));
        set = seriesOf(samples);
      } else appendSample(set, sample);
      toolbar.fillPicker(set.series);
      render();
    },
    setSampling(nowSampling) {
      sampling = nowSampling;
      render();
    },
    setStatus,
    seriesChanged() {
      save();
      render();
    },
    showDying(show) {
      state.showDying = show;
      save();
      render();
    },
  };
}
