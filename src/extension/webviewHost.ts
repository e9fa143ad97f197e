import * as vscode from 'vscode';
import { makeNonce } from './flame/html';
import type { LogMessage, Parsed } from '../protocol/messages';

/** What a panel's page is made from: the webview's resource origin, a fresh nonce and the bundle's URIs. */
export interface BundlePage {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

/**
 * Puts one of the built bundles (dist/webview/<bundle>.js and .css) in a panel's webview: scripts
 * on, local resources from the bundle folder only, and the page `html` makes (CSP by nonce).
 */
export function showBundle(webview: vscode.Webview, bundleDir: vscode.Uri, bundle: string, html: (p: BundlePage) => string): void {
  webview.options = { enableScripts: true, localResourceRoots: [bundleDir] };
  webview.html = html({
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(bundleDir, `${bundle}.js`)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(bundleDir, `${bundle}.css`)).toString(),
  });
}

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
