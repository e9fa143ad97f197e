// The flame view's page script: builds the page and wires the toolbar, the view and the host together.
import { parseToWebview, type FromWebview } from '../../../src/protocol/flameProtocol';
import { hostChannel, type VsCodeApi } from '../shared/hostChannel';
import { flameView } from './flameView';
import { flameMessages } from './hostMessages';
import { flamePage } from './page';
import { restoreState, type PersistedState } from './persistedState';
import { flameToolbar } from './toolbar';
import '../shared/tooltip.css';
import './flame.css';

declare function acquireVsCodeApi(): VsCodeApi<FromWebview, PersistedState>;

const vscode = acquireVsCodeApi();
const state = restoreState(vscode.getState());
const save = (): void => vscode.setState(state);

const toolbar = flameToolbar({
  measure: (m) => view.setMeasure(m),
  hierarchy: (name) => view.setHierarchy(name),
  search: (text) => view.setSearch(text),
  findNext: (text, back) => view.goToMatch(text, back),
  compare() {
    if (view.comparing()) {
      view.stopComparing();
      return;
    }
    request(
      (requestId) => ({ type: 'compare', requestId }),
      (ok, message) => {
        if (!ok && message) view.notice(message);
      },
    );
  },
  refresh() {
    request(
      (requestId) => ({ type: 'refresh', requestId }),
      (ok, message) => {
        if (!ok && message) view.notice(message);
      },
    );
  },
  export(format) {
    const data = view.image(format);
    request(
      (requestId) => ({ type: 'export', requestId, format, data }),
      (ok, message) => view.notice(ok ? (message ?? 'exported') : (message ?? 'export failed')),
    );
  },
});
const page = flamePage(toolbar.root);
const host = hostChannel({ api: vscode, view: 'flame view', parse: parseToWebview });
const { post, request } = host;
const view = flameView({
  state,
  save,
  page,
  toolbar,
  selected: (hierarchy, path) => post({ type: 'select', hierarchy, path }),
  selectionChanged: (selected) => (page.revealButton.hidden = !selected),
});
page.revealButton.addEventListener('click', () => {
  const s = view.selection();
  if (s) post({ type: 'reveal', ...s });
});
toolbar.show(state.measure, state.search);

view.setStatus('Waiting for a snapshot…');
host.start(flameMessages(view, post));
