import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

/**
 * Hosts a REAL built webview bundle (dist/webview) in Debian's Chromium, in the page the extension
 * makes (with its CSP and nonce), served from a stand-in resource origin. acquireVsCodeApi is
 * stubbed by an init script: outside VS Code that stub is the only way to host a webview. It
 * records what the webview posts and keeps its setState state; the test plays the host by posting
 * messages to the window, as VS Code does. flamePage.ts and trendPage.ts open their views here.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
export const BUNDLE_DIR = join(__dirname, '..', '..', '..', 'dist', 'webview');

/** Why a bundle (a file of dist/webview) cannot be shown here, or undefined. */
export function bundleMissing(file: string, what: string): string | undefined {
  if (!existsSync(CHROMIUM)) return `no ${CHROMIUM} (apt-get install chromium)`;
  if (!existsSync(join(BUNDLE_DIR, file))) return `${what} is not built (npm run build)`;
  return undefined;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** The acquireVsCodeApi stub (runs before the page's scripts; CSP does not apply to it). */
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

export interface WebviewPage {
  page: Page;
  /** Errors the page reported (exceptions, console errors, CSP violations). */
  errors: string[];
}

export interface WebviewPageOptions {
  width?: number;
  height?: number;
  /** What getState() returns at first (a restored panel). */
  state?: unknown;
  theme?: ThemeName;
}

/**
 * Opens `html` (the panel's page, its resources named `${origin}/<file of dist/webview>`) at
 * `origin` and waits for the webview's 'ready'.
 */
export async function openWebviewPage(browser: Browser, origin: string, html: string, opts: WebviewPageOptions & { height: number }): Promise<WebviewPage> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1200, height: opts.height } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  // Functions handed to the page are serialised from tsx-compiled code, which may call esbuild's
  // __name helper (keepNames); give the page a no-op one.
  await page.addInitScript({ content: 'window.__name = (f) => f;' });
  await page.addInitScript(stubVsCodeApi);
  if (opts.state !== undefined) await page.addInitScript((s) => ((window as unknown as { __state: unknown }).__state = s), opts.state);
  const themed = html.replace('<body>', `<body class="${THEMES[opts.theme ?? 'dark'].bodyClass}">`);
  await page.route(`${origin}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/') return route.fulfill({ status: 200, contentType: 'text/html', body: themed });
    const name = url.pathname.slice(1);
    const file = join(BUNDLE_DIR, name);
    if (!/^[\w.-]+$/.test(name) || !existsSync(file)) return route.fulfill({ status: 404, body: '' });
    return route.fulfill({ status: 200, contentType: name.endsWith('.css') ? 'text/css' : 'text/javascript', body: readFileSync(file) });
  });
  await page.goto(`${origin}/`);
  await setTheme(page, opts.theme ?? 'dark');
  await page.waitForFunction(() => (window as unknown as { __sent: { type: string }[] }).__sent.some((m) => m.type === 'ready'));
  return { page, errors };
}

/** For afterEach: a test that passed must have left no error on its page. */
export function assertNoPageErrors(test: Mocha.Test | undefined, view: WebviewPage | undefined): void {
  if (view && test?.state === 'passed') assert.deepEqual(view.errors, [], 'the page reported errors');
}

type Wire = unknown;
/**
 * Messages cross into the page as one JSON string (page.evaluate's own serialiser takes ~10 s for
 * a day of trend samples, 60,000 small objects, on a loaded machine; JSON.parse a second). Typed
 * arrays go as base64, and the values JSON would change (NaN, infinities, -0, undefined) as
 * tagged objects, so the page receives what the test posted.
 */
function toWire(v: unknown): Wire {
  if (ArrayBuffer.isView(v)) {
    const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    return { __typed: v.constructor.name, b64: b.toString('base64') };
  }
  if (v === undefined) return { __undefined: true };
  if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return { __number: Object.is(v, -0) ? '-0' : String(v) };
  if (Array.isArray(v)) return v.map(toWire);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWire(x)]));
  return v;
}

/** Posts host messages to the webview, as VS Code would (window 'message' events). */
export async function postToWebview(page: Page, msgs: Iterable<unknown>): Promise<void> {
  const wire = JSON.stringify([...msgs].map(toWire));
  await page.evaluate((json) => {
    const ctors: Record<string, new (b: ArrayBuffer) => unknown> = { Int32Array, Uint8Array, Float64Array };
    const fromWire = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(fromWire);
      if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.__typed === 'string' && typeof o.b64 === 'string') {
          const bin = atob(o.b64);
          const bytes = new Uint8Array(bin.length);
          for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
          return new ctors[o.__typed]!(bytes.buffer);
        }
        if (o.__undefined === true) return undefined;
        if (typeof o.__number === 'string') return Number(o.__number);
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromWire(x)]));
      }
      return v;
    };
    for (const m of JSON.parse(json) as unknown[]) window.postMessage(fromWire(m), '*');
  }, wire);
}

/** What the webview has posted to the host so far, oldest first. */
export async function sent(page: Page): Promise<Record<string, unknown>[]> {
  return page.evaluate(() => (window as unknown as { __sent: Record<string, unknown>[] }).__sent);
}

export type ThemeName = 'dark' | 'light' | 'high-contrast';

/** A few of the variables VS Code sets for its default Dark Modern, Light Modern and High Contrast themes. */
export const THEMES: Record<ThemeName, { bodyClass: string; vars: Record<string, string> }> = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-editor-foreground': '#cccccc',
      '--vscode-foreground': '#cccccc',
      '--vscode-charts-foreground': '#cccccc',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-terminal-ansiCyan': '#11a8cd',
      '--vscode-disabledForeground': '#cccccc80',
      '--vscode-focusBorder': '#0078d4',
      '--vscode-editorHoverWidget-background': '#202020',
      '--vscode-editorHoverWidget-foreground': '#cccccc',
      '--vscode-editorHoverWidget-border': '#454545',
      '--vscode-textLink-foreground': '#4daafc',
      '--vscode-font-family': 'system-ui, sans-serif',
      '--vscode-settings-dropdownBackground': '#313131',
      '--vscode-settings-dropdownForeground': '#cccccc',
      '--vscode-settings-dropdownBorder': '#3c3c3c',
      '--vscode-settings-textInputBackground': '#313131',
      '--vscode-settings-textInputForeground': '#cccccc',
      '--vscode-button-secondaryBackground': '#313131',
      '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-list-activeSelectionBackground': '#04395e',
      '--vscode-list-hoverBackground': '#2a2d2e',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-editor-background': '#ffffff',
      '--vscode-editor-foreground': '#3b3b3b',
      '--vscode-foreground': '#3b3b3b',
      '--vscode-charts-foreground': '#616161',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-purple': '#652d90',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-red': '#e51400',
      '--vscode-terminal-ansiCyan': '#0598bc',
      '--vscode-disabledForeground': '#61616180',
      '--vscode-focusBorder': '#005fb8',
      '--vscode-editorHoverWidget-background': '#f8f8f8',
      '--vscode-editorHoverWidget-foreground': '#3b3b3b',
      '--vscode-editorHoverWidget-border': '#c8c8c8',
      '--vscode-textLink-foreground': '#005fb8',
      '--vscode-font-family': 'system-ui, sans-serif',
      '--vscode-settings-dropdownBackground': '#ffffff',
      '--vscode-settings-dropdownForeground': '#3b3b3b',
      '--vscode-settings-dropdownBorder': '#cecece',
      '--vscode-settings-textInputBackground': '#ffffff',
      '--vscode-settings-textInputForeground': '#3b3b3b',
      '--vscode-button-secondaryBackground': '#e5e5e5',
      '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-list-activeSelectionBackground': '#e8e8e8',
      '--vscode-list-hoverBackground': '#f2f2f2',
    },
  },
  'high-contrast': {
    bodyClass: 'vscode-high-contrast',
    vars: {
      '--vscode-editor-background': '#000000',
      '--vscode-editor-foreground': '#ffffff',
      '--vscode-foreground': '#ffffff',
      '--vscode-charts-foreground': '#ffffff',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-yellow': '#ffd700',
      '--vscode-charts-orange': '#f38518',
      '--vscode-charts-red': '#f48771',
      '--vscode-terminal-ansiCyan': '#00ffff',
      '--vscode-disabledForeground': '#a5a5a5',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-focusBorder': '#f38518',
      '--vscode-editorHoverWidget-background': '#0c141f',
      '--vscode-editorHoverWidget-foreground': '#ffffff',
      '--vscode-editorHoverWidget-border': '#6fc3df',
      '--vscode-textLink-foreground': '#21a6ff',
      '--vscode-font-family': 'system-ui, sans-serif',
      '--vscode-settings-dropdownBackground': '#000000',
      '--vscode-settings-dropdownForeground': '#ffffff',
      '--vscode-settings-dropdownBorder': '#6fc3df',
      '--vscode-settings-textInputBackground': '#000000',
      '--vscode-settings-textInputForeground': '#ffffff',
      '--vscode-button-secondaryBackground': '#000000',
      '--vscode-button-secondaryForeground': '#ffffff',
      '--vscode-list-activeSelectionBackground': '#000000',
      '--vscode-list-hoverBackground': '#000000',
    },
  },
};

/**
 * Switches the theme the way VS Code does: new variables on <html> (set through the CSSOM, which
 * the CSP allows, unlike a style attribute), a new class on <body>.
 */
export async function setTheme(page: Page, theme: ThemeName): Promise<void> {
  await page.evaluate(
    ([vars, cls]) => {
      const style = document.documentElement.style;
      for (let i = style.length - 1; i >= 0; i--) style.removeProperty(style.item(i));
      for (const [k, v] of Object.entries(vars)) style.setProperty(k, v);
      document.body.className = cls;
    },
    [THEMES[theme].vars, THEMES[theme].bodyClass] as const,
  );
}
