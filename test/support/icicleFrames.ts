import type { Frame, Page } from 'playwright-core';

/**
 * What the flame view's page says about its drawing, for tests that must wait for it: every frame
 * the icicle draws is a User Timing measure named 'icicle-frame' (webview/src/main.ts). Works in
 * a Page of its own (test/browser) and in VS Code's webview frame (test/e2e), whose CSP refuses
 * Playwright's string predicates: these are functions evaluated in the page, polled from here.
 */

/** How many frames the chart has drawn so far. */
export function framesDrawn(where: Page | Frame): Promise<number> {
  return where.evaluate(() => performance.getEntriesByName('icicle-frame').length);
}

/** Resolves when the chart has drawn a frame beyond `count` (a redraw asked for has happened). */
export async function frameDrawnAfter(where: Page | Frame, count: number, timeoutMs = 30_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; (await framesDrawn(where)) <= count; ) {
    if (Date.now() > end) throw new Error(`the chart drew no frame after its ${count}th within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Resolves when the chart is still: an animation frame of the page passes in which it draws
 * nothing. A zoom animates for a fixed time and draws on every animation frame until it ends, so
 * this is the end of the animation (and of any redraw already scheduled).
 */
export function chartSettled(where: Page | Frame): Promise<void> {
  return where.evaluate(async () => {
    const w = globalThis as unknown as { requestAnimationFrame(cb: () => void): number };
    for (let seen = -1; ; ) {
      await new Promise<void>((r) => w.requestAnimationFrame(() => r()));
      const n = performance.getEntriesByName('icicle-frame').length;
      if (n === seen) return;
      seen = n;
    }
  });
}
