import type { Browser } from 'playwright-core';
import { flameHtml, makeNonce } from '../../../src/extension/flame/html';
import { bundleMissing, openWebviewPage, type WebviewPage, type WebviewPageOptions } from './webviewPage';

// bench/flame.bench.mjs loads the flame view through this file.
export { launchChromium, postToWebview } from './webviewPage';

/**
 * The REAL built flame bundle (dist/webview/flame.js) in Debian's Chromium, in the page the
 * extension makes (flameHtml, with its CSP and nonce); webviewPage.ts hosts it (acquireVsCodeApi
 * is the one stub) and the test plays the host.
 */
const ORIGIN = 'https://flame-webview.test';

export function chromiumMissing(): string | undefined {
  return bundleMissing('flame.js', 'the webview bundle');
}

export type FlamePage = WebviewPage;

export function openFlamePage(browser: Browser, opts: WebviewPageOptions = {}): Promise<FlamePage> {
  const html = flameHtml({ cspSource: ORIGIN, nonce: makeNonce(), scriptUri: `${ORIGIN}/flame.js`, styleUri: `${ORIGIN}/flame.css` });
  return openWebviewPage(browser, ORIGIN, html, { ...opts, height: opts.height ?? 700 });
}
