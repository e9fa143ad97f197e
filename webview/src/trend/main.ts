import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import type { Finding } from '../../../src/core/analysis/finding';
import { findGrowth, growthOf, type Growth } from '../../../src/core/trends/growth';
import { parseToWebview, type FromWebview, type NodeStatKey, type ToWebview, type TrendSample } from '../../../src/protocol/trendProtocol';
import type { ReplyMessage } from '../../../src/protocol/messages';
import { formatBytes, formatCount, scaleBytes } from '../../../src/core/report/format';
import { hostChannel, type VsCodeApi } from '../shared/hostChannel';
import { fillTooltip, placeTooltip, type TooltipRow } from '../tooltip';
import { lineChart, type ChartHover, type LineChart } from './lineChart';
import { appendSample, emptySet, formatRate, seriesOf, type Series, type SeriesSet } from './series';
import { readSeriesColours } from './theme';
import '../shared/tooltip.css';
import './trend.css';

/** What VS Code keeps across reloads (getState/setState) and hands to the panel serializer. */
export interface PersistedState {
  v: 1;
  /** The node shown, so a restored panel knows whose history to read. */
  nodeId?: string;
  /** Series keys the user hid (new series show by default). */
  hidden: string[];
  showDying: boolean;
}

declare function acquireVsCodeApi(): VsCodeApi<FromWebview, PersistedState>;

const vscode = acquireVsCodeApi();
const doc = document;

function restoreState(raw: unknown): PersistedState {
  const s: PersistedState = { v: 1, hidden: [], showDying: true };
  if (typeof raw !== 'object' || raw === null) return s;
  const r = raw as Record<string, unknown>;
  if (typeof r.nodeId === 'string') s.nodeId = r.nodeId;
  if (Array.isArray(r.hidden)) s.hidden = r.hidden.filter((k): k is string => typeof k === 'string').slice(0, 10_000);
  if (typeof r.showDying === 'boolean') s.showDying = r.showDying;
  return s;
}
const state = restoreState(vscode.getState());
const hidden = new Set(state.hidden);

function save(): void {
  state.hidden = [...hidden];
  vscode.setState(state);
}
const host = hostChannel({ api: vscode, view: 'trend view', parse: parseToWebview });
const { post, request } = host;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, id?: string): HTMLElementTagNameMap[K] {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (id) e.id = id;
  return e;
}

// ---- the page -------------------------------------------------------------------------------
const toolbar = el('div', 'toolbar');
const seriesLabel = el('span', 'tb-label');
seriesLabel.textContent = 'Series';
const picker = doc.createElement('vscode-multi-select');
picker.id = 'series';
picker.setAttribute('aria-label', 'Series shown');
const dyingBox = doc.createElement('vscode-checkbox');
dyingBox.id = 'show-dying';
dyingBox.label = 'Dying (dashed)';
dyingBox.checked = state.showDying;
toolbar.append(seriesLabel, picker, dyingBox);

const banner = el('div', 'banner', 'growth-banner');
banner.setAttribute('role', 'alert');
banner.hidden = true;
const statusLine = el('div', 'status', 'status');
statusLine.setAttribute('role', 'status');

const empty = el('div', 'empty', 'empty');
const emptyText = el('p', 'empty-text', 'empty-text');
const startButton = doc.createElement('vscode-button');
startButton.id = 'start-sampling';
startButton.textContent = 'Start trend sampling';
const emptyNote = el('p', 'empty-note', 'empty-note');
empty.append(emptyText, startButton, emptyNote);
empty.hidden = true;

const main = el('div', 'main', 'main');
const countBox = el('div', 'chart', 'count-chart');
const nodeSection = el('section', 'node-stats', 'node-stats');
const nodeTitle = el('h3', 'section-title');
nodeTitle.textContent = 'Node memory';
nodeSection.append(nodeTitle);
const table = el('table', 'growth-table', 'growth-table');
const head = table.createTHead().insertRow();
for (const h of ['Series', 'First → last', 'Growth', 'Dying first → last']) {
  const th = doc.createElement('th');
  th.textContent = h;
  head.appendChild(th);
}
const tbody = table.createTBody();
main.append(countBox, table, nodeSection);

const tooltip = el('div', 'tooltip', 'tooltip');
tooltip.hidden = true;
main.hidden = true;
toolbar.hidden = true;
doc.body.append(toolbar, banner, statusLine, empty, main, tooltip);

// ---- state of the view ----------------------------------------------------------------------
let nodeLabel = '';
let sampling = false;
let samples: TrendSample[] = [];
let set: SeriesSet = emptySet();
let colours = readSeriesColours(doc);

