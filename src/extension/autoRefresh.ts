import * as vscode from 'vscode';
import type { NodeManager } from './nodes/nodeManager';
import { affectsSettings, readSettings } from './settings';

/**
 * Refreshes connected nodes every cgroupForensics.refresh.intervalSeconds (0, the default, is
 * off): a snapshot costs the node a walk of every hierarchy, so it is never on unasked.
 */
export function startAutoRefresh(nodes: NodeManager, log: vscode.LogOutputChannel): vscode.Disposable {
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  // One for all automatic refreshes: disposing the extension stops those in flight.
  const controller = new AbortController();
  const arm = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
    const seconds = readSettings().refreshIntervalSeconds;
    if (seconds <= 0) return;
    timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const work = nodes.connected().map((c) => nodes.refresh(c.spec.id, controller.signal).catch((e: unknown) => log.debug(`auto refresh: ${String(e)}`)));
      void Promise.all(work).finally(() => (busy = false));
    }, Math.max(10, seconds) * 1000);
  };
  arm();
  const sub = vscode.workspace.onDidChangeConfiguration((e) => {
    if (affectsSettings(e)) arm();
  });
  return new vscode.Disposable(() => {
    sub.dispose();
    if (timer) clearInterval(timer);
    controller.abort();
  });
}
