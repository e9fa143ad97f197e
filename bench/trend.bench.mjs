// The trend view's benchmark: its real bundle in headless Chromium (the page the browser tests
// open, test/browser/support/trendPage.ts) drawing a day of samples, 1,440 samples x 20 series (40 lines
// with the dying ones), the chart test/browser/trendView.test.ts checks for what it draws. The
// speed targets that test used to assert live here (first render <= 1000 ms, append render median
// <= 400 ms), as figures rather than pass/fail: the machines are shared and noisy. Figures:
//   render: the view's own 'trend-render' measure (series to paths, node charts, table, banner)
//   shown: from the message posted to the window until the frame after that render is presented
//          (adds the host message's parse and the browser's layout and paint)
// for the init message (first render) and for each append (p50/p95), each with its ratio against
// a reference measured in the same run: the same page and chart with 10 samples x 1 series,
// opened alternately with the big one so drift hits both alike.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const APPENDS = Number(process.env.BENCH_APPENDS ?? 20);
const WIDTH = 1400;
// The TypeScript sources load as the tests load them: tsx's require hook, and the probe script
// as text (esbuild's text loader does that in the bundles).
const require = createRequire(import.meta.url);
require('tsx/cjs');
require('../test/setup/textLoader.cjs');
const ts = async (p) => require(join(repo, p));

const { openTrendPage, trendBundleMissing } = await ts('test/browser/support/trendPage.ts');
const { launchChromium } = await ts('test/browser/support/webviewPage.ts');
const { daySamples } = await ts('test/browser/support/trendSamples.ts');

const missing = trendBundleMissing();
if (missing) {
  console.log(`trend.bench: ${missing}; skipped`);
  process.exit(0);
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const ms = (v) => `${v.toFixed(1)} ms`;
const ratio = (a, b) => `${(a / b).toFixed(1)}x`;

/**
 * Posts one host message (handed to the page first, untimed) and resolves with the duration of
 * the render it caused and the time until the frame after it was presented; then lets two more
 * frames pass, so a redraw the render causes (a scrollbar appearing changes the width) is done
 * before the next message.
 */
async function step(page, msg) {
  // As one JSON string: page.evaluate's own serialiser takes seconds over a day of samples.
  await page.evaluate((json) => {
    window.__benchMsg = JSON.parse(json);
  }, JSON.stringify(msg));
  return page.evaluate(
    () =>
      new Promise((done) => {
        const frames = (n, then) => (n === 0 ? then() : requestAnimationFrame(() => frames(n - 1, then)));
        const obs = new PerformanceObserver(() => {
          const of = (name) => performance.getEntriesByName(name).find((e) => e.startTime >= t0);
          const render = of('trend-render');
          if (!render) return;
          obs.disconnect();
          frames(2, () => {
            const shown = performance.now() - t0;
            const figures = { render: render.duration, chart: of('trend-chart')?.duration ?? NaN, growth: of('trend-growth')?.duration ?? NaN, shown };
            frames(2, () => done(figures));
          });
        });
        obs.observe({ entryTypes: ['measure'] });
        const t0 = performance.now();
        window.postMessage(window.__benchMsg, '*');
      }),
  );
}

/** Opens a fresh page, inits it with `samples`, then appends APPENDS more, one a minute. */
async function measure(browser, samples, expectLines) {
  const view = await openTrendPage(browser, { width: WIDTH });
  try {
    const first = await step(view.page, { type: 'init', nodeId: 'bench', label: 'bench', sampling: true, samples });
    const lines = Number(await view.page.locator('#main').getAttribute('data-lines'));
    if (lines !== expectLines) throw new Error(`the chart drew ${lines} lines, not ${expectLines}`);
    const last = samples[samples.length - 1];
    const appends = [];
    for (let i = 0; i < APPENDS; i++) {
      appends.push(await step(view.page, { type: 'append', sample: { ...last, time: last.time + 60 * (i + 1) }, kept: samples.length, sampling: true }));
    }
    if (view.errors.length) console.log(`page errors: ${view.errors.join('; ')}`);
    return { first, appends };
  } finally {
    await view.page.context().close();
  }
}

const day = daySamples();
const small = daySamples({ samples: 10, hierarchies: 1, kubepods: 0 });
const browser = await launchChromium();
try {
  const big = [];
  const ref = [];
  for (let run = 0; run < RUNS; run++) {
    ref.push(await measure(browser, small, 2));
    big.push(await measure(browser, day, 40));
  }
  const firsts = (rs, k) => rs.map((r) => r.first[k]);
  const appends = (rs, k) => rs.flatMap((r) => r.appends.map((a) => a[k]));
  console.log(`trend view, ${WIDTH} px wide: 1,440 samples x 20 series (40 lines) against a reference of 10 samples x 1 series (2 lines); ${RUNS} runs of each, ${APPENDS} appends a run`);

  const f = Math.min(...firsts(big, 'render'));
  const rf = Math.min(...firsts(ref, 'render'));
  console.log(`first render: best ${ms(f)} of ${RUNS} (${firsts(big, 'render').map((x) => x.toFixed(0)).join(', ')} ms)  target <= 1000 ms  ${f <= 1000 ? 'MET' : 'MISSED'}`);
  console.log(`  reference: ${ms(rf)}  ratio ${ratio(f, rf)}`);
  const fs = Math.min(...firsts(big, 'shown'));
  const rfs = Math.min(...firsts(ref, 'shown'));
  console.log(`  message to frame shown: best ${ms(fs)}; reference ${ms(rfs)}  ratio ${ratio(fs, rfs)}`);

  const a50 = pct(appends(big, 'render'), 50);
  const a95 = pct(appends(big, 'render'), 95);
  const r50 = pct(appends(ref, 'render'), 50);
  const r95 = pct(appends(ref, 'render'), 95);
  console.log(
    `append render: p50 ${ms(a50)}, p95 ${ms(a95)} of ${appends(big, 'render').length} (chart p50 ${ms(pct(appends(big, 'chart'), 50))}, table and growth p50 ${ms(pct(appends(big, 'growth'), 50))})  target p50 <= 400 ms  ${a50 <= 400 ? 'MET' : 'MISSED'}`,
  );
  console.log(`  reference: p50 ${ms(r50)}, p95 ${ms(r95)}  ratio p50 ${ratio(a50, r50)}, p95 ${ratio(a95, r95)}`);
  const s50 = pct(appends(big, 'shown'), 50);
  const s95 = pct(appends(big, 'shown'), 95);
  const rs50 = pct(appends(ref, 'shown'), 50);
  const rs95 = pct(appends(ref, 'shown'), 95);
  console.log(`  message to frame shown: p50 ${ms(s50)}, p95 ${ms(s95)}; reference p50 ${ms(rs50)}, p95 ${ms(rs95)}  ratio p50 ${ratio(s50, rs50)}, p95 ${ratio(s95, rs95)}`);
} finally {
  await browser.close();
}
