import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { childIdentity, describeIdentity, identityOfPath, type CgroupIdentity } from '../../src/core/model/k8sIdentity';
import { parseToWebview, type FromWebview, type ToWebview } from '../../src/protocol/flameProtocol';
import type { ReplyMessage } from '../../src/protocol/messages';
import { formatBytes, formatCount, formatCpuTime } from '../../src/core/report/format';
import { formatMeasure, formatShare } from './format';
import { icicle, type HoverInfo } from './icicle';
import { ancestry, growthWeights, leakMarks, MARK, matchByPath, MEASURE_LABELS, MEASURES, partition, searchMatches, selfWeights, shortLabel, subtreeSums, type Layout, type Measure } from './layout';
import { pathsOf, SnapshotAssembler, type FlameHierarchy, type FlameSnapshot } from './model';
import { hostChannel, type VsCodeApi } from './shared/hostChannel';
import { readPalette } from './theme';
import { fillBreadcrumb, fillTooltip, placeTooltip, type TooltipContent } from './tooltip';
import './shared/tooltip.css';
import './flame.css';

/** What VS Code keeps across reloads (getState/setState) and hands to the panel serializer. */
export interface PersistedState {
  v: 1;
  measure: Measure;
  hierarchy?: string;
  zoomPath?: string;
  selectedPath?: string;
  search: string;
  /** The node id of the snapshot shown, so a restored panel knows what to scan again. */
  source?: string;
}

declare function acquireVsCodeApi(): VsCodeApi<FromWebview, PersistedState>;

const vscode = acquireVsCodeApi();
const doc = document;

function restoreState(raw: unknown): PersistedState {
  const s: PersistedState = { v: 1, measure: 'cgroups', search: '' };
  if (typeof raw !== 'object' || raw === null) return s;
  const r = raw as Record<string, unknown>;
  if (typeof r.measure === 'string' && (MEASURES as readonly string[]).includes(r.measure)) s.measure = r.measure as Measure;
  if (typeof r.hierarchy === 'string') s.hierarchy = r.hierarchy;
  if (typeof r.zoomPath === 'string') s.zoomPath = r.zoomPath;
  if (typeof r.selectedPath === 'string') s.selectedPath = r.selectedPath;
  if (typeof r.search === 'string') s.search = r.search;
  if (typeof r.source === 'string') s.source = r.source;
  return s;
}
const state = restoreState(vscode.getState());

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string): HTMLElementTagNameMap[K] {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  return e;
}

// ---- the page -------------------------------------------------------------------------------
const toolbar = el('div', 'toolbar');
const measureSelect = doc.createElement('vscode-single-select');
measureSelect.id = 'measure';
measureSelect.setAttribute('aria-label', 'Width by');
for (const m of MEASURES) {
  const o = doc.createElement('vscode-option');
  o.value = m;
  o.textContent = MEASURE_LABELS[m];
  measureSelect.appendChild(o);
}
const hierarchySelect = doc.createElement('vscode-single-select');
hierarchySelect.id = 'hierarchy';
hierarchySelect.setAttribute('aria-label', 'Hierarchy');
const searchField = doc.createElement('vscode-textfield');
searchField.id = 'search';
searchField.setAttribute('placeholder', 'Search name, pod UID, container ID');
const button = (id: string, text: string): HTMLElement => {
  const b = doc.createElement('vscode-button');
  b.id = id;
  b.textContent = text;
  b.setAttribute('secondary', '');
  return b;
};
const compareButton = button('compare', 'Compare…');
const refreshButton = button('refresh', 'Refresh');
const svgButton = button('export-svg', 'SVG');
const pngButton = button('export-png', 'PNG');
const label = (text: string): HTMLSpanElement => {
  const s = el('span', 'tb-label');
  s.textContent = text;
  return s;
};
toolbar.append(label('Width'), measureSelect, label('Hierarchy'), hierarchySelect, searchField, compareButton, refreshButton, label('Export'), svgButton, pngButton);

