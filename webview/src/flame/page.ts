import '@vscode-elements/elements/dist/vscode-button/index.js';
import { el } from '../shared/dom';

/** The parts of the flame view's page below the toolbar. */
export interface FlamePage {
  statusLine: HTMLElement;
  breadcrumb: HTMLElement;
  chartBox: HTMLElement;
  tooltip: HTMLElement;
  /** "Reveal in Nodes" (shown while a cell is selected). */
  revealButton: HTMLElement;
}

/** Colours of the chart as the legend names them (classes styled in flame.css). */
const LEGEND: [string, string][] = [
  ['slice', 'k-slice'],
  ['pod', 'k-pod'],
  ['container', 'k-container'],
  ['in pod', 'k-podOther'],
  ['system unit', 'k-system'],
  ['other', 'k-other'],
  ['orphan (see Findings)', 'm-orphan'],
  ['empty, not an orphan', 'm-empty'],
  ['dying-heavy', 'm-dying'],
  ['merged slivers', 'k-merged'],
];

/** Builds the page: the toolbar, the legend, the status line, the breadcrumb, the chart and its tooltip. */
export function flamePage(toolbar: HTMLElement): FlamePage {
  const doc = document;
  const legend = el('div', 'legend');
  for (const [text, cls] of LEGEND) {
    const item = el('span', 'legend-item');
    item.append(el('span', `swatch ${cls}`), doc.createTextNode(text));
    legend.appendChild(item);
  }
  const statusLine = el('div', 'status', 'status');
  statusLine.setAttribute('role', 'status');
  const breadcrumb = el('nav', 'breadcrumb', 'breadcrumb');
  breadcrumb.setAttribute('aria-label', 'Zoom path');
  // A click on a cell selects it; the Nodes tree shows it only on this explicit ask (or when visible).
  const revealButton = doc.createElement('vscode-button');
  revealButton.id = 'reveal';
  revealButton.textContent = 'Reveal in Nodes';
  revealButton.setAttribute('secondary', '');
  revealButton.title = 'Show the selected cgroup in the Nodes tree';
  revealButton.hidden = true;
  const crumbBar = el('div', 'crumb-bar');
  crumbBar.append(breadcrumb, revealButton);
  const chartBox = el('div', 'chart', 'chart');
  const tooltip = el('div', 'tooltip', 'tooltip');
  tooltip.hidden = true;
  doc.body.append(toolbar, legend, statusLine, crumbBar, chartBox, tooltip);
  return { statusLine, breadcrumb, chartBox, tooltip, revealButton };
}