const countChart = lineChart(countBox, { height: 300, label: 'Cgroups over time per series' }).onHover((h) => showTooltip(h, countTooltip));

/** The node stats drawn, each in a small chart of its own (their scales differ by orders). */
const NODE_CHARTS: { key: NodeStatKey; label: string }[] = [
  { key: 'memAvailableKb', label: 'MemAvailable' },
  { key: 'slabKb', label: 'Slab' },
  { key: 'percpuKb', label: 'Percpu' },
];
const nodeCharts = new Map<NodeStatKey, { box: HTMLElement; chart: LineChart }>();
for (const n of NODE_CHARTS) {
  const box = el('div', 'node-chart');
  box.dataset.stat = n.key;
  const caption = el('div', 'node-caption');
  caption.textContent = n.label;
  box.appendChild(caption);
  const chart = lineChart(box, { height: 90, label: `${n.label} over time` }).onHover((h) => showTooltip(h, (i) => nodeTooltip(n.key, n.label, i)));
  nodeSection.appendChild(box);
  nodeCharts.set(n.key, { box, chart });
}

function colourOf(s: Series): string {
  return colours[set.series.indexOf(s) % colours.length]!;
}

// ---- drawing --------------------------------------------------------------------------------
function render(): void {
  const began = performance.now();
  const hasSamples = samples.length > 0;
  empty.hidden = hasSamples;
  main.hidden = !hasSamples;
  toolbar.hidden = !hasSamples;
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
    const c = nodeCharts.get(key)!;
    const has = col !== undefined && col.some((v) => Number.isFinite(v));
    c.box.hidden = !has;
    if (!has) continue;
    anyNode = true;
    c.chart.data({ times: set.times, lines: [{ key, values: col.map((v) => v * 1024), colour: colours[0]! }], format: bytesTick, zero: false });
  }
  nodeSection.hidden = !anyNode;
  const tabled = performance.now();
  fillTable();
  fillBanner();
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

function fillTable(): void {
  const byKey = growth().byKey;
  const rate = (s: Series): number => byKey.get(s.key)?.perHour ?? -Infinity;
  const rows = [...set.series].sort((a, b) => rate(b) - rate(a));
  tbody.replaceChildren(
    ...rows.map((s) => {
      const tr = doc.createElement('tr');
      tr.dataset.key = s.key;
      if (hidden.has(s.key)) tr.className = 'hidden-series';
      const name = doc.createElement('td');
      const swatch = el('span', 'swatch');
      swatch.style.background = colourOf(s);
      const text = el('span', 'series-name');
      text.textContent = s.label;
      name.append(swatch, text);
      const g = byKey.get(s.key);
      const cells = [
        g ? `${formatCount(g.first)} → ${formatCount(g.last)}` : `${formatCount(lastValue(s.total))}`,
        g ? formatRate(g.perHour) : '—',
        g && g.dyingFirst !== undefined && g.dyingLast !== undefined ? `${formatCount(g.dyingFirst)} → ${formatCount(g.dyingLast)}` : s.hasDying ? formatCount(lastValue(s.dying)) : '—',
      ].map((t, k) => {
        const td = doc.createElement('td');
        td.className = ['first-last', 'rate', 'dying'][k]!;
        td.textContent = t;
        return td;
      });
      tr.append(name, ...cells);
      // A row toggles its series, as the picker does.
      tr.addEventListener('click', () => toggle(s.key));
      return tr;
    }),
  );
}

/** Bytes in the unit of the value, with as many decimals as the tick step needs (3.812 GiB, 3.814 GiB). */
function bytesTick(v: number, step: number): string {
  // The unit comes from the one byte formatter's scale; only the decimals are the axis's own.
  const { value, unit, divisor } = scaleBytes(v);
  const decimals = Math.min(3, Math.max(0, Math.ceil(-Math.log10(step / divisor))));
  return `${value.toFixed(decimals)} ${unit}`;
}

function lastValue(values: readonly number[]): number {
  for (let i = values.length - 1; i >= 0; i--) if (Number.isFinite(values[i]!)) return values[i]!;
  return NaN;
}

function fillBanner(): void {
  const findings = growth().findings;
  banner.hidden = findings.length === 0;
  const title = el('div', 'banner-title');
  title.textContent = findings.length === 1 ? 'Sustained cgroup growth' : `Sustained cgroup growth in ${findings.length} series`;
  const list = el('ul');
  for (const f of findings) {
    const li = doc.createElement('li');
    li.textContent = f.title;
    list.appendChild(li);
  }
  banner.replaceChildren(title, list);
}

