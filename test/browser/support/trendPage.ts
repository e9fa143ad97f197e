import type { Browser } from 'playwright-core';
import { makeNonce, trendHtml } from '../../../src/extension/trends/trendHtml';
import { bundleMissing, openWebviewPage, type WebviewPage, type WebviewPageOptions } from './webviewPage';

/**
 * The REAL built trend bundle (dist/webview/trend.js) in Debian's Chromium, in the page the
 * extension makes (trendHtml: its CSP and nonce); support/webviewPage.ts hosts it as it does the
 * flame view (acquireVsCodeApi is the one stub) and the test plays the host.
 */
const ORIGIN = 'https://trend-webview.test';

export function trendBundleMissing(): string | undefined {
  return bundleMissing('trend.js', 'the trend bundle');
}

export type TrendPage = WebviewPage;

export function openTrendPage(browser: Browser, opts: WebviewPageOptions = {}): Promise<TrendPage> {
  const html = trendHtml({ cspSource: ORIGIN, nonce: makeNonce(), scriptUri: `${ORIGIN}/trend.js`, styleUri: `${ORIGIN}/trend.css` });
  return openWebviewPage(browser, ORIGIN, html, { ...opts, height: opts.height ?? 900 });
}
