import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { growthOf, MIN_RATE_SPAN_S } from '../../src/core/trends/growth';
import { takeSample, type CountSample } from '../../src/core/trends/sample';
import { LocalTransport } from '../../src/core/transport/local';
import type { TrendSample } from '../../src/protocol/trendProtocol';
import { formatRate } from '../../webview/src/trend/series';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';
import { clockPast } from '../support/waitFor';
import { daySamples } from './support/trendSamples';
import { assertNoPageErrors, launchChromium, postToWebview, sent } from './support/webviewPage';
import { openTrendPage, trendBundleMissing, type TrendPage } from './support/trendPage';

// The real trend bundle in Debian's Chromium (trendPage.ts: acquireVsCodeApi is the one stub),
// fed real samples (core's takeSample, the watch program the sampler runs) of a kubelet-shaped
// tree that grows in the kernel's cgroup2 hierarchy between samples. Where exact numbers are the
// point (a rate of exactly +60/hour, 1,440 x 20 for speed) the samples are written out as data.
const OUT = join(__dirname, '..', '..', 'test-output');
const HOSTILE = '<img src=x onerror=window.__pwned=1>';
const mounts = cgroupMounts();

/** A hierarchy growing by one cgroup a minute (100 -> 110 over 11 samples), the new ones all dying. */
function minuteSamples(n = 11, t0 = 1_760_000_000): TrendSample[] {
  return Array.from({ length: n }, (_, i) => ({
    time: t0 + 60 * i,
    hierarchies: [
      { kind: 'v2' as const, hierarchy: 'unified', dir: '/sys/fs/cgroup', live: 100, dying: i },
      { kind: 'v1' as const, hierarchy: 'memory', dir: '/sys/fs/cgroup/memory', live: 50 },
    ],
    kubepods: [{ hierarchy: 'unified', dir: '/sys/fs/cgroup/kubepods.slice', live: 20, dying: 0 }],
    node: { memTotalKb: 8_000_000, memAvailableKb: 4_000_000 - 1000 * i, slabKb: 200_000 + 500 * i, sUnreclaimKb: 90_000, percpuKb: 3000 + 100 * i, load1: 0.5 },
  }));
}

