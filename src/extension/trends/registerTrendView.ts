import * as vscode from 'vscode';
import { isCancellation } from '../commandWrapper';
import { Commands } from '../commands/commandIds';
import { executeCommand } from '../commands/executeCommand';
import { ensureSnapshot, pickNode } from '../commands/pick';
import type { NodeManager } from '../nodes/nodeManager';
import type { TrendHistory } from './trendHistory';
import { TREND_VIEW_TYPE, TrendPanel, type TrendHost } from './trendPanel';

/** A history with nothing in it: the chart's empty state, for an extension without a sampler. */
const NO_HISTORY: TrendHistory = {
  samples: () => [],
  onDidSample: () => ({ dispose() {} }),
  isSampling: () => false,
};

/**
 * "Show Cgroup Trends": one chart panel per node over the background sampler's history (read
 * only). The chart's empty-state button runs the sampler's own start command for the node.
 * Returns the command's handler (registered in registerCommands.ts).
 */
export function registerTrendView(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  nodes: NodeManager,
  history: TrendHistory & { onDidChangeSampling?: vscode.Event<void> } = NO_HISTORY,
): { showTrends: (arg?: unknown) => Promise<TrendPanel> } {
  const panels = new Map<string, TrendPanel>();
  const host: TrendHost = {
    log,
    bundleDir: vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'),
    history,
    ...(history.onDidChangeSampling ? { onDidChangeSampling: history.onDidChangeSampling } : {}),
    async startSampling(nodeId) {
      try {
        // Sampling runs while a node is connected: connect first, as the button's user means it.
        await ensureSnapshot(nodes, nodeId);
        // The command reports its own failures (one message with "Show Log") and asks for the interval.
        await executeCommand(Commands.startTrendSampling, { nodeId });
      } catch (e) {
        return isCancellation(e) ? 'cancelled' : e instanceof Error ? e.message : String(e);
      }
      return history.isSampling(nodeId) ? undefined : 'trend sampling did not start (see the Cgroup Forensics log)';
    },
  };


  const panelFor = (nodeId: string, existing?: vscode.WebviewPanel): TrendPanel => {
    const open = panels.get(nodeId);
    if (open && !existing) {
      open.panel.reveal(undefined, false);
      return open;
    }
    const panel = existing ?? vscode.window.createWebviewPanel(TREND_VIEW_TYPE, `Trends: ${nodes.label(nodeId)}`, vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [host.bundleDir] });
    const p = new TrendPanel(panel, { id: nodeId, label: nodes.label(nodeId) }, host);
    panels.set(nodeId, p);
    p.onDidDispose(() => {
      if (panels.get(nodeId) === p) panels.delete(nodeId);
    });
    return p;
  };

  const showTrends = async (arg?: unknown) => panelFor(await pickNode(nodes, arg, 'Show the cgroup trends of which node?'));
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(TREND_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        // The webview keeps only its node id and view choices; the samples come from the history again.
        const nodeId = (state as { nodeId?: unknown } | undefined)?.nodeId;
        if (typeof nodeId !== 'string' || !nodes.spec(nodeId)) {
          panel.dispose();
          return;
        }
        panelFor(nodeId, panel);
      },
    }),
    { dispose: () => [...panels.values()].forEach((p) => p.dispose()) },
  );
  return { showTrends };
}
