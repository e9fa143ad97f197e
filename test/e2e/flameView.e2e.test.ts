import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { chartSettled } from '../support/icicleFrames';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';
import { OUTPUT, e2eMissing, packageVsix } from './codeServer';
import { openSession, type Session } from './session';
import type { Workbench } from './workbench';

/**
 * The flame view in a real VS Code (code-server 4.100.3) in headless Chromium: opened from the
 * command palette, it scans this machine and draws it in its webview (the packaged bundle, under
 * VS Code's own webview host and CSP). Screenshots go to test-output/e2e/flame/.
 */
describe('e2e: the flame view in code-server + Chromium', function () {
  this.timeout(600_000);
  let session: Session | undefined;
  let wb: Workbench | undefined;
  let box: CgroupSandbox | undefined;
  let frame: Frame | undefined;
  const mounts = cgroupMounts();

  before(async function () {
    needs(this, e2eMissing() ?? (mounts.v2 ? cgroupMissing(mounts.v2) : 'no cgroup2 mount on this machine'));
    rmSync(join(OUTPUT, 'flame'), { recursive: true, force: true });
    // A wide subtree of our own in this machine's unified hierarchy: 60 leaves.
    box = CgroupSandbox.create(mounts.v2!, 'flame-e2e');
    for (let i = 0; i < 60; i++) box.mkdir(`leaf-${i}`);
    const vsix = await packageVsix();
    session = await openSession('flame', vsix, {});
    wb = session.wb;
  });

  after(async function () {
    if (wb && this.currentTest?.state === 'failed') await wb.screenshot('failure').catch(() => undefined);
    await session?.end();
    await box?.cleanup();
  });

  /** The webview's inner frame: the one holding the flame page's status line. */
  async function flameFrame(): Promise<Frame> {
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline) {
      for (const f of wb!.page.frames()) {
        if ((await f.locator('#status').count().catch(() => 0)) > 0 && (await f.locator('canvas.icicle-canvas').count().catch(() => 0)) > 0) return f;
      }
      await wb!.page.waitForTimeout(500);
    }
    throw new Error('no flame view webview appeared');
  }

  it('opens from the command palette, scans this machine and draws it', async () => {
    // Once the extension's view is up, its commands are in the palette (before, the palette may
    // open on a workbench that has not read the extension's contributions yet).
    await wb!.page.locator('.activitybar [aria-label^="Cgroup Forensics"]').first().click();
    await wb!.row(wb!.pane('Nodes'), 'This machine').waitFor({ state: 'visible', timeout: 60_000 });
    await wb!.runCommand('Cgroup Forensics: Open Flame View');
    frame = await flameFrame();
    // (Polled from here: the webview's CSP rightly refuses Playwright's string predicates.)
    let status = '';
    for (const deadline = Date.now() + 240_000; !/cgroups/.test(status) && Date.now() < deadline; await wb!.page.waitForTimeout(500)) {
      status = (await frame.locator('#status').textContent()) ?? '';
    }
    assert.match(status, /^This machine · .* · \S+: [\d,]+ cgroups/);
    // Drawn under VS Code's webview CSP: the canvas holds more than its background.
    // Page-side, typed structurally: this project's Node types have no DOM.
    type Canvas = { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
    const colours = await frame.locator('canvas.icicle-canvas').evaluate((el) => {
      const c = el as unknown as Canvas;
      // The whole chart: its bands fill the panel, so the top rows alone may be one cell (the root).
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i += 4 * 5) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      return seen.size;
    });
    assert.ok(colours > 3, `the chart drew cells (${colours} colours)`);
    // The hierarchy switch lists what the scan found (hybrid here: unified and v1 controllers).
    const hierarchies = await frame.locator('#hierarchy vscode-option').count();
    assert.ok(hierarchies >= 1);
    await wb!.screenshot('flame-view');
  });

  it('focuses a cgroup from the tree\'s "Show in Flame View", and reveals a clicked cell in the tree', async () => {
    const f = frame!;
    const page = wb!.page;
    const name = box!.root.split('/').pop()!;
    const nodes = wb!.pane('Nodes');
    await wb!.setPaneExpanded('Findings', false);
    await wb!.expand(wb!.row(nodes, 'This machine'));
    await wb!.expand(wb!.row(nodes, /^unified$/));
    const row = wb!.row(nodes, name);
    await row.waitFor({ state: 'visible', timeout: 60_000 });
    // The context menu, then its item. A menu opened while the tree re-renders (a refresh of the
    // node) is closed under the pointer, so a menu that did not take is dismissed and opened again.
    const focused = async (): Promise<boolean> => (await f.locator('#chart').getAttribute('data-focus')) === `/${name}`;
    for (let attempt = 1; !(await focused()); attempt++) {
      await row.click({ button: 'right' });
      const item = page.locator('.monaco-menu .action-item', { hasText: 'Show in Flame View' }).first();
      await item.waitFor({ state: 'visible', timeout: 10_000 });
      // By keyboard, as a user can: a pointer click on a menu that is still settling is lost.
      for (let i = 0; i < 8 && !(await page.locator('.monaco-menu .action-item.focused').allTextContents()).join('').includes('Show in Flame View'); i++) {
        await page.keyboard.press('ArrowDown');
      }
      await page.keyboard.press('Enter');
      for (const until = Date.now() + 10_000; Date.now() < until && !(await focused()); ) await page.waitForTimeout(250);
      if (await focused()) break;
      await wb!.screenshot(`show-in-flame-view-try-${attempt}`);
      await page.keyboard.press('Escape');
      assert.ok(attempt < 3, `the view focused /${name} (${attempt} tries of the context menu)`);
    }
    await chartSettled(f); // the end of the zoom animation
    await wb!.screenshot('shown-in-flame-view');
    // Our sandbox now fills the width: its 60 leaves are cells on the row below. Click one whose
    // tree row was never shown (the sandbox is collapsed in the tree).
    await wb!.row(nodes, 'This machine').click();
    const canvas = await f.locator('canvas.icicle-canvas').boundingBox();
    assert.ok(canvas);
    // The third row, at the band height the page drew (bands fill the panel's height).
    const band = Number(await f.locator('canvas.icicle-canvas').getAttribute('data-row'));
    assert.ok(band >= 18, `band height ${band}`);
    const pt = { x: canvas.x + canvas.width * 0.75, y: canvas.y + 2 * band + band / 2 };
    await page.mouse.move(pt.x, pt.y);
    const path = (await f.locator('#tooltip .tt-path').textContent()) ?? '';
    const leaf = /^\/[^/]+\/(leaf-\d+)$/.exec(path)?.[1];
    assert.ok(leaf, `a leaf under the pointer (${path})`);
    await page.mouse.click(pt.x, pt.y);
    await nodes.locator('.monaco-list-row[aria-selected="true"]', { has: page.locator('.label-name', { hasText: new RegExp(`^${leaf}$`) }) }).first().waitFor({ state: 'visible', timeout: 60_000 });
    await wb!.screenshot('revealed-in-tree');
  });

  it('refreshes, then compares with the earlier snapshot through the quick pick', async () => {
    const f = frame!;
    const page = wb!.page;
    const before = (await f.locator('#status').textContent()) ?? '';
    // The node leaks 25 more empty cgroups, then the view scans again.
    for (let i = 0; i < 25; i++) box!.mkdir(`leaked-${i}`);
    await f.locator('#refresh').click();
    for (const deadline = Date.now() + 240_000; ((await f.locator('#status').textContent()) ?? '') === before; await page.waitForTimeout(500)) {
      assert.ok(Date.now() < deadline, 'the view showed a new snapshot');
    }
    await f.locator('#compare').click();
    const item = page.locator('.quick-input-widget .monaco-list-row', { hasText: /ago/ }).first();
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    await item.click();
    let status = '';
    for (const deadline = Date.now() + 60_000; !/growth since/.test(status); await page.waitForTimeout(250)) {
      assert.ok(Date.now() < deadline, `compare mode (${status})`);
      status = (await f.locator('#status').textContent()) ?? '';
    }
    const total = Number(/total ([\d,]+)/.exec(status)?.[1]?.replace(/,/g, '') ?? NaN);
    assert.ok(total >= 25, `at least our 25 new leaves grew (${status})`);
    await wb!.screenshot('compare');
  });

  it('exports the view as SVG through the save dialog', async () => {
    const page = wb!.page;
    // Nothing of the workbench (a menu left open) may cover the webview.
    await page.keyboard.press('Escape');
    await page.locator('.context-view .monaco-menu').waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
    await frame!.locator('#export-svg').click();
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.press('Enter');
    let files: string[] = [];
    for (const deadline = Date.now() + 30_000; files.length === 0; await page.waitForTimeout(250)) {
      assert.ok(Date.now() < deadline, 'an SVG file was written to the workspace');
      files = readdirSync(session!.profile.workspace).filter((n) => /^cgroup-flame-local-.*\.svg$/.test(n));
    }
    assert.match(readFileSync(join(session!.profile.workspace, files[0]!), 'utf8'), /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });
});
