import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { CHROMIUM, OUTPUT } from './codeServer';

/** Drives the code-server workbench in headless Chromium the way a user does: clicks and keys. */
export class Workbench {
  private shot = 0;
  readonly consoleLines: string[] = [];

  private constructor(
    readonly browser: Browser,
    readonly page: Page,
    private readonly outDir: string,
  ) {}

  static async open(url: string, name: string, beforeLoad?: (page: Page) => Promise<void>): Promise<Workbench> {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
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

  /** Saves a screenshot as test-output/e2e/NAME/NN-step.png and returns its path. */
  async screenshot(step: string): Promise<string> {
    const file = join(this.outDir, `${String(++this.shot).padStart(2, '0')}-${step}.png`);
    // Away from the tree, so no hover tooltip covers what the step shows.
    await this.page.mouse.move(900, 700);
    await this.page.waitForTimeout(300);
    await this.page.screenshot({ path: file });
    return file;
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

  async close(): Promise<void> {
    await this.browser.close();
  }
}