describe('trend chart in Chromium (real bundle, real samples)', function () {
  let box: CgroupSandbox | undefined;
  let browser: Browser | undefined;
  const real: CountSample[] = [];
  let view: TrendPage | undefined;

  before(async function () {
    needs(this, trendBundleMissing());
    needs(this, mounts.v2 ? cgroupMissing(mounts.v2) : 'no cgroup2 mount');
    box = CgroupSandbox.create(mounts.v2!, 'trend');
    // The walk root's own name is hostile (a path the node names).
    box.mkdir(`${HOSTILE}/kubepods.slice/kubepods-burstable.slice`);
    const root = join(box.root, HOSTILE);
    for (let s = 0; s < 5; s++) {
      for (let p = 0; p < 3; p++) box.mkdir(`${HOSTILE}/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${s}_${p}.slice`);
      const r = await takeSample(new LocalTransport(), { cgroupRoot: root });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      real.push(r.value);
      if (s < 4) await clockPast(r.value.time); // the node's clock counts whole seconds: the next sample is a second later
    }
    browser = await launchChromium();
    mkdirSync(OUT, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await box?.cleanup();
  });

  afterEach(function () {
    assertNoPageErrors(this.currentTest, view);
    view = undefined;
  });

  async function open(samples: readonly TrendSample[], o: { sampling?: boolean; state?: unknown; width?: number } = {}): Promise<Page> {
    view = await openTrendPage(browser!, { ...(o.state !== undefined ? { state: o.state } : {}), ...(o.width ? { width: o.width } : {}) });
    await postToWebview(view.page, [{ type: 'init', nodeId: 'local', label: 'This machine', sampling: o.sampling ?? true, samples }]);
    if (samples.length > 0) await view.page.waitForFunction(() => /sample/.test(document.getElementById('status')!.textContent ?? ''));
    return view.page;
  }

  async function rateOf(page: Page, key: string): Promise<string> {
    return page.evaluate((k) => [...document.querySelectorAll('#growth-table tbody tr')].find((tr) => (tr as HTMLElement).dataset.key === k)?.querySelector('td.rate')?.textContent ?? '(no row)', key);
  }

  it('draws one line per series of real samples (dying dashed); no rate from seconds of samples, until they span 10 min', async () => {
    const page = await open(real);
    const growth = growthOf(real);
    const keys = new Set([...real.flatMap((s) => s.hierarchies.map((h) => `hierarchy ${h.hierarchy}`)), ...real.flatMap((s) => s.kubepods.map((k) => `${k.hierarchy} ${k.dir}`))]);
    // unified itself, kubepods.slice and its two QoS subtrees.
    assert.equal(keys.size, 4);
    const solid = await page.locator('#count-chart path.series-line:not(.dashed)').count();
    const dashed = await page.locator('#count-chart path.series-line.dashed').count();
    assert.equal(solid, keys.size);
    assert.equal(dashed, keys.size, 'cgroup2 tells dying counts for every series');
    // Every line has a point per sample (5 samples: no thinning).
    const ds = await page.locator('#count-chart path.series-line:not(.dashed)').evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? ''));
    for (const d of ds) assert.equal(d.split(/[ML]/).filter((x) => x !== '').length, real.length, d);
    // Five samples a second apart: a slope over seconds, extrapolated to an hour, means nothing.
    const span = real[real.length - 1]!.time - real[0]!.time;
    assert.ok(span < 60, `${span} s`);
    for (const g of growth) assert.equal(await rateOf(page, g.key), `rate after 10 min of samples (${span} s so far)`, g.key);
    const besteffort = growth.find((g) => g.key.endsWith('kubepods-besteffort.slice'));
    assert.ok(besteffort && besteffort.last - besteffort.first === 12, JSON.stringify(besteffort));
    // The same samples spread over ten minutes: the rates are core's.
    assert.equal(MIN_RATE_SPAN_S, 600);
    const spread = real.map((s, i) => ({ ...s, time: real[0]!.time + (i * MIN_RATE_SPAN_S) / (real.length - 1) }));
    const later = await open(spread);
    for (const g of growthOf(spread)) assert.equal(await rateOf(later, g.key), formatRate(g.perHour), g.key);
    assert.match(await rateOf(later, besteffort.key), /^\+\d+\/hour$/);
    await later.screenshot({ path: join(OUT, 'trend-real-dark.png'), fullPage: true });
  });

  it('shows +60/hour for a series growing one a minute, and the sustained-growth finding as a banner', async () => {
    const page = await open(minuteSamples());
    assert.equal(await rateOf(page, 'hierarchy unified'), '+60/hour');
    assert.equal(await rateOf(page, 'hierarchy memory'), '0/hour');
    const row = page.locator('#growth-table tbody tr[data-key="hierarchy unified"]');
    assert.equal(await row.locator('td.first-last').textContent(), '100 → 110');
    assert.equal(await row.locator('td.dying').textContent(), '0 → 10');
    const banner = page.locator('#growth-banner');
    assert.ok(await banner.isVisible());
    assert.deepEqual(await banner.locator('li').allTextContents(), ['+60 cgroups/hour in hierarchy unified, dying share rising']);
    // Node stats: a small chart each for MemAvailable, Slab and Percpu.
    assert.ok(await page.locator('#node-stats').isVisible());
    assert.equal(await page.locator('#node-stats .node-chart:visible path.series-line').count(), 3);
    // The time axis is in local time (the page's zone; the ticks say hours and minutes).
    const ticks = await page.locator('#count-chart .x-axis .tick text').allTextContents();
    assert.ok(ticks.length >= 2 && ticks.every((t) => /^\d\d:\d\d$|^[A-Z]|^\d+$|PM|AM/.test(t)), ticks.join(','));
    // One format on the whole axis (never ":25" beside "02:52"): 24-hour HH:MM here.
    assert.ok(ticks.every((t) => /^\d\d:\d\d$/.test(t)), ticks.join(','));
    // The sums are labelled as what they are: live + dying (the Nodes tree counts live only).
    const heads = await page.locator('#growth-table thead th').allTextContents();
    assert.ok(heads.some((h) => /live \+ dying: first → last/.test(h)), heads.join('|'));
    assert.ok(heads.some((h) => /^Growth \(live \+ dying\)$/.test(h)), heads.join('|'));
    assert.match((await page.locator('#count-title').textContent()) ?? '', /live \+ dying/);
    await page.screenshot({ path: join(OUT, 'trend-growth-dark.png'), fullPage: true });
  });

  it('shows the growth banner only once the samples span 10 min, as the rate column: the same growth over a minute shows none', async () => {
    // Eleven samples 6 s apart (a minute) growing one per sample: "+600/hour" from a minute is noise.
    const fast = await open(minuteSamples().map((s, i) => ({ ...s, time: 1_760_000_000 + 6 * i })));
    assert.equal(await rateOf(fast, 'hierarchy unified'), 'rate after 10 min of samples (1 min so far)');
    assert.ok(!(await fast.locator('#growth-banner').isVisible()), 'no sustained growth from a minute of samples');
    // The same counts a minute apart (10 min): the banner shows core's finding.
    const slow = await open(minuteSamples());
    assert.equal(MIN_RATE_SPAN_S, 600);
    assert.deepEqual(await slow.locator('#growth-banner li').allTextContents(), ['+60 cgroups/hour in hierarchy unified, dying share rising']);
  });

  it('formats every tick of a short time axis alike (seconds shown), and gates the rate with how long so far', async () => {
    // Three samples twenty seconds apart: ticks seconds apart, one HH:MM:SS format for all.
    const page = await open(minuteSamples(3).map((s, i) => ({ ...s, time: 1_760_000_000 + 20 * i })));
    const ticks = await page.locator('#count-chart .x-axis .tick text').allTextContents();
    assert.ok(ticks.length >= 2 && ticks.every((t) => /^\d\d:\d\d:\d\d$/.test(t)), ticks.join(','));
    assert.equal(await rateOf(page, 'hierarchy unified'), 'rate after 10 min of samples (40 s so far)');
    const three = await open(minuteSamples(4));
    assert.equal(await rateOf(three, 'hierarchy unified'), 'rate after 10 min of samples (3 min so far)');
  });

  it('shows a hostile series name as text in the table and the tooltip, never as HTML', async () => {
    // Labels name the hierarchy (a v1 named hierarchy's name is any text) and the kubepods path
    // below its root (the hostile walk root is that root here): the real samples, renamed.
    const renamed = real.map((x) => ({ ...x, hierarchies: x.hierarchies.map((h) => ({ ...h, hierarchy: HOSTILE })), kubepods: x.kubepods.map((k) => ({ ...k, hierarchy: HOSTILE })) }));
    const page = await open(renamed);
    const names = await page.locator('#growth-table .series-name').allTextContents();
    assert.ok(names.some((n) => n.includes(HOSTILE)), names.join('\n'));
    assert.equal(await page.locator('img').count(), 0);
    // Hover the middle of the chart: the tooltip lists every series shown, names as text.
    const b = (await page.locator('#count-chart rect.overlay').boundingBox())!;
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    await page.waitForFunction(() => !document.getElementById('tooltip')!.hidden);
    const labels = await page.locator('#tooltip th').allTextContents();
    assert.ok(labels.some((l) => l.includes(HOSTILE)), labels.join('\n'));
    assert.equal(await page.locator('#tooltip td').count(), 4);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });

  it('shows the empty state, and its button asks the host to start sampling', async () => {
    const page = await open([], { sampling: false });
    await page.locator('#empty').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#empty-text').textContent(), 'No samples yet — start trend sampling on this node');
    assert.ok(!(await page.locator('#count-chart').isVisible()));
    await page.locator('#start-sampling').click();
    const starts = (await sent(page)).filter((m) => m.type === 'startSampling');
    assert.equal(starts.length, 1);
    assert.deepEqual(Object.keys(starts[0]!).sort(), ['requestId', 'type']);
    await postToWebview(page, [
      { type: 'sampling', sampling: true },
      { type: 'reply', requestId: starts[0]!.requestId, ok: true },
    ]);
    await page.waitForFunction(() => /Sampling started/.test(document.getElementById('empty-note')!.textContent ?? ''));
    assert.match((await page.locator('#empty-text').textContent()) ?? '', /trend sampling is running/);
    assert.ok(!(await page.locator('#start-sampling').isVisible()));
    // The first sample replaces the empty state with the chart.
    await postToWebview(page, [{ type: 'append', sample: minuteSamples(1)[0], kept: 1, sampling: true }]);
    await page.locator('#count-chart svg').waitFor({ state: 'visible' });
    assert.ok(!(await page.locator('#empty').isVisible()));
  });

  it('appends a sample: the line gains a point, the table and banner follow, and dropped samples go', async () => {
    const samples = minuteSamples(3);
    const page = await open(samples);
    assert.ok(!(await page.locator('#growth-banner').isVisible()), 'three samples are too few to call growth sustained');
    const points = async (): Promise<number> => ((await page.locator('#count-chart path.series-line[data-key="hierarchy unified"]').getAttribute('d')) ?? '').split(/[ML]/).filter((x) => x !== '').length;
    assert.equal(await points(), 3);
    const more = minuteSamples(12).slice(3);
    await postToWebview(page, [{ type: 'append', sample: more[0], kept: 4, sampling: true }]);
    await page.waitForFunction(() => /4 samples/.test(document.getElementById('status')!.textContent ?? ''));
    assert.equal(await points(), 4);
    assert.equal(await page.locator('#growth-table tbody tr[data-key="hierarchy unified"] td.first-last').textContent(), '100 → 103');
    // A new series appears mid-way: drawn from where it starts, listed, offered in the picker.
    const withNew = { ...more[1]!, kubepods: [...more[1]!.kubepods, { hierarchy: 'unified', dir: '/sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice', live: 7, dying: 1 }] };
    await postToWebview(page, [{ type: 'append', sample: withNew, kept: 5, sampling: true }]);
    await page.waitForFunction(() => document.querySelectorAll('#growth-table tbody tr').length === 4);
    assert.equal(await page.locator('#series vscode-option').count(), 4);
    for (const s of more.slice(2)) await postToWebview(page, [{ type: 'append', sample: s, kept: 100, sampling: true }]);
    await page.waitForFunction(() => /12 samples/.test(document.getElementById('status')!.textContent ?? ''));
    assert.deepEqual(await page.locator('#growth-banner li').allTextContents(), ['+60 cgroups/hour in hierarchy unified, dying share rising']);
    // The host kept only the newest 6: so does the view.
    await postToWebview(page, [{ type: 'append', sample: { ...more[8]!, time: more[8]!.time + 60 }, kept: 6, sampling: true }]);
    await page.waitForFunction(() => /6 samples/.test(document.getElementById('status')!.textContent ?? ''));
    assert.equal(await points(), 6);
  });

  it('hides a series from the table or the picker, and restores that choice from its saved state', async () => {
    const page = await open(minuteSamples());
    await page.locator('#growth-table tbody tr[data-key="hierarchy memory"]').click();
    assert.equal(await page.locator('#count-chart path.series-line[data-key="hierarchy memory"]').count(), 0);
    const state = await page.evaluate(() => (window as unknown as { __state: { hidden: string[]; nodeId: string } }).__state);
    assert.deepEqual(state.hidden, ['hierarchy memory']);
    assert.equal(state.nodeId, 'local');
    const again = await open(minuteSamples(), { state });
    assert.equal(await again.locator('#count-chart path.series-line[data-key="hierarchy memory"]').count(), 0);
    assert.equal(await again.locator('#count-chart path.series-line[data-key="hierarchy unified"]').count(), 1);
    await again.locator('#growth-table tbody tr[data-key="hierarchy memory"]').click();
    assert.equal(await again.locator('#count-chart path.series-line[data-key="hierarchy memory"]').count(), 1);
  });

  it('logs and ignores malformed messages from the host', async () => {
    const page = await open(minuteSamples(2));
    await postToWebview(page, [
      { type: 'init', nodeId: 'x', label: 'x', sampling: false, samples: [{ time: 'soon', hierarchies: [], kubepods: [] }] },
      { type: 'append', sample: { time: 1, hierarchies: [{ kind: 'v3', hierarchy: 'u', dir: '/', live: 1 }], kubepods: [] }, kept: 1, sampling: true },
      { type: 'nonsense' },
    ]);
    await page.waitForFunction(() => (window as unknown as { __sent: { type: string }[] }).__sent.filter((m) => m.type === 'log').length >= 3);
    assert.match((await page.locator('#status').textContent()) ?? '', /2 samples/);
    view!.errors = view!.errors.filter((e) => !/ignored a message/.test(e));
  });

  // How fast it draws is bench/trend.bench.mjs's business (figures against a reference in the
  // same run); here the day-sized chart must draw, take appends and thin to the panel's width.
  it('draws a day of samples (1,440 x 20 series), takes appends, and thins lines in a narrow panel', async () => {
    const samples = daySamples();
    const page = await open(samples, { width: 1400 });
    const lines = Number(await page.locator('#main').getAttribute('data-lines'));
    assert.equal(lines, 40, 'twenty totals and twenty dashed dying lines');
    for (let i = 0; i < 10; i++) {
      await postToWebview(page, [{ type: 'append', sample: { ...samples[1439]!, time: samples[1439]!.time + 60 * (i + 1) }, kept: 1440, sampling: true }]);
      await page.waitForFunction((n) => performance.getEntriesByName('trend-render').length >= n, i + 2);
    }
    // The host keeps a day: so does the view, the oldest samples dropped as the newest came.
    assert.match((await page.locator('#status').textContent()) ?? '', /1,440 samples/);
    assert.equal(Number(await page.locator('#main').getAttribute('data-lines')), 40);
    await page.screenshot({ path: join(OUT, 'trend-day-dark.png'), fullPage: true });
    // In a narrow panel a line holds more samples than pixels: thinned to each pixel's extremes.
    const narrow = await open(samples, { width: 600 });
    const drawn = await narrow.locator('#count-chart path.series-line').evaluateAll((ps) => ps.reduce((a, p) => a + (p.getAttribute('d') ?? '').split(/[ML]/).length - 1, 0));
    assert.ok(drawn < 40 * 1440 * 0.8, `${drawn} points drawn of ${40 * 1440}`);
  });
});
