import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { makeNonce, trendHtml } from '../../src/extension/trends/trendHtml';
import { BUNDLE_DIR, CHROMIUM, setTheme, THEMES, type ThemeName } from './support/flamePage';

/**
 * Hosts the REAL built trend bundle (dist/webview/trend.js) in Debian's Chromium, in the page the
 * extension makes (trendHtml: its CSP and nonce), served from a stand-in resource origin, as
 * support/flamePage.ts does for the flame view. acquireVsCodeApi is stubbed by an init script
 * (outside VS Code the only way to host a webview): it records what the webview posts and keeps
 * its setState state; the test plays the host by posting messages to the window.
 */
const ORIGIN = 'https://trend-webview.test';

export function trendBundleMissing(): string | undefined {
  if (!existsSync(CHROMIUM)) return `no ${CHROMIUM} (apt-get install chromium)`;
  if (!existsSync(join(BUNDLE_DIR, 'trend.js'))) return 'the trend bundle is not built (npm run build)';
  return undefined;
}

function stubVsCodeApi(): void {
  const w = window as unknown as { __sent: unknown[]; __state: unknown; acquireVsCodeApi: () => unknown };
  w.__sent = [];
  w.__state = undefined;
  w.acquireVsCodeApi = () => ({
    postMessage: (m: unknown) => w.__sent.push(m),
    getState: () => w.__state,
    setState: (s: unknown) => {
      w.__state = s;
    },
  });
}

export interface TrendPage {
  page: Page;
  /** Errors the page reported (exceptions, console errors, CSP violations). */
  errors: string[];
}

export async function openTrendPage(browser: Browser, opts: { width?: number; height?: number; state?: unknown; theme?: ThemeName } = {}): Promise<TrendPage> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1200, height: opts.height ?? 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.addInitScript({ content: 'window.__name = (f) => f;' });
  await page.addInitScript(stubVsCodeApi);
  if (opts.state !== undefined) await page.addInitScript((s) => ((window as unknown as { __state: unknown }).__state = s), opts.state);
  const html = trendHtml({ cspSource: ORIGIN, nonce: makeNonce(), scriptUri: `${ORIGIN}/trend.js`, styleUri: `${ORIGIN}/trend.css` });
  const themed = html.replace('<body>', `<body class="${THEMES[opts.theme ?? 'dark'].bodyClass}">`);
  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/') return route.fulfill({ status: 200, contentType: 'text/html', body: themed });
    const name = url.pathname.slice(1);
    const file = join(BUNDLE_DIR, name);
    if (!/^[\w.-]+$/.test(name) || !existsSync(file)) return route.fulfill({ status: 404, body: '' });
    return route.fulfill({ status: 200, contentType: name.endsWith('.css') ? 'text/css' : 'text/javascript', body: readFileSync(file) });
  });
  await page.goto(`${ORIGIN}/`);
  await setTheme(page, opts.theme ?? 'dark');
  await page.waitForFunction(() => (window as unknown as { __sent: { type: string }[] }).__sent.some((m) => m.type === 'ready'));
  return { page, errors };
}

/** Posts host messages to the webview, as VS Code would (window 'message' events; plain JSON here). */
export async function post(page: Page, msgs: unknown[]): Promise<void> {
  await page.evaluate((list) => {
    for (const m of list) window.postMessage(m, '*');
  }, msgs);
}

export async function sentBy(page: Page): Promise<Record<string, unknown>[]> {
  return page.evaluate(() => (window as unknown as { __sent: Record<string, unknown>[] }).__sent);
}
