import { onThemeChange } from '../shared/themeChange';
import { fillTooltip, placeTooltip } from '../shared/tooltip';
import { fillBreadcrumb } from './breadcrumb';
import { icicle, type HoverInfo } from './icicle';
import { ancestry, nextMatch, searchMatches, shortLabel, type Measure } from './layout';
import type { FlameHierarchy, FlameSnapshot } from './model';
import type { FlamePage } from './page';
import type { PersistedState } from './persistedState';
import { identityWords } from './searchIndex';
import { findPath, layOut, leakMarksOf, pickHierarchy, type Shown } from './shownHierarchy';
import { statusText } from './statusText';
import { readPalette } from './theme';
import type { FlameToolbar } from './toolbar';
import { flameTooltip } from './tooltipContent';

/** The flame view's state on screen (snapshots, the hierarchy drawn, the last notice) and what changes it. */
export interface FlameView {
  /** A snapshot has arrived whole. */
  snapshot(s: FlameSnapshot): void;
  /** The tree's "Show in flame view". */
  focus(hierarchy: string, path: string): void;
  /** A line for the status bar (a reply, an error from the host). */
  notice(text: string, level?: 'info' | 'error'): void;
  setStatus(text: string): void;
  setMeasure(m: Measure): void;
  setHierarchy(name: string): void;
  setSearch(text: string): void;
  /** Enter in the search box: select and zoom to the next match (the first one the first time). */
  goToMatch(text: string, back: boolean): void;
  /** The selected cgroup (hierarchy and display path), for "Reveal in Nodes". */
  selection(): { hierarchy: string; path: string } | undefined;
  comparing(): boolean;
  stopComparing(): void;
  /** The chart as SVG text or a PNG's base64. */
  image(format: 'svg' | 'png'): string;
}

export function flameView(o: {
  state: PersistedState;
  save(): void;
  page: FlamePage;
  toolbar: FlameToolbar;
  /** A cell was selected: the host reveals it in the Nodes tree if that view is visible. */
  selected(hierarchy: string, path: string): void;
  /** Whether a cell is selected (the page offers "Reveal in Nodes" then). */
  selectionChanged?(selected: boolean): void;
}): FlameView {
  const { state, save, toolbar } = o;
  const { statusLine, breadcrumb, chartBox, tooltip } = o.page;
  let current: FlameSnapshot | undefined;
  let baseline: FlameSnapshot | undefined;
  let shown: Shown | undefined;
  let searchIds: { h: FlameHierarchy; ids: string[][] } | undefined;
  let infoMessage = '';

  let framesMeasured = 0;
  const chart = icicle(chartBox)
    .palette(readPalette(document))
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
      o.selectionChanged?.(true);
      o.selected(shown.h.name, state.selectedPath);
    })
    .onHover(showTooltip);
  onThemeChange(document, () => chart.palette(readPalette(document)));

  /** Lays out the chosen hierarchy under the chosen measure (growth when comparing) and draws it. */
  function render(): void {
    const s = current;
    if (!s) return;
    const h = pickHierarchy(s, state.hierarchy);
    if (!h) {
      setStatus('The snapshot holds no cgroup hierarchy.');
      return;
    }
    state.hierarchy = h.name;
    const laid = layOut(h, baseline, state.measure);
    shown = laid.shown;
    const focus = findPath(shown, state.zoomPath) ?? 0;
    const selected = findPath(shown, state.selectedPath);
    const { fresh } = laid;
    chart.data({ layout: shown.layout, parent: h.parent, names: h.names, kinds: h.kinds, marks: leakMarksOf(h), label: (i) => shortLabel(h.names[i]!, h.kinds[i]!), ...(fresh ? { fresh } : {}) }, focus, selected);
    chartBox.dataset.focus = shown.paths[chart.focused()] ?? '/';
    o.selectionChanged?.(chart.selected() !== undefined);
    applySearch();
    updateBreadcrumb();
    updateStatus();
    toolbar.setComparing(baseline !== undefined);
    save();
    performance.mark('flame-rendered');
  }

  /** The search marks of the hierarchy shown (1 on a match), or undefined without a query. */
  function applySearch(): Uint8Array | undefined {
    if (!shown) return undefined;
    const q = state.search.trim();
    if (q === '') {
      chart.highlight(undefined);
      chartBox.dataset.matches = '0';
      return undefined;
    }
    if (!searchIds || searchIds.h !== shown.h) searchIds = { h: shown.h, ids: identityWords(shown.h) };
    const { marks, count } = searchMatches(shown.h, shown.paths, searchIds.ids, q);
    chartBox.dataset.matches = String(count);
    chart.highlight(marks);
    updateStatus(count);
    return marks;
  }

  function setStatus(text: string): void {
    statusLine.textContent = text;
  }

  function updateStatus(matches?: number): void {
    if (!current || !shown) return;
    setStatus(statusText({ current, shown, measure: state.measure, baseline, search: state.search, matches, notice: infoMessage }));
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
    const content = flameTooltip(info, { shown, measure: state.measure, comparing: baseline !== undefined, focusValue: shown.layout.value[chart.focused()]!, marks: leakMarksOf(shown.h) });
    fillTooltip(tooltip, content);
    placeTooltip(tooltip, info.clientX, info.clientY);
  }

  function notice(text: string): void {
    infoMessage = text;
    if (shown) updateStatus();
    else setStatus(text);
  }

  return {
    snapshot(s) {
      infoMessage = '';
      if (s.role === 'baseline') baseline = s;
      else {
        current = s;
        state.source = s.source;
        if (baseline && baseline.takenAt >= s.takenAt) baseline = undefined;
      }
      toolbar.fillHierarchies(current ?? s, current ? pickHierarchy(current, state.hierarchy) : undefined, (name) => state.hierarchy === name);
      render();
    },
    focus(hierarchy, path) {
      if (current && hierarchy !== state.hierarchy && current.hierarchies.some((h) => h.name === hierarchy)) {
        state.hierarchy = hierarchy;
        toolbar.selectHierarchy(hierarchy);
        render();
      }
      const i = findPath(shown, path);
      if (i === undefined) {
        notice(`${path} is not in this view`);
        return;
      }
      state.selectedPath = path;
      chart.select(i).zoomTo(i);
      o.selectionChanged?.(true);
      save();
    },
    notice(text, level) {
      if (level === 'error') statusLine.classList.add('error');
      else if (level === 'info') statusLine.classList.remove('error');
      notice(text);
    },
    setStatus,
    setMeasure(m) {
      state.measure = m;
      render();
    },
    setHierarchy(name) {
      state.hierarchy = name;
      delete state.zoomPath;
      delete state.selectedPath;
      render();
    },
    setSearch(text) {
      state.search = text;
      save();
      applySearch();
    },
    goToMatch(text, back) {
      state.search = text;
      const marks = applySearch();
      if (!shown || !marks) return;
      const i = nextMatch(shown.layout, marks, chart.selected(), back);
      if (i === undefined) {
        notice(`no cell matches ${JSON.stringify(text.trim())}`);
        return;
      }
      state.selectedPath = shown.paths[i]!;
      chart.select(i).zoomTo(i);
      save();
      o.selectionChanged?.(true);
      o.selected(shown.h.name, state.selectedPath);
    },
    selection() {
      const i = chart.selected();
      return shown && i !== undefined ? { hierarchy: shown.h.name, path: shown.paths[i]! } : undefined;
    },
    comparing: () => baseline !== undefined,
    stopComparing() {
      baseline = undefined;
      render();
    },
    image: (format) => (format === 'svg' ? chart.toSvg() : chart.toPng()),
  };
}
