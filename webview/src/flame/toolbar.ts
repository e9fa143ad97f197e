import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { formatCount } from '../../../src/core/report/format';
import { el } from '../shared/dom';
import { MEASURE_LABELS, MEASURES, type Measure } from './layout';
import { toolbarOverflow } from './toolbarOverflow';
import type { FlameHierarchy, FlameSnapshot } from './model';

/** What the toolbar's controls ask of the view. */
export interface ToolbarHandlers {
  measure(m: Measure): void;
  hierarchy(name: string): void;
  /** The search text, once typing pauses. */
  search(text: string): void;
  /** Enter (Shift+Enter: backwards) in the search box: go to the next match. */
  findNext(text: string, back: boolean): void;
  compare(): void;
  refresh(): void;
  export(format: 'svg' | 'png'): void;
}

export interface FlameToolbar {
  root: HTMLElement;
  /** Shows the saved measure and search; call once the toolbar is in the page. */
  show(measure: Measure, search: string): void;
  /** Offers the snapshot's hierarchies, `chosen` selected; `stillChosen` says whether it still is a frame later. */
  fillHierarchies(s: FlameSnapshot, chosen: FlameHierarchy | undefined, stillChosen: (name: string) => boolean): void;
  /** Selects a hierarchy the host asked for. */
  selectHierarchy(name: string): void;
  /** "Stop comparing" while a baseline is shown. */
  setComparing(comparing: boolean): void;
}

function button(id: string, text: string): HTMLElement {
  const b = document.createElement('vscode-button');
  b.id = id;
  b.textContent = text;
  b.setAttribute('secondary', '');
  return b;
}

function label(text: string): HTMLSpanElement {
  const s = el('span', 'tb-label');
  s.textContent = text;
  return s;
}

/** The flame view's toolbar: width measure, hierarchy, search, compare, refresh and export, in one row (what does not fit in the "…" menu). */
export function flameToolbar(on: ToolbarHandlers): FlameToolbar {
  const doc = document;
  const root = el('div', 'toolbar');
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
  const compareButton = button('compare', 'Compare…');
  const refreshButton = button('refresh', 'Refresh');
  const svgButton = button('export-svg', 'SVG');
  const pngButton = button('export-png', 'PNG');
  const exportLabel = label('Export');
  root.append(label('Width'), measureSelect, label('Hierarchy'), hierarchySelect, searchField, compareButton, refreshButton, exportLabel, svgButton, pngButton);
  // In a narrow (split) editor the buttons that do not fit go to a "…" menu, export first.
  const overflow = toolbarOverflow(root, [
    { elements: [compareButton], items: () => [{ label: compareButton.textContent ?? 'Compare…', run: () => on.compare() }] },
    { elements: [refreshButton], items: () => [{ label: 'Refresh', run: () => on.refresh() }] },
    {
      elements: [exportLabel, svgButton, pngButton],
      items: () => [
        { label: 'Export SVG', run: () => on.export('svg') },
        { label: 'Export PNG', run: () => on.export('png') },
      ],
    },
  ]);

  return {
    root,
    show(measure, search) {
      measureSelect.value = measure;
      searchField.value = search;
      measureSelect.addEventListener('change', () => {
        const v = measureSelect.value;
        if (!(MEASURES as readonly string[]).includes(v)) return;
        on.measure(v as Measure);
      });
      hierarchySelect.addEventListener('change', () => on.hierarchy(hierarchySelect.value));
      let searchTimer = 0;
      searchField.addEventListener('input', () => {
        clearTimeout(searchTimer);
        searchTimer = window.setTimeout(() => on.search(searchField.value), 120);
      });
      searchField.addEventListener('keydown', (ev) => {
        if (ev.key !== 'Enter') return;
        ev.preventDefault();
        // The typed text now, not once the pause has passed.
        clearTimeout(searchTimer);
        on.findNext(searchField.value, ev.shiftKey);
      });
      compareButton.addEventListener('click', () => on.compare());
      refreshButton.addEventListener('click', () => on.refresh());
      svgButton.addEventListener('click', () => on.export('svg'));
      pngButton.addEventListener('click', () => on.export('png'));
      overflow.fit();
    },
    fillHierarchies(s, chosen, stillChosen) {
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
          if (stillChosen(chosen.name)) hierarchySelect.value = chosen.name;
        });
      }
    },
    selectHierarchy(name) {
      hierarchySelect.value = name;
    },
    setComparing(comparing) {
      compareButton.textContent = comparing ? 'Stop comparing' : 'Compare…';
      overflow.fit();
    },
  };
}
