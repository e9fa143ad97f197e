import type * as vscode from 'vscode';
import { logFromWebview, receiveFromWebview, showBundle } from '../webviewHost';
import type { TrendHistory } from './trendHistory';
import { trendHtml } from './trendHtml';
import { parseFromWebview, type FromWebview, type ToWebview } from '../../protocol/trendProtocol';

export const TREND_VIEW_TYPE = 'cgroupForensics.trends';

export interface TrendHost {
  log: vscode.LogOutputChannel;
  /** The built webview folder (dist/webview): the only local resource root. */
  bundleDir: vscode.Uri;
  history: TrendHistory;
  /** Fires when sampling starts or stops for some node (the sampler has it; the contract does not require it). */
  onDidChangeSampling?: vscode.Event<void>;
  /** Starts background sampling of a node; a message for the user when it could not. */
  startSampling(nodeId: string): Promise<string | undefined>;
}

/**
 * One trend chart panel per node. It only reads the history: every sample on 'ready' (sent again
 * whenever the webview reloads, so it needs no retainContextWhenHidden) and each new one as it is
 * stored. What comes back from the webview is validated before anything acts on it.
 */
export class TrendPanel implements vscode.Disposable {
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];
  readonly onDidDispose: vscode.Event<void>;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly node: { id: string; label: string },
    private readonly host: TrendHost,
  ) {
    const webview = panel.webview;
    showBundle(webview, host.bundleDir, 'trend', trendHtml);
    panel.title = `Trends: ${node.label}`;
    this.onDidDispose = panel.onDidDispose;
    this.disposables.push(
      receiveFromWebview(webview, { view: 'trend view', log: host.log, parse: parseFromWebview, handle: (m) => this.handle(m) }),
      host.history.onDidSample((e) => {
        if (e.nodeId !== node.id || !this.ready) return;
        void this.post({ type: 'append', sample: e.sample, kept: host.history.samples(node.id).length, sampling: host.history.isSampling(node.id) });
      }),
      ...(host.onDidChangeSampling
        ? [
            host.onDidChangeSampling(() => {
              if (this.ready) void this.post({ type: 'sampling', sampling: host.history.isSampling(node.id) });
            }),
          ]
        : []),
      panel.onDidDispose(() => this.dispose()),
      // A hidden webview is torn down and says 'ready' again when shown: no appends meanwhile.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
    );
  }

  private post(m: ToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(m);
  }

  private async handle(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready': {
        this.ready = true;
        const { history } = this.host;
        await this.post({ type: 'init', nodeId: this.node.id, label: this.node.label, sampling: history.isSampling(this.node.id), samples: [...history.samples(this.node.id)] });
        return;
      }
      case 'startSampling': {
        const message = await this.host.startSampling(this.node.id);
        await this.post({ type: 'sampling', sampling: this.host.history.isSampling(this.node.id) });
        await this.post({ type: 'reply', requestId: m.requestId, ok: message === undefined, ...(message === undefined ? {} : { message }) });
        return;
      }
      case 'log':
        logFromWebview(this.host.log, 'trend webview', m);
        return;
      default: {
        const never: never = m;
        this.host.log.warn(`trend view: unhandled message ${JSON.stringify(never)}`);
      }
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
