import type * as vscode from 'vscode';
import type { LogMessage, Parsed } from './webviewMessages';

/**
 * The host's end of a panel's protocol (the flame view's, the trend chart's): every message from
 * the webview is checked before the panel acts on it; a malformed one is logged and ignored, and a
 * handler that fails is logged, not thrown into VS Code's event loop.
 */
export function receiveFromWebview<From>(
  webview: vscode.Webview,
  o: {
    /** Names the view in log lines ("flame view"). */
    view: string;
    log: vscode.LogOutputChannel;
    parse: (raw: unknown) => Parsed<From>;
    handle: (m: From) => Promise<void>;
  },
): vscode.Disposable {
  return webview.onDidReceiveMessage((raw: unknown) => {
    const parsed = o.parse(raw);
    if (!parsed.ok) {
      o.log.warn(`${o.view}: ignored a message from the webview: ${parsed.error}`);
      return;
    }
    void o.handle(parsed.value).catch((e: unknown) => o.log.error(`${o.view}: ${e instanceof Error ? e.message : String(e)}`));
  });
}

/** A webview's 'log' message, into the extension's log at its level, after `prefix` ("webview"). */
export function logFromWebview(log: vscode.LogOutputChannel, prefix: string, m: LogMessage): void {
  if (m.level === 'error') log.error(`${prefix}: ${m.message}`);
  else if (m.level === 'warn') log.warn(`${prefix}: ${m.message}`);
  else log.info(`${prefix}: ${m.message}`);
}
