/**
 * Waiting on what a test waits for, instead of sleeping a fixed time and hoping it happened: a
 * fixed sleep is too short on a loaded machine (a shared CI runner) and too long
 * everywhere else.
 */

/** Polls `check` until it returns something other than undefined or false; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, o: { timeoutMs?: number; everyMs?: number } = {}): Promise<T> {
  const end = Date.now() + (o.timeoutMs ?? 30_000);
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${o.timeoutMs ?? 30_000} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, o.everyMs ?? 20));
  }
}

/**
 * Resolves once this machine's clock has passed the whole second `second` (epoch seconds, as a
 * node's `date +%s` prints them): the next sample of a local node is stamped later than one
 * stamped `second`.
 */
export async function clockPast(second: number): Promise<void> {
  for (let left = (second + 1) * 1000 - Date.now(); left > 0; left = (second + 1) * 1000 - Date.now()) {
    await new Promise((r) => setTimeout(r, left));
  }
}

/** Resolves when `stream` has printed text matching `pattern` (all it printed so far counts). */
export function printed(stream: NodeJS.ReadableStream, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; printed:\n${text}`));
    }, timeoutMs);
    const onData = (c: Buffer | string): void => {
      text += c.toString();
      if (!pattern.test(text)) return;
      clearTimeout(timer);
      stream.off('data', onData);
      resolve();
    };
    stream.on('data', onData);
  });
}
