import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Snapshot } from '../../src/core/model/snapshot';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { flameMessages } from '../../src/extension/flame/flameData';
import { parseToWebview, type ToWebview } from '../../src/protocol/flameProtocol';
import { MIN_ROW, partition, selfWeights, type Layout, type Measure } from '../../webview/src/flame/layout';
import { pathsOf, SnapshotAssembler, type FlameHierarchy, type FlameSnapshot } from '../../webview/src/flame/model';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { chromiumMissing, openFlamePage, type FlamePage } from './support/flamePage';
import { assertNoPageErrors, launchChromium, postToWebview, sent, setTheme, THEMES, type ThemeName } from './support/webviewPage';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';
import { chartSettled, frameDrawnAfter, framesDrawn } from '../support/icicleFrames';

// The real webview bundle in Debian's Chromium (see support/webviewPage.ts for the one stub:
// acquireVsCodeApi), fed real snapshots of a kubelet-shaped tree built in the kernel's cgroup2
// hierarchy. Where a test needs to know where a cell is, it asks the same pure layout the bundle
// uses (unit-tested on its own) and then checks what the page really shows there.
const OUT = join(__dirname, '..', '..', 'test-output');
const HOSTILE = '<img src=x onerror=window.__pwned=1>';
const mounts = cgroupMounts();
const hex = (n: number): string => randomBytes(n).toString('hex');
const uidOf = (): string => {
  const h = hex(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

describe('flame view in Chromium (real bundle, real snapshot)', function () {
  let box: CgroupSandbox | undefined;
  let browser: Browser | undefined;
  let first: Snapshot;
  let second: Snapshot;
  /** A chain twelve cgroups deep (depth 12 below its root), with a sibling at each level. */
  let deep: Snapshot;
  const livePod = uidOf();
  const emptyPod = uidOf();
  const emptyPodPath = `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${emptyPod.replace(/-/g, '_')}.slice`;
  const leaked: string[] = [];
  let view: FlamePage | undefined;

  before(async function () {
    needs(this, mounts.v2 ? cgroupMissing(mounts.v2) : 'no cgroup2 mount');
    needs(this, chromiumMissing());
    box = CgroupSandbox.create(mounts.v2!, 'flame');
    const burst = 'kubepods.slice/kubepods-burstable.slice';
    const live = `${burst}/kubepods-burstable-pod${livePod.replace(/-/g, '_')}.slice`;
    box.mkdir(`${live}/cri-containerd-${hex(32)}.scope`);
    await box.spawnIn(`${live}/cri-containerd-${hex(32)}.scope`);
    box.mkdir(`${burst}/kubepods-burstable-pod${emptyPod.replace(/-/g, '_')}.slice/cri-containerd-${hex(32)}.scope`);
    for (let i = 0; i < 6; i++) {
      const pod = `kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uidOf().replace(/-/g, '_')}.slice`;
      box.mkdir(`${pod}/cri-containerd-${hex(32)}.scope`);
      await box.spawnIn(`${pod}/cri-containerd-${hex(32)}.scope`);
    }
    await box.spawnIn('system.slice/cron.service');
    for (let i = 0; i < 4; i++) box.mkdir(`system.slice/run-r${hex(16)}.scope`);
    box.mkdir(HOSTILE);
    first = await scan(box);
    // Then the node leaks: empty pod cgroups pile up under besteffort.
    for (let i = 0; i < 12; i++) {
      const rel = `kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uidOf().replace(/-/g, '_')}.slice`;
      box.mkdir(`${rel}/cri-containerd-${hex(32)}.scope`);
      leaked.push(rel);
    }
    second = await scan(box);
    let chain = 'deep';
    for (let d = 1; d <= 12; d++) {
      chain += `/d${d}`;
      box.mkdir(chain);
      box.mkdir(`${chain}-sibling`);
    }
    const r = await takeSnapshot(new LocalTransport(), { cgroupRoot: join(box.root, 'deep') });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    deep = r.value;
    browser = await launchChromium();
    mkdirSync(OUT, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await box?.cleanup();
  });

  afterEach(function () {
    assertNoPageErrors(this.currentTest, view);
  });

  async function scan(b: CgroupSandbox): Promise<Snapshot> {
    const r = await takeSnapshot(new LocalTransport(), { cgroupRoot: b.root });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.value;
  }

  function messages(s: Snapshot, snapshotId: number, role: 'current' | 'baseline' = 'current'): ToWebview[] {
    // The leaked pods are what the node's findings would call orphans (the host sends the verdict's
    // marks); the empty burstable pod is one the Kubernetes API knows (an orphan-kind finding the verdict leaves alone).
    const verdicts = s.hierarchies.flatMap((h) => [
      ...leaked.map((rel) => ({ hierarchy: h.name, path: '/' + rel, verdict: 'orphan' as const })),
      { hierarchy: h.name, path: `/${emptyPodPath}`, verdict: 'known-to-api' as const },
    ]);
    return [...flameMessages(s, { snapshotId, role, label: 'This machine', source: 'local', verdicts }, 16)];
  }

  /** The webview's own model of a snapshot (decoded as the page decodes it). */
  function model(s: Snapshot): FlameHierarchy {
    const a = new SnapshotAssembler();
    let out: FlameSnapshot | string = 'not ended';
    for (const m of messages(s, 1)) {
      const p = parseToWebview(m);
      assert.ok(p.ok);
      const v = p.value;
      if (v.type === 'snapshotBegin') a.begin(v);
      else if (v.type === 'snapshotChunk') a.chunk(v);
      else if (v.type === 'snapshotEnd') out = a.end(1);
    }
    assert.ok(typeof out !== 'string', out as string);
    return out.hierarchies[0]!;
  }

  function layoutOf(h: FlameHierarchy, measure: Measure): Layout {
    return partition(h.parent, h.size, selfWeights(h, measure));
  }

  async function canvasBox(page: Page): Promise<{ x: number; y: number; width: number; height: number }> {
    const b = await page.locator('canvas.icicle-canvas').boundingBox();
    assert.ok(b);
    return b;
  }

  /** The band height the chart drew with (the panel's height shared by the rows). */
  async function rowOf(page: Page): Promise<number> {
    return Number(await page.locator('canvas.icicle-canvas').getAttribute('data-row'));
  }

  /** Page coordinates of the middle of a cgroup's cell at the root zoom. */
  async function cellPoint(page: Page, l: Layout, i: number, view = { x0: 0, x1: 1 }): Promise<{ x: number; y: number; left: number }> {
    const b = await canvasBox(page);
    const ROW = await rowOf(page);
    const p = l.posOf[i]!;
    assert.ok(p >= 0, `cgroup ${i} has a cell`);
    const k = b.width / (view.x1 - view.x0);
    const a = Math.max(0, (l.x0[p]! - view.x0) * k);
    const z = Math.min(b.width, (l.x1[p]! - view.x0) * k);
    return { x: b.x + (a + z) / 2, y: b.y + l.depth[p]! * ROW + ROW / 2, left: b.x + a };
  }

  async function hoverText(page: Page, pt: { x: number; y: number }): Promise<string> {
    await page.mouse.move(pt.x, pt.y);
    await page.waitForFunction(() => !document.getElementById('tooltip')!.hidden);
    return page.locator('#tooltip .tt-path').textContent().then((t) => t ?? '');
  }

  async function openWith(s: Snapshot, theme: ThemeName = 'dark', width = 1200): Promise<Page> {
    view = await openFlamePage(browser!, { theme, width });
    await postToWebview(view.page, messages(s, 1));
    await view.page.waitForFunction(() => document.getElementById('status')!.textContent!.includes('cgroups'));
    return view.page;
  }

  /** Distinct colours in the canvas: a blank or single-colour canvas means nothing was drawn. */
  async function canvasColours(page: Page): Promise<number> {
    return page.evaluate(() => {
      const c = document.querySelector('canvas.icicle-canvas') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i += 4 * 7) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      return seen.size;
    });
  }

  it('renders a real snapshot: status, cells with names, and a tooltip with identity and stats', async () => {
    const page = await openWith(second);
    const h = model(second);
    const status = (await page.locator('#status').textContent()) ?? '';
    assert.match(status, new RegExp(`unified: ${h.size} cgroups`));
    assert.match(status, /width: Cgroups \(leaves\)/);
    assert.ok((await canvasColours(page)) > 6, 'the canvas shows cells in several colours');
    const paths = pathsOf(h);
    const l = layoutOf(h, 'cgroups');
    const pod = paths.findIndex((p) => p.includes(livePod.replace(/-/g, '_')) && p.endsWith('.slice'));
    assert.ok(pod > 0);
    // The first frames after the snapshot (the chart takes its size) are drawn before the pointer moves.
    await chartSettled(page);
    const text = await hoverText(page, await cellPoint(page, l, pod));
    assert.equal(text, second.hierarchies[0]!.basePath + paths[pod]);
    const identity = await page.locator('#tooltip .tt-identity').textContent();
    assert.equal(identity, `pod ${livePod} (burstable)`);
    const rows = await page.locator('#tooltip th').allTextContents();
    for (const r of ['memory', 'processes', 'descendants', 'dying descendants']) assert.ok(rows.includes(r), r);
  });

  it('zooms into a clicked cell with an animation, shows the breadcrumb, and reports the selection', async () => {
    const page = await openWith(second);
    const h = model(second);
    const paths = pathsOf(h);
    const l = layoutOf(h, 'cgroups');
    const besteffort = paths.indexOf('/kubepods.slice/kubepods-besteffort.slice');
    assert.ok(besteffort > 0);
    await page.evaluate(() => performance.clearMeasures('icicle-frame'));
    const at = await cellPoint(page, l, besteffort);
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction((p) => document.getElementById('chart')!.dataset.focus === p, paths[besteffort]);
    await chartSettled(page); // the end of the 450 ms animation
    const frames = await page.evaluate(() => performance.getEntriesByName('icicle-frame').length);
    assert.ok(frames >= 5, `the zoom was animated (${frames} frames)`);
    const crumbs = await page.locator('#breadcrumb .crumb').allTextContents();
    assert.deepEqual(crumbs.slice(1), ['kubepods.slice', 'kubepods-besteffort.slice']);
    // Zoomed: the besteffort cell spans the whole width, so both edges show it.
    const b = await canvasBox(page);
    const ROW = await rowOf(page);
    const y = b.y + l.depth[l.posOf[besteffort]!]! * ROW + ROW / 2;
    await page.screenshot({ path: join(OUT, 'flame-zoomed-dark.png') });
    const base = second.hierarchies[0]!.basePath;
    assert.equal(await hoverText(page, { x: b.x + 3, y }), base + paths[besteffort]);
    assert.equal(await hoverText(page, { x: b.x + b.width - 3, y }), base + paths[besteffort]);
    const selects = (await sent(page)).filter((m) => m.type === 'select');
    assert.deepEqual(selects.at(-1), { type: 'select', hierarchy: 'unified', path: paths[besteffort] });
    const state = await page.evaluate(() => (window as unknown as { __state: Record<string, unknown> }).__state);
    assert.equal(state.zoomPath, paths[besteffort]);
    assert.equal(state.measure, 'cgroups');
    // Escape zooms out one level (the canvas has the keyboard focus after the click).
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.getElementById('chart')!.dataset.focus === '/kubepods.slice');
    // The breadcrumb's root zooms back out.
    await page.locator('#breadcrumb .crumb').first().click();
    await page.waitForFunction(() => document.getElementById('chart')!.dataset.focus === '/');
  });

  it('highlights search matches by pod UID (as kubectl prints it) and by name', async () => {
    const page = await openWith(second);
    await page.locator('#search input').fill(livePod);
    await page.waitForFunction(() => document.getElementById('chart')!.dataset.matches === '3');
    assert.match((await page.locator('#status').textContent()) ?? '', /3 matches/); // the pod and its two containers
    await page.locator('#search input').fill('run-r');
    await page.waitForFunction(() => document.getElementById('chart')!.dataset.matches === '4');
    await page.locator('#search input').fill('');
    await page.waitForFunction(() => document.getElementById('chart')!.dataset.matches === '0');
  });

  it('shows a hostile cgroup name literally in the tooltip, never as HTML', async () => {
    const page = await openWith(second);
    const h = model(second);
    const i = h.names.indexOf(HOSTILE);
    assert.ok(i > 0);
    const l = layoutOf(h, 'cgroups');
    const text = await hoverText(page, await cellPoint(page, l, i));
    assert.equal(text, `${second.hierarchies[0]!.basePath}/${HOSTILE}`);
    assert.equal(await page.locator('#tooltip img').count(), 0);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    // And searching for it, and the breadcrumb after zooming into it, stay text.
    await page.mouse.click((await cellPoint(page, l, i)).x, (await cellPoint(page, l, i)).y);
    await page.waitForFunction((n) => [...document.querySelectorAll('#breadcrumb .crumb')].some((c) => c.textContent === n), HOSTILE);
    assert.equal(await page.locator('img').count(), 0);
  });

  it('compares two snapshots: widths by growth, new cgroups marked', async () => {
    const page = await openWith(second);
    await postToWebview(page, messages(first, 2, 'baseline'));
    await page.waitForFunction(() => /growth since/.test(document.getElementById('status')!.textContent!));
    const h = model(second);
    const paths = pathsOf(h);
    // Width is the new leaves: the 12 leaked pods' containers, and nothing else grew.
    assert.match((await page.locator('#status').textContent()) ?? '', /total 12\b/);
    const before = new Set(pathsOf(model(first)));
    const self = selfWeights(h, 'cgroups');
    const growth = Float64Array.from(self, (v, i) => (before.has(paths[i]!) ? 0 : v));
    const l = partition(h.parent, h.size, growth);
    const pod = paths.indexOf('/' + leaked[0]!);
    await page.mouse.move(0, 0);
    await hoverText(page, await cellPoint(page, l, pod));
    const warnings = await page.locator('#tooltip .tt-warning').allTextContents();
    assert.ok(warnings.includes('New since the baseline snapshot.'), warnings.join('|'));
    assert.ok(warnings.some((w) => w.startsWith('Orphan')), 'a pod the findings call an orphan is marked as one');
    const cells = await page.locator('#tooltip td').allTextContents();
    assert.ok(cells.includes('absent → 1'), cells.join('|'));
    await page.screenshot({ path: join(OUT, 'flame-compare-dark.png') });
    await page.locator('#compare').click(); // "Stop comparing"
    await page.waitForFunction(() => !/growth since/.test(document.getElementById('status')!.textContent!));
  });

  it('logs and ignores unknown or malformed messages from the host', async () => {
    const page = await openWith(second);
    await postToWebview(page, [{ type: 'bogus' }, { type: 'snapshotChunk', snapshotId: 1, hierarchy: 0, offset: 0, parent: [1, 2] }, { type: 'focus', hierarchy: 'unified' }]);
    await page.waitForFunction(() => (window as unknown as { __sent: { type: string }[] }).__sent.filter((m) => m.type === 'log').length >= 3);
    const logs = (await sent(page)).filter((m) => m.type === 'log').map((m) => String(m.message));
    assert.ok(logs[0]!.includes('unknown message type "bogus"'), logs[0]);
    assert.ok(logs[1]!.includes('typed arrays'), logs[1]);
    assert.match((await page.locator('#status').textContent()) ?? '', /cgroups/, 'the view still shows its snapshot');
  });

  it('restores measure, hierarchy and zoom from its saved state', async () => {
    const h = model(second);
    const paths = pathsOf(h);
    const target = paths.indexOf('/system.slice');
    view = await openFlamePage(browser!, { state: { v: 1, measure: 'descendants', hierarchy: 'unified', zoomPath: paths[target], search: '' } });
    await postToWebview(view.page, messages(second, 1));
    await view.page.waitForFunction((p) => document.getElementById('chart')!.dataset.focus === p, paths[target]);
    assert.match((await view.page.locator('#status').textContent()) ?? '', /width: Descendants/);
    assert.equal(await view.page.locator('#measure .select-face .text').textContent(), 'Descendants');
  });

  it("focuses a cell on the tree's request, and keeps zoom and selection across a refresh", async () => {
    const page = await openWith(first);
    const target = '/kubepods.slice/kubepods-besteffort.slice';
    await postToWebview(page, [{ type: 'focus', hierarchy: 'unified', path: target }]);
    await page.waitForFunction((p) => document.getElementById('chart')!.dataset.focus === p, target);
    // A refreshed snapshot (the later scan) still has the path: the zoom stays.
    await postToWebview(page, messages(second, 2));
    await page.waitForFunction((n) => document.getElementById('status')!.textContent!.includes(`unified: ${n} cgroups`), second.hierarchies[0]!.tree.size);
    assert.equal(await page.evaluate(() => document.getElementById('chart')!.dataset.focus), target);
    const state = await page.evaluate(() => (window as unknown as { __state: Record<string, unknown> }).__state);
    assert.equal(state.selectedPath, target);
    // A path the snapshot lacks is reported, not guessed.
    await postToWebview(page, [{ type: 'focus', hierarchy: 'unified', path: '/no/such/cgroup' }]);
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.includes('/no/such/cgroup is not in this view'));
  });

  it('switches between the hierarchies of a whole-machine scan (hybrid: v2 and each v1 controller)', async function () {
    // Every hierarchy, one level deep: a shared machine may hold big trees of other work.
    const r = await takeSnapshot(new LocalTransport(), { maxDepth: 1 });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const v1 = r.value.hierarchies.find((h) => h.name === 'memory') ?? r.value.hierarchies.find((h) => h.kind === 'v1');
    needs(this, v1 ? undefined : 'no v1 hierarchy on this machine');
    view = await openFlamePage(browser!);
    const page = view.page;
    await postToWebview(page, [...flameMessages(r.value, { snapshotId: 1, role: 'current', label: 'This machine', source: 'local' })]);
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.includes('cgroups'));
    const options = await page.locator('#hierarchy vscode-option').evaluateAll((os) => os.map((o) => (o as HTMLElement & { value: string }).value));
    assert.deepEqual(options, r.value.hierarchies.map((h) => h.name));
    await page.locator('#hierarchy').evaluate((e, name) => {
      (e as HTMLElement & { value: string }).value = name;
      e.dispatchEvent(new Event('change'));
    }, v1!.name);
    await page.waitForFunction((name) => document.getElementById('status')!.textContent!.includes(`${name}: `), v1!.name);
    assert.match((await page.locator('#status').textContent()) ?? '', new RegExp(`${v1!.name.replace(/[=,]/g, '.')}: ${v1!.tree.size} cgroups`));
    const state = await page.evaluate(() => (window as unknown as { __state: Record<string, unknown> }).__state);
    assert.equal(state.hierarchy, v1!.name);
    // A refresh keeps the choice, and the select shows it (not merely holds it).
    const renders = (): Promise<number> => page.evaluate(() => performance.getEntriesByName('flame-rendered').length);
    const rendered = await renders();
    await postToWebview(page, [...flameMessages(r.value, { snapshotId: 2, role: 'current', label: 'This machine', source: 'local' })]);
    await page.waitForFunction((n) => performance.getEntriesByName('flame-rendered').length > n, rendered);
    // The page sets the select once more on the next animation frame, and the select redraws its face when its update completes.
    await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => r())));
    await page.locator('#hierarchy').evaluate((e) => (e as HTMLElement & { updateComplete?: Promise<unknown> }).updateComplete);
    assert.match((await page.locator('#status').textContent()) ?? '', new RegExp(`${v1!.name.replace(/[=,]/g, '.')}: `));
    assert.equal(await page.locator('#hierarchy .select-face .text').textContent(), `${v1!.name} (v1, ${v1!.tree.size})`);
  });

  for (const theme of Object.keys(THEMES) as ThemeName[]) {
    it(`draws with the ${theme} theme's colours and saves a screenshot`, async () => {
      const page = await openWith(second, theme, 1000);
      await page.locator('#measure').evaluate((e) => {
        (e as HTMLElement & { value: string }).value = 'descendants';
        e.dispatchEvent(new Event('change'));
      });
      await page.waitForFunction(() => /width: Descendants/.test(document.getElementById('status')!.textContent!));
      const h = model(second);
      const l = layoutOf(h, 'descendants');
      await hoverText(page, await cellPoint(page, l, pathsOf(h).indexOf('/kubepods.slice')));
      // The canvas background is the theme's editor background; a pod cell has the theme's green.
      const bg = THEMES[theme].vars['--vscode-editor-background']!;
      const green = THEMES[theme].vars['--vscode-charts-green']!;
      const b = await canvasBox(page);
      const pixel = (x: number, y: number): Promise<string> =>
        page.evaluate(
          ([px, py]) => {
            const c = document.querySelector('canvas.icicle-canvas') as HTMLCanvasElement;
            const r = c.getBoundingClientRect();
            const s = c.width / r.width;
            const d = c.getContext('2d')!.getImageData(Math.round((px! - r.left) * s), Math.round((py! - r.top) * s), 1, 1).data;
            return '#' + [d[0], d[1], d[2]].map((v) => v!.toString(16).padStart(2, '0')).join('');
          },
          [x, y],
        );
      assert.equal(await pixel(b.x + b.width - 1, b.y + b.height - 1), bg, 'below the deepest cells');
      const pods = pathsOf(h).map((p, i) => (/pod[0-9a-f_]+\.slice$/.test(p) ? i : -1)).filter((i) => i >= 0);
      // Left of where the label starts, below the dying-heavy stripe, above the orphan stripe.
      const pt = await cellPoint(page, l, pods[0]!);
      assert.equal(await pixel(pt.left + 2, pt.y - (await rowOf(page)) / 2 + 6), green);
      await page.screenshot({ path: join(OUT, `flame-${theme}.png`) });
    });
  }

  it('follows a theme change without a reload', async () => {
    const page = await openWith(second, 'dark');
    await chartSettled(page);
    const before = await framesDrawn(page);
    await setTheme(page, 'light');
    await frameDrawnAfter(page, before);
    const corner = await page.evaluate(() => {
      const c = document.querySelector('canvas.icicle-canvas') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(c.width - 1, c.height - 1, 1, 1).data;
      return [d[0], d[1], d[2]];
    });
    assert.deepEqual(corner, [255, 255, 255]);
  });

  it('fills its panel: the bands share the height, and follow a resize', async () => {
    view = await openFlamePage(browser!, { width: 1600, height: 900 });
    const page = view.page;
    await postToWebview(page, messages(second, 1));
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.includes('cgroups'));
    await chartSettled(page);
    const rows = model(second).size > 0 ? layoutOf(model(second), 'cgroups').maxDepth + 1 : 0;
    let b = await canvasBox(page);
    const row = await rowOf(page);
    assert.equal(b.height, rows * row, 'the canvas is the rows');
    assert.ok(b.height >= 0.8 * 900, `the chart is ${b.height} px tall in a 900 px panel`);
    assert.ok(b.y + b.height >= 900 - 8 - row, `the chart reaches the panel's bottom (${b.y + b.height})`);
    assert.ok(row > 100, `a shallow tree gets tall bands (${row} px)`);
    await page.screenshot({ path: join(OUT, 'flame-fills-panel.png') });
    // A shorter panel (a split below it): the bands shrink with it.
    await page.setViewportSize({ width: 1600, height: 500 });
    await page.waitForFunction((r) => Number(document.querySelector('canvas.icicle-canvas')!.getAttribute('data-row')) < r, row);
    b = await canvasBox(page);
    assert.ok(b.y + b.height <= 500 && b.y + b.height >= 500 - 8 - (await rowOf(page)), `the chart fits the new height (${b.y + b.height})`);
  });

  it('keeps bands readable at depth 12: the chart scrolls instead of squeezing them', async () => {
    view = await openFlamePage(browser!, { width: 1000, height: 320 });
    const page = view.page;
    await postToWebview(page, [...flameMessages(deep, { snapshotId: 1, role: 'current', label: 'This machine', source: 'local' }, 16)]);
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.includes('cgroups'));
    await chartSettled(page);
    const h = deep.hierarchies[0]!;
    const l = partition(h.tree.parent, h.tree.size, selfWeights(model(deep), 'cgroups'));
    assert.equal(l.maxDepth, 12);
    const row = await rowOf(page);
    assert.ok(row >= MIN_ROW, `bands ${row} px`);
    assert.equal((await canvasBox(page)).height, 13 * row);
    const scroll = await page.evaluate(() => {
      const c = document.getElementById('chart')!;
      return { scrollHeight: c.scrollHeight, clientHeight: c.clientHeight };
    });
    assert.ok(scroll.scrollHeight > scroll.clientHeight, `the chart box scrolls (${JSON.stringify(scroll)})`);
  });

  it('goes to the first match on Enter in the search box, and reveals in the Nodes tree only when asked', async () => {
    const page = await openWith(second);
    const paths = pathsOf(model(second));
    const pod = paths.findIndex((p) => p.includes(livePod.replace(/-/g, '_')) && p.endsWith('.slice'));
    assert.ok(!(await page.locator('#reveal').isVisible()), 'nothing selected, nothing to reveal');
    await page.locator('#search input').fill(livePod);
    await page.locator('#search input').press('Enter');
    // The pod comes before its containers (top-left first): selected and zoomed.
    await page.waitForFunction((p) => document.getElementById('chart')!.dataset.focus === p, paths[pod]);
    const state = await page.evaluate(() => (window as unknown as { __state: Record<string, unknown> }).__state);
    assert.equal(state.selectedPath, paths[pod]);
    assert.deepEqual((await sent(page)).filter((m) => m.type === 'select').at(-1), { type: 'select', hierarchy: 'unified', path: paths[pod] });
    // Enter again: the next match (one of its containers).
    await page.locator('#search input').press('Enter');
    await page.waitForFunction((p) => document.getElementById('chart')!.dataset.focus!.startsWith(p + '/'), paths[pod]);
    // "Reveal in Nodes" is the explicit ask (the host reveals even with the side bar hidden).
    await page.locator('#reveal').click();
    const reveal = (await sent(page)).filter((m) => m.type === 'reveal').at(-1);
    assert.equal(reveal?.hierarchy, 'unified');
    assert.ok(String(reveal?.path).startsWith(paths[pod]! + '/'), String(reveal?.path));
  });

  it('keeps its toolbar to one row in a narrow (split) editor', async () => {
    for (const width of [500, 1200]) {
      const page = await openWith(second, 'dark', width);
      const tops = await page.locator('.toolbar > *').evaluateAll((es) =>
        es.filter((e) => (e as HTMLElement).offsetParent !== null).map((e) => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2)),
      );
      const spread = Math.max(...tops) - Math.min(...tops);
      assert.ok(spread <= 4, `at ${width} px the toolbar's controls share one row (centres ${tops.join(',')})`);
      const bar = (await page.locator('.toolbar').boundingBox())!;
      const control = (await page.locator('#measure').boundingBox())!;
      assert.ok(bar.height < 2 * control.height, `at ${width} px the toolbar is ${bar.height} px tall, a control ${control.height} px`);
      // Nothing scrolled out of view: every control shown lies inside the row, which does not scroll.
      const fit = await page.locator('.toolbar').evaluate((t) => {
        const r = t.getBoundingClientRect();
        const out = [...t.children].filter((e) => (e as HTMLElement).offsetParent !== null && e.getBoundingClientRect().right > r.right + 1).map((e) => e.id || e.textContent);
        return { scrolls: t.scrollWidth > t.clientWidth + 1, out };
      });
      assert.deepEqual(fit, { scrolls: false, out: [] }, `at ${width} px`);
      const gone = await page.locator('.toolbar vscode-button[hidden]:not(#toolbar-more)').evaluateAll((bs) => bs.map((b) => b.id));
      const more = page.locator('#toolbar-more');
      if (width === 1200) {
        assert.deepEqual(gone, [], 'everything fits in a wide editor');
        assert.ok(!(await more.isVisible()), 'no "…" menu when nothing is left out');
      } else {
        // The buttons that do not fit are in the "…" menu, reached by the keyboard: Tab to it, Enter
        // opens it, the arrows pick, Enter runs, and focus comes back to the button.
        assert.ok(gone.length > 0 && !gone.includes('measure'), gone.join(','));
        assert.ok(await more.isVisible());
        const words: Record<string, string> = { compare: 'Compare…', refresh: 'Refresh', 'export-svg': 'Export SVG', 'export-png': 'Export PNG' };
        await more.focus();
        await page.keyboard.press('Enter');
        const menu = page.locator('#toolbar-menu');
        await page.waitForFunction(() => (document.getElementById('toolbar-menu') as (HTMLElement & { show?: boolean }) | null)?.show === true);
        assert.equal(await more.getAttribute('aria-expanded'), 'true');
        const labels = await menu.locator('vscode-context-menu-item').evaluateAll((is) => is.map((i) => i.getAttribute('label')));
        assert.deepEqual(labels, gone.map((id) => words[id]), `at ${width} px`);
        const box = (await menu.locator('vscode-context-menu-item').first().boundingBox())!;
        assert.ok(box.x >= 0 && box.x + box.width <= width + 1 && box.y > bar.y + bar.height - 4, `the menu hangs below the row, in the panel: ${JSON.stringify(box)}`);
        const before = (await sent(page)).filter((m) => m.type === 'refresh').length;
        for (let k = 0; k <= gone.indexOf('refresh'); k++) await page.keyboard.press('ArrowDown');
        await page.keyboard.press('Enter');
        await page.waitForFunction((n) => (window as unknown as { __sent: { type: string }[] }).__sent.filter((m) => m.type === 'refresh').length === n + 1, before);
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'toolbar-more', 'focus back on "…"');
        assert.equal(await more.getAttribute('aria-expanded'), 'false');
        // Escape closes it without running anything.
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => (document.getElementById('toolbar-menu') as HTMLElement & { show?: boolean }).show === true);
        await page.keyboard.press('Escape');
        await page.waitForFunction(() => (document.getElementById('toolbar-menu') as HTMLElement & { show?: boolean }).show === false);
        assert.equal((await sent(page)).filter((m) => m.type === 'refresh').length, before + 1);
      }
      await page.screenshot({ path: join(OUT, `flame-toolbar-${width}.png`) });
    }
  });

  it("marks the host's verdicts: a pod the API knows is empty, not an orphan; a leaked one is an orphan", async () => {
    const page = await openWith(second);
    const h = model(second);
    const paths = pathsOf(h);
    const l = layoutOf(h, 'cgroups');
    await chartSettled(page);
    const warningsAt = async (i: number): Promise<string[]> => {
      await page.mouse.move(0, 0);
      await page.waitForFunction(() => document.getElementById('tooltip')!.hidden);
      await hoverText(page, await cellPoint(page, l, i));
      return page.locator('#tooltip .tt-warning').allTextContents();
    };
    const empty = await warningsAt(paths.indexOf('/' + emptyPodPath));
    assert.ok(!empty.some((w) => w.startsWith('Orphan')), empty.join('|'));
    assert.ok(empty.includes('Empty: no process in this cgroup or below; not an orphan: the Kubernetes API knows its pod on this node.'), empty.join('|'));
    const leakedPod = await warningsAt(paths.indexOf('/' + leaked[0]!));
    assert.ok(leakedPod.some((w) => w.startsWith('Orphan')), leakedPod.join('|'));
    assert.ok(!leakedPod.some((w) => w.startsWith('Empty')), 'an orphan is marked as an orphan only');
    const live = await warningsAt(paths.findIndex((p) => p.includes(livePod.replace(/-/g, '_')) && p.endsWith('.slice')));
    assert.ok(!live.some((w) => /^(Orphan|Empty)/.test(w)), live.join('|'));
    assert.ok((await page.locator('.legend').textContent())!.includes('empty, not an orphan'));
  });

  it('exports SVG with names as text and PNG as base64 through the host', async () => {
    const page = await openWith(second);
    await page.locator('#export-svg').click();
    await page.locator('#export-png').click();
    await page.waitForFunction(() => (window as unknown as { __sent: { type: string }[] }).__sent.filter((m) => m.type === 'export').length === 2);
    const [svg, png] = (await sent(page)).filter((m) => m.type === 'export') as { format: string; data: string; requestId: number }[];
    assert.equal(svg!.format, 'svg');
    assert.match(svg!.data, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.ok(svg!.data.includes('&lt;img src=x onerror=window.__pwned=1&gt;'), 'the hostile name is escaped text in the SVG');
    assert.ok(!svg!.data.includes('<img'));
    assert.equal(png!.format, 'png');
    assert.ok(Buffer.from(png!.data, 'base64').subarray(1, 4).toString() === 'PNG');
    writeFileSync(join(OUT, 'flame-export.svg'), svg!.data);
    // The host's reply reaches the status line.
    await postToWebview(page, [{ type: 'reply', requestId: svg!.requestId, ok: true, message: 'saved /tmp/x.svg' }]);
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.includes('saved /tmp/x.svg'));
  });
});