const legend = el('div', 'legend');
const legendItems: [string, string][] = [
  ['slice', 'k-slice'],
  ['pod', 'k-pod'],
  ['container', 'k-container'],
  ['in pod', 'k-podOther'],
  ['system unit', 'k-system'],
  ['other', 'k-other'],
  ['orphan (see Findings)', 'm-orphan'],
  ['dying-heavy', 'm-dying'],
  ['merged slivers', 'k-merged'],
];
for (const [text, cls] of legendItems) {
  const item = el('span', 'legend-item');
  item.append(el('span', `swatch ${cls}`), doc.createTextNode(text));
  legend.appendChild(item);
}
const statusLine = el('div', 'status');
statusLine.id = 'status';
statusLine.setAttribute('role', 'status');
const breadcrumb = el('nav', 'breadcrumb');
breadcrumb.id = 'breadcrumb';
breadcrumb.setAttribute('aria-label', 'Zoom path');
const chartBox = el('div', 'chart');
chartBox.id = 'chart';
const tooltip = el('div', 'tooltip');
tooltip.id = 'tooltip';
tooltip.hidden = true;
doc.body.append(toolbar, legend, statusLine, breadcrumb, chartBox, tooltip);

// ---- state of the view ----------------------------------------------------------------------
const assembler = new SnapshotAssembler();
let current: FlameSnapshot | undefined;
let baseline: FlameSnapshot | undefined;
let shown: { h: FlameHierarchy; paths: string[]; index: Map<string, number> | undefined; layout: Layout; before?: { h: FlameHierarchy; match: Int32Array; value: Float64Array; now: Float64Array } } | undefined;
let searchIds: { h: FlameHierarchy; ids: string[][] } | undefined;
let infoMessage = '';

const host = hostChannel({ api: vscode, view: 'flame view', parse: parseToWebview });
const { post, request } = host;
function save(): void {
  vscode.setState(state);
}

let framesMeasured = 0;
const chart = icicle(chartBox)
  .palette(readPalette(doc))
  .onFrame((ms) => {
    // Frame costs as User Timing entries (devtools and the benchmark read them), bounded.
    if (++framesMeasured % 2000 === 0) performance.clearMeasures('icicle-frame');
    const end = performance.now();
    performance.measure('icicle-frame', { start: end - ms, end });
  })
  .onZoom((i) => {
    if (!shown) return;
    state.zoomPath = shown.paths[i]!;
    chartBox.dataset.focus = state.zoomPath;
    save();
    updateBreadcrumb();
  })
  .onSelect((i) => {
    if (!shown) return;
    state.selectedPath = shown.paths[i]!;
    save();
    post({ type: 'select', hierarchy: shown.h.name, path: state.selectedPath });
  })
  .onHover(showTooltip);

// VS Code swaps the theme by changing <body>'s class and <html>'s style variables.
const themeObserver = new MutationObserver(() => chart.palette(readPalette(doc)));
themeObserver.observe(doc.body, { attributes: true, attributeFilter: ['class'] });
themeObserver.observe(doc.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });

function pickHierarchy(s: FlameSnapshot): FlameHierarchy | undefined {
  const wanted = s.hierarchies.find((h) => h.name === state.hierarchy);
  if (wanted) return wanted;
  // The unified hierarchy when it holds anything; else the biggest.
  const v2 = s.hierarchies.find((h) => h.kind === 'v2' && h.size > 1);
  if (v2) return v2;
  return [...s.hierarchies].sort((a, b) => b.size - a.size)[0];
}

function fillHierarchies(s: FlameSnapshot, chosen: FlameHierarchy | undefined): void {
  // Same hierarchies as before (a refresh): relabel in place. The select reads new options only
  // after its slot settles, so replacing them would leave it showing another hierarchy.
  const existing = [...hierarchySelect.querySelectorAll('vscode-option')];
  const same = existing.length === s.hierarchies.length && existing.every((o, k) => o.value === s.hierarchies[k]!.name);
  const options = same ? existing : s.hierarchies.map(() => doc.createElement('vscode-option'));
  s.hierarchies.forEach((h, k) => {
    const o = options[k]!;
    o.value = h.name;
    o.textContent = `${h.name} (${h.kind}, ${formatCount(h.size)})`;
    o.selected = h === chosen;
  });
  if (!same) hierarchySelect.replaceChildren(...options);
  if (chosen) {
    hierarchySelect.value = chosen.name;
    // And once more after the select has taken in new options.
    requestAnimationFrame(() => {
      if (state.hierarchy === chosen.name) hierarchySelect.value = chosen.name;
    });
  }
}

