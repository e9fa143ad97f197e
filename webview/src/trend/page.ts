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
  return { banner, statusLine, empty, emptyText, startButton, emptyNote, main, countBox, nodeSection, tbody, tooltip };
}
