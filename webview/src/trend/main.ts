// The trend chart's page script: builds the page and wires the toolbar, the view and the host together.
import { parseToWebview, type FromWebview } from '../../../src/protocol/trendProtocol';
import { hostChannel, type VsCodeApi } from '../shared/hostChannel';
import { trendMessages } from './hostMessages';
import { trendPage } from './page';
import { restoreState, type PersistedState } from './persistedState';
import { trendToolbar } from './toolbar';
import { trendView } from './trendView';
import '../shared/tooltip.css';
import './trend.css';

declare function acquireVsCodeApi(): VsCodeApi<FromWebview, PersistedState>;

const vscode = acquireVsCodeApi();
const state = restoreState(vscode.getState());
const hidden = new Set(state.hidden);
function save(): void {
  state.hidden = [...hidden];
  vscode.setState(state);
}
const host = hostChannel({ api: vscode, view: 'trend view', parse: parseToWebview });
const { post, request } = host;

const toolbar = trendToolbar({ hidden, showDying: state.showDying, seriesChanged: () => view.seriesChanged(), dyingChanged: (show) => view.showDying(show) });
const page = trendPage(toolbar.root);
const view = trendView({ state, hidden, save, page, toolbar });

page.startButton.addEventListener('click', () => {
  page.emptyNote.textContent = 'Starting…';
  request(
    (requestId) => ({ type: 'startSampling', requestId }),
    (ok, message) => {
      page.emptyNote.textContent = ok ? 'Sampling started: the chart fills as samples arrive.' : (message ?? 'sampling could not be started');
    },
  );
});

view.setStatus('Waiting for samples…');
host.start(trendMessages(view, post));