function findPath(path: string | undefined): number | undefined {
  if (!shown || path === undefined) return undefined;
  shown.index ??= new Map(shown.paths.map((p, i) => [p, i]));
  return shown.index.get(path);
}

/** Lays out the chosen hierarchy under the chosen measure (growth when comparing) and draws it. */
function render(): void {
  const s = current;
  if (!s) return;
  const h = pickHierarchy(s);
  if (!h) {
    setStatus('The snapshot holds no cgroup hierarchy.');
    return;
  }
  state.hierarchy = h.name;
  const paths = pathsOf(h);
  let self = selfWeights(h, state.measure);
  let before: NonNullable<typeof shown>['before'];
  let fresh: Uint8Array | undefined;
  const bh = baseline?.hierarchies.find((b) => b.name === h.name);
  if (bh) {
    const match = matchByPath(paths, pathsOf(bh));
    const selfBefore = selfWeights(bh, state.measure);
    const now = subtreeSums(h.parent, h.size, self);
    self = growthWeights(self, selfBefore, match);
    before = { h: bh, match, value: subtreeSums(bh.parent, bh.size, selfBefore), now };
    fresh = new Uint8Array(h.size);
    for (let i = 0; i < h.size; i++) fresh[i] = match[i]! < 0 ? 1 : 0;
  }
  const layout = partition(h.parent, h.size, self);
  shown = before ? { h, paths, index: undefined, layout, before } : { h, paths, index: undefined, layout };
  const focus = findPath(state.zoomPath) ?? 0;
  const selected = findPath(state.selectedPath);
  chart.data({ layout, parent: h.parent, names: h.names, kinds: h.kinds, marks: leakMarksCache(h), label: (i) => shortLabel(h.names[i]!, h.kinds[i]!), ...(fresh ? { fresh } : {}) }, focus, selected);
  chartBox.dataset.focus = paths[chart.focused()] ?? '/';
  applySearch();
  updateBreadcrumb();
  updateStatus();
  compareButton.textContent = baseline ? 'Stop comparing' : 'Compare…';
  save();
  performance.mark('flame-rendered');
}

function applySearch(): void {
  if (!shown) return;
  const q = state.search.trim();
  if (q === '') {
    chart.highlight(undefined);
    chartBox.dataset.matches = '0';
    return;
  }
  if (!searchIds || searchIds.h !== shown.h) searchIds = { h: shown.h, ids: identityWords(shown.h) };
  const { marks, count } = searchMatches(shown.h, shown.paths, searchIds.ids, q);
  chartBox.dataset.matches = String(count);
  chart.highlight(marks);
  updateStatus(count);
}

/** Pod UIDs and container IDs of every cgroup, for search, in one pass from the root down. */
function identityWords(h: FlameHierarchy): string[][] {
  const ids: CgroupIdentity[] = new Array<CgroupIdentity>(h.size);
  const out: string[][] = new Array<string[]>(h.size);
  for (let i = 0; i < h.size; i++) {
    ids[i] = i === 0 ? identityOfPath(h.basePath) : childIdentity(ids[h.parent[i]!], h.names[i]!);
    const k = ids[i]!.k8s;
    out[i] = k ? [k.podUid ?? '', k.containerId ?? ''].filter((w) => w !== '') : [];
  }
  return out;
}

function setStatus(text: string): void {
  statusLine.textContent = text;
}

