import '@vscode-elements/elements/dist/vscode-button/index.js';
import { el } from '../shared/dom';

/** The parts of the trend view's page below the toolbar. */
export interface TrendPage {
  banner: HTMLElement;
  statusLine: HTMLElement;
  /** The empty state (no samples yet): its text, the start button and a note on what the button did. */
  empty: HTMLElement;
  emptyText: HTMLElement;
  startButton: HTMLElement;
  emptyNote: HTMLElement;
  /** The charts and the growth table, shown once there are samples. */
  main: HTMLElement;
  countBox: HTMLElement;
  nodeSection: HTMLElement;
  tbody: HTMLTableSectionElement;
  tooltip: HTMLElement;
}

/** Builds the page: the toolbar, the growth banner, the status line, the empty state, the charts with the growth table, and the tooltip. */
export function trendPage(toolbar: HTMLElement): TrendPage {
  const doc = document;
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
  const countTitle = el('h3', 'section-title', 'count-title');
  countTitle.textContent = 'Cgroups per series (live + dying; dashed: dying)';
  const countBox = el('div', 'chart', 'count-chart');
  const nodeSection = el('section', 'node-stats', 'node-stats');
  const nodeTitle = el('h3', 'section-title');
  nodeTitle.textContent = 'Node memory';
  nodeSection.append(nodeTitle);
  const table = el('table', 'growth-table', 'growth-table');
  const head = table.createTHead().insertRow();
  // The counts here are live + dying (what a leak grows); the Nodes tree counts live cgroups only.
  for (const [h, title] of [
    ['Series', ''],
    ['Cgroups, live + dying: first → last', 'Live and dying cgroups together (the Nodes tree counts live ones only)'],
    ['Growth (live + dying)', 'Least-squares rate over the samples, shown once they span enough time'],
    ['Dying: first → last', ''],
  ] as const) {
    const th = doc.createElement('th');
    th.textContent = h;
    if (title) th.title = title;
    head.appendChild(th);
  }
  const tbody = table.createTBody();
  main.append(countTitle, countBox, table, nodeSection);

  const tooltip = el('div', 'tooltip', 'tooltip');
  tooltip.hidden = true;
  main.hidden = true;
  toolbar.hidden = true;
  doc.body.append(toolbar, banner, statusLine, empty, main, tooltip);
  return { banner, statusLine, empty, emptyText, startButton, emptyNote, main, countBox, nodeSection, tbody, tooltip };
}
