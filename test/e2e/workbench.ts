import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { CHROMIUM, OUTPUT } from './codeServer';

/** A rectangle of the window, in CSS pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Drives the code-server workbench in headless Chromium the way a user does: clicks and keys. */
export class Workbench {
  private shot = 0;
  readonly consoleLines: string[] = [];

  private constructor(
    readonly browser: Browser,
    readonly page: Page,
    private readonly outDir: string,
  ) {}

  static async open(url: string, name: string, beforeLoad?: (page: Page) => Promise<void>, viewport = { width: 1400, height: 1100 }): Promise<Workbench> {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
    });
    const page = await browser.newPage({ viewport });
    const outDir = join(OUTPUT, name);
    mkdirSync(outDir, { recursive: true });
    const wb = new Workbench(browser, page, outDir);
    page.on('console', (m) => wb.consoleLines.push(`[${m.type()}] ${m.text()}`));
    if (beforeLoad) await beforeLoad(page);
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    // The workbench restores and activates extensions after it first paints.
    await page.locator('.statusbar').waitFor({ timeout: 60_000 });
    return wb;
  }

  /**
   * Saves a screenshot as test-output/e2e/NAME/NN-step.png and returns its path; with `clip`,
   * only that part of the window (a view, the editor area).
   */
  async screenshot(step: string, clip?: Box): Promise<string> {
    const file = join(this.outDir, `${String(++this.shot).padStart(2, '0')}-${step}.png`);
    await this.capture(file, clip);
    return file;
  }

  /** Saves a screenshot of the window (or of `clip` in it) to `file`. */
  async capture(file: string, clip?: Box): Promise<void> {
    // Onto the empty part of the activity bar, so no hover (of a tree row, of a chart's cell) covers what the step shows.
    const bar = await this.page.locator('.part.activitybar').boundingBox();
    await this.page.mouse.move(bar ? bar.x + bar.width / 2 : 900, bar ? bar.y + bar.height * 0.6 : 700);
    await this.page.waitForTimeout(300);
    await this.page.screenshot({ path: file, ...(clip ? { clip } : {}) });
  }

  /** Runs a command from the command palette by its title, as typed by a user. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ state: 'visible' });
    await input.press('Enter');
  }

  /** Picks an item of the open quick pick by its label. */
  async pick(label: string | RegExp): Promise<void> {
    const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first();
    await row.waitFor({ state: 'visible' });
    await row.click();
  }

  /** A view pane of the side bar by its title ("Nodes", "Findings"). */
  pane(title: string): Locator {
    return this.page.locator('.pane', { has: this.page.locator('.pane-header', { hasText: new RegExp(`^\\s*${title}`, 'i') }) });
  }

  /** A row of a tree view by the text of its label. */
  row(pane: Locator, label: string | RegExp): Locator {
    return pane.locator('.monaco-list-row', { has: this.page.locator('.label-name', { hasText: label }) }).first();
  }

  /**
   * Expands a collapsed tree row and waits until it says so. A click can land while the tree
   * re-renders (a refresh after a scan), so it is retried until the row reports expanded.
   */
  async expand(row: Locator, timeoutMs = 240_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      await row.waitFor({ state: 'visible', timeout: Math.max(1000, end - Date.now()) });
      if ((await row.getAttribute('aria-expanded')) === 'true') return;
      await row.click();
      try {
        await this.page.waitForFunction((el) => el?.getAttribute('aria-expanded') === 'true', await row.elementHandle(), { timeout: 5000 });
        return;
      } catch (e) {
        if (Date.now() > end) throw e;
      }
    }
  }

  /** Collapses a view pane (to give the others its room) or expands it again. */
  async setPaneExpanded(title: string, expanded: boolean): Promise<void> {
    const header = this.pane(title).locator('.pane-header').first();
    if (((await header.getAttribute('aria-expanded')) === 'true') !== expanded) await header.click();
  }

  /** The side bar's width in pixels (0 when hidden). */
  async sideBarWidth(): Promise<number> {
    return (await this.page.locator('.part.sidebar').boundingBox())?.width ?? 0;
  }

  /** Drags the sash at the side bar's right edge until the side bar is `px` wide (±4 px), as a user resizes it. */
  async setSideBarWidth(px: number): Promise<void> {
    const page = this.page;
    for (let attempt = 1; Math.abs((await this.sideBarWidth()) - px) > 4; attempt++) {
      if (attempt > 4) throw new Error(`the side bar is ${await this.sideBarWidth()} px wide, not ${px}, after ${attempt - 1} drags`);
      const bar = await page.locator('.part.sidebar').boundingBox();
      if (!bar) throw new Error('no side bar');
      const y = bar.y + bar.height / 2;
      await page.mouse.move(bar.x + bar.width, y);
      await page.mouse.down();
      await page.mouse.move(bar.x + bar.width + (px - bar.width) / 2, y, { steps: 4 });
      await page.mouse.move(bar.x + px, y, { steps: 4 });
      await page.mouse.up();
    }
  }

  /**
   * The labels of a row's context menu, in order, separators left out: right-clicks the row,
   * reads the menu and closes it. A menu opened while the tree re-renders (a refresh) is closed
   * under the pointer, so one that does not appear is asked for again.
   */
  async contextMenu(row: Locator): Promise<string[]> {
    const page = this.page;
    const menu = page.locator('.context-view .monaco-menu');
    for (let attempt = 1; ; attempt++) {
      await row.click({ button: 'right' });
      try {
        await menu.locator('.action-item .action-label').first().waitFor({ state: 'visible', timeout: 10_000 });
        break;
      } catch (e) {
        if (attempt >= 3) throw e;
        await page.keyboard.press('Escape');
      }
    }
    const labels = await menu.locator('.action-item:not(.disabled) .action-label:not(.separator)').allTextContents();
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
    return labels.map((l) => l.trim()).filter(Boolean);
  }

  /** Runs the item of a row's context menu whose label is `label`, by keyboard (a pointer click on a menu still settling is lost). */
  async runFromContextMenu(row: Locator, label: string): Promise<void> {
    const page = this.page;
    await row.click({ button: 'right' });
    const item = page.locator('.context-view .monaco-menu .action-item', { hasText: label }).first();
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    for (let i = 0; i < 20 && (await page.locator('.context-view .monaco-menu .action-item.focused .action-label').allTextContents()).join('').trim() !== label; i++) {
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');
  }

  /**
   * What the user reads of a row's label: the full label text and the part of it drawn inside
   * the view (a label wider than the side bar is cut, with an ellipsis, at the view's edge).
   */
  async readLabel(row: Locator): Promise<{ text: string; visible: string }> {
    // Page-side, typed structurally: this project's Node types have no DOM.
    type Rect = { left: number; right: number };
    type El = { textContent: string | null; getBoundingClientRect(): Rect; closest(s: string): El | null; ownerDocument: Doc };
    type TextNode = { length: number };
    type Doc = { createRange(): { setStart(n: TextNode, i: number): void; setEnd(n: TextNode, i: number): void; getBoundingClientRect(): Rect }; createTreeWalker(root: El, what: number): { nextNode(): TextNode | null } };
    return row.locator('.label-name').first().evaluate((node) => {
      const el = node as unknown as El;
      const doc = el.ownerDocument;
      // The label is clipped by its container and by the list (the view) itself.
      const edges = [el.closest('.monaco-icon-label-container'), el.closest('.monaco-list')].filter((e): e is El => e !== null).map((e) => e.getBoundingClientRect().right);
      const right = Math.min(...edges);
      const cut = el.getBoundingClientRect().right > right + 0.5;
      // An ellipsis takes the place of the last characters that would fit.
      const limit = cut ? right - 10 : right + 0.5;
      const walker = doc.createTreeWalker(el, 4 /* NodeFilter.SHOW_TEXT */);
      const range = doc.createRange();
      let visible = '';
      let text = '';
      let stopped = false;
      for (let t = walker.nextNode(); t; t = walker.nextNode()) {
        const s = (t as unknown as { data: string }).data;
        text += s;
        for (let i = 0; i < s.length && !stopped; i++) {
          range.setStart(t, i);
          range.setEnd(t, i + 1);
          if (range.getBoundingClientRect().right > limit) stopped = true;
          else visible += s[i];
        }
      }
      return { text, visible };
    });
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