function updateStatus(matches?: number): void {
  if (!current || !shown) return;
  const parts = [
    current.label,
    new Date(current.takenAt).toISOString().replace('T', ' ').slice(0, 19) + ' UTC',
    `${shown.h.name}: ${formatCount(shown.h.size)} cgroups`,
    `width: ${MEASURE_LABELS[state.measure]}${baseline ? ` growth since ${new Date(baseline.takenAt).toISOString().slice(11, 19)} UTC (${baseline.label})` : ''}`,
    `total ${formatMeasure(state.measure, shown.layout.total)}`,
  ];
  if (matches !== undefined && state.search.trim() !== '') parts.push(`${formatCount(matches)} match${matches === 1 ? '' : 'es'}`);
  if (shown.layout.total === 0) parts.push(baseline ? 'nothing grew' : `no ${MEASURE_LABELS[state.measure].toLowerCase()} data in this hierarchy`);
  if (infoMessage) parts.push(infoMessage);
  setStatus(parts.join(' · '));
}

function updateBreadcrumb(): void {
  if (!shown) return;
  const { layout, h } = shown;
  const p = layout.posOf[chart.focused()] ?? -1;
  const chain = p >= 0 ? ancestry(layout, h.parent, p) : [0];
  fillBreadcrumb(
    breadcrumb,
    chain.map((i) => ({ cgroup: i, label: i === 0 ? (h.basePath === '/' ? h.name : h.basePath) : h.names[i]! })),
    (i) => chart.zoomTo(i),
  );
}

function showTooltip(info: HoverInfo | undefined): void {
  if (!info || !shown) {
    tooltip.hidden = true;
    return;
  }
  fillTooltip(tooltip, tooltipFor(info));
  placeTooltip(tooltip, info.clientX, info.clientY);
}

function fullPath(h: FlameHierarchy, rel: string): string {
  if (h.basePath === '/' || h.basePath === '') return rel;
  return rel === '/' ? h.basePath : h.basePath + rel;
}

function tooltipFor(info: HoverInfo): TooltipContent {
  const { h, paths, layout, before } = shown!;
  if (info.cgroup < 0) return { title: `${formatCount(info.merged)} cgroups too narrow to draw`, subtitle: 'Click to zoom into their parent', rows: [], warnings: [] };
  const i = info.cgroup;
  const path = fullPath(h, paths[i]!);
  const identity = describeIdentity(identityOfPath(path));
  const kindName = ['other', 'slice', 'pod', 'container', 'system unit', 'in a pod'][h.kinds[i]!] ?? 'other';
  const st = h.stats;
  const value = layout.value[i]!;
  const focusValue = layout.value[chart.focused()]!;
  const rows = [
    { label: baseline ? `${MEASURE_LABELS[state.measure]} growth` : MEASURE_LABELS[state.measure], value: `${formatMeasure(state.measure, value)}  (${formatShare(value, layout.total)} of all, ${formatShare(value, focusValue)} of view)` },
  ];
  if (before) {
    const m = before.match[i]!;
    rows.push({ label: 'before → now', value: `${m < 0 ? 'absent' : formatMeasure(state.measure, before.value[m]!)} → ${formatMeasure(state.measure, before.now[i]!)}` });
  }
  rows.push(
    { label: 'kind', value: kindName },
    { label: 'memory', value: formatBytes(st.memory[i]!) },
    { label: 'CPU', value: formatCpuTime(st.cpuUsec[i]!) },
    { label: 'processes', value: formatCount(st.procs[i]!) },
    { label: 'pids', value: formatCount(st.pids[i]!) },
    { label: 'descendants', value: formatCount(st.nrDescendants[i]!) },
    { label: 'dying descendants', value: formatCount(st.nrDying[i]!) },
  );
  if (!h.seen[i]) rows.push({ label: 'note', value: 'implied by a child path; not read itself' });
  const warnings: string[] = [];
  const marks = leakMarksCache(h);
  if (marks[i]! & MARK.orphan) warnings.push('Orphan: the node\'s findings call this cgroup an orphan (no source on the node knows it); see the Findings view.');
  if (marks[i]! & MARK.dyingHeavy) warnings.push('Dying-heavy: the kernel still holds at least as many dying cgroups here as live ones.');
  // The freezer's state (cgroupTree FREEZER_STATE: 1 frozen, 2 freezing), own or an ancestor's.
  if (st.frozen[i] === 1 || st.frozen[i] === 2) warnings.push(`${st.frozen[i] === 2 ? 'Freezing' : 'Frozen'}: its processes are stopped by the cgroup freezer (see the frozen-cgroup finding).`);
  if (before && before.match[i]! < 0) warnings.push('New since the baseline snapshot.');
  return identity === undefined ? { title: path, rows, warnings } : { title: path, subtitle: identity, rows, warnings };
}