function setStatus(text: string): void {
  statusLine.textContent = text;
}

// ---- tooltip --------------------------------------------------------------------------------
function showTooltip(h: ChartHover, rowsAt: (index: number) => TooltipRow[]): void {
  if (h.index === undefined) {
    tooltip.hidden = true;
    return;
  }
  fillTooltip(tooltip, { title: new Date(set.times[h.index]!).toLocaleString(), rows: rowsAt(h.index), warnings: [] });
  placeTooltip(tooltip, h.clientX, h.clientY);
}

function countTooltip(i: number): TooltipRow[] {
  const rows = set.series
    .filter((s) => !hidden.has(s.key) && Number.isFinite(s.total[i]!))
    .sort((a, b) => b.total[i]! - a.total[i]!)
    .map((s) => ({ label: s.label, value: `${formatCount(s.total[i]!)}${Number.isFinite(s.dying[i]!) ? ` (${formatCount(s.dying[i]!)} dying)` : ''}` }));
  return rows.length > 24 ? [...rows.slice(0, 24), { label: '…', value: `${rows.length - 24} more` }] : rows;
}

function nodeTooltip(key: NodeStatKey, label: string, i: number): TooltipRow[] {
  const v = set.node.get(key)?.[i];
  return [{ label, value: v === undefined || !Number.isFinite(v) ? '–' : formatBytes(v * 1024) }];
}

// ---- the series picker ----------------------------------------------------------------------
let pickerKeys: string[] = [];
function fillPicker(): void {
  const keys = set.series.map((s) => s.key);
  if (keys.length === pickerKeys.length && keys.every((k, i) => k === pickerKeys[i])) {
    syncPicker();
    return;
  }
  pickerKeys = keys;
  picker.replaceChildren(
    ...set.series.map((s) => {
      const o = doc.createElement('vscode-option');
      o.value = s.key;
      o.textContent = s.label;
      o.selected = !hidden.has(s.key);
      return o;
    }),
  );
  // The select reads new options only after its slot settles.
  requestAnimationFrame(syncPicker);
}
function syncPicker(): void {
  picker.value = pickerKeys.filter((k) => !hidden.has(k));
}
picker.addEventListener('change', () => {
  const shown = new Set(picker.value);
  hidden.clear();
  for (const k of pickerKeys) if (!shown.has(k)) hidden.add(k);
  save();
  render();
});
function toggle(key: string): void {
  if (hidden.has(key)) hidden.delete(key);
  else hidden.add(key);
  save();
  syncPicker();
  render();
}
dyingBox.addEventListener('change', () => {
  state.showDying = dyingBox.checked;
  save();
  render();
});

startButton.addEventListener('click', () => {
  emptyNote.textContent = 'Starting…';
  request(
    (requestId) => ({ type: 'startSampling', requestId }),
    (ok, message) => {
      emptyNote.textContent = ok ? 'Sampling started: the chart fills as samples arrive.' : (message ?? 'sampling could not be started');
    },
  );
});

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
const themeObserver = new MutationObserver(() => {
  colours = readSeriesColours(doc);
  render();
});
themeObserver.observe(doc.body, { attributes: true, attributeFilter: ['class'] });
themeObserver.observe(doc.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });

// ---- messages from the host -----------------------------------------------------------------
function onMessage(m: Exclude<ToWebview, ReplyMessage>): void {
  switch (m.type) {
    case 'init':
      nodeLabel = m.label;
      sampling = m.sampling;
      samples = m.samples;
      samplesVersion++;
      set = seriesOf(samples);
      state.nodeId = m.nodeId;
      save();
      fillPicker();
      render();
      return;
    case 'append': {
      sampling = m.sampling;
      samples.push(m.sample);
      samplesVersion++;
      // The host dropped its oldest samples: drop the same, and lay the columns out again.
      if (samples.length > Math.max(1, m.kept)) {
        samples.splice(0, samples.length - Math.max(1, m.kept));
        set = seriesOf(samples);
      } else appendSample(set, m.sample);
      fillPicker();
      render();
      return;
    }
    case 'sampling':
      sampling = m.sampling;
      render();
      return;
    default: {
      const never: never = m;
      post({ type: 'log', level: 'warn', message: `trend view: unhandled message ${JSON.stringify(never)}` });
    }
  }
}

setStatus('Waiting for samples…');
host.start(onMessage);