let marksCache: { h: FlameHierarchy; marks: Uint8Array } | undefined;
function leakMarksCache(h: FlameHierarchy): Uint8Array {
  if (!marksCache || marksCache.h !== h) marksCache = { h, marks: leakMarks(h) };
  return marksCache.marks;
}

// ---- toolbar --------------------------------------------------------------------------------
measureSelect.value = state.measure;
searchField.value = state.search;
measureSelect.addEventListener('change', () => {
  const v = measureSelect.value;
  if (!(MEASURES as readonly string[]).includes(v)) return;
  state.measure = v as Measure;
  render();
});
hierarchySelect.addEventListener('change', () => {
  state.hierarchy = hierarchySelect.value;
  delete state.zoomPath;
  delete state.selectedPath;
  render();
});
let searchTimer = 0;
searchField.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => {
    state.search = searchField.value;
    save();
    applySearch();
  }, 120);
});
compareButton.addEventListener('click', () => {
  if (baseline) {
    baseline = undefined;
    render();
    return;
  }
  request(
    (requestId) => ({ type: 'compare', requestId }),
    (ok, message) => {
      if (!ok && message) notice(message);
    },
  );
});
refreshButton.addEventListener('click', () => {
  request(
    (requestId) => ({ type: 'refresh', requestId }),
    (ok, message) => {
      if (!ok && message) notice(message);
    },
  );
});
for (const [button, format] of [
  [svgButton, 'svg'],
  [pngButton, 'png'],
] as const) {
  button.addEventListener('click', () => {
    const data = format === 'svg' ? chart.toSvg() : chart.toPng();
    request(
      (requestId) => ({ type: 'export', requestId, format, data }),
      (ok, message) => notice(ok ? (message ?? 'exported') : (message ?? 'export failed')),
    );
  });
}

function notice(text: string): void {
  infoMessage = text;
  if (shown) updateStatus();
  else setStatus(text);
}

// ---- messages from the host -----------------------------------------------------------------
function onMessage(m: Exclude<ToWebview, ReplyMessage>): void {
  switch (m.type) {
    case 'snapshotBegin':
      if (m.role === 'current') performance.mark('flame-snapshot-begin');
      assembler.begin(m);
      return;
    case 'snapshotChunk': {
      const problem = assembler.chunk(m);
      if (problem) post({ type: 'log', level: 'warn', message: `flame view: ${problem}` });
      return;
    }
    case 'snapshotEnd': {
      const s = assembler.end(m.snapshotId);
      if (typeof s === 'string') {
        post({ type: 'log', level: 'warn', message: `flame view: ${s}` });
        return;
      }
      infoMessage = '';
      if (s.role === 'baseline') baseline = s;
      else {
        current = s;
        state.source = s.source;
        if (baseline && baseline.takenAt >= s.takenAt) baseline = undefined;
      }
      fillHierarchies(current ?? s, current ? pickHierarchy(current) : undefined);
      render();
      return;
    }
    case 'focus': {
      if (current && m.hierarchy !== state.hierarchy && current.hierarchies.some((h) => h.name === m.hierarchy)) {
        state.hierarchy = m.hierarchy;
        hierarchySelect.value = m.hierarchy;
        render();
      }
      const i = findPath(m.path);
      if (i === undefined) {
        notice(`${m.path} is not in this view`);
        return;
      }
      state.selectedPath = m.path;
      chart.select(i).zoomTo(i);
      save();
      return;
    }
    case 'status':
      if (m.level === 'error') statusLine.classList.add('error');
      else statusLine.classList.remove('error');
      notice(m.message);
      return;
    default: {
      const never: never = m;
      post({ type: 'log', level: 'warn', message: `flame view: unhandled message ${JSON.stringify(never)}` });
    }
  }
}

setStatus('Waiting for a snapshot…');
host.start(onMessage);
