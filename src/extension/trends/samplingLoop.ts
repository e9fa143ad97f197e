/**
 * The timing of one node's background sampling, apart from VS Code and the node (the sampler gives
 * it what to run and what to do with the outcome), so the unit tests drive it with plain functions:
 *
 * - never two samples in flight: the next is timed when the last one ends, `intervalMs` after it
 *   began (or at once when it took longer than that);
 * - a failure is told once per run of failures (`firstInRun`), then retried every interval; the
 *   first success after failures is told as a recovery;
 * - stop() aborts the sample in flight and drops its outcome; nothing runs after it.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

export interface LoopHandlers<T> {
  sample(signal: AbortSignal): Promise<Outcome<T>>;
  onValue(value: T): void;
  onFailure(message: string, firstInRun: boolean): void;
  onRecovered?(): void;
}

export class SamplingLoop<T> {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  private failing = false;
  private stopped = false;
  private started = false;

  constructor(
    private intervalMs: number,
    private readonly h: LoopHandlers<T>,
  ) {}

  get interval(): number {
    return this.intervalMs;
  }

  /** Whether a sample runs now. */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  /** Takes the first sample now, then one every interval. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    void this.tick();
  }

  /** A new interval; a wait under way is re-timed to it, a sample in flight finishes first. */
  setInterval(ms: number): void {
    this.intervalMs = ms;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.tick(), ms);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.stopped || this.inFlight) return;
    const began = Date.now();
    const controller = new AbortController();
    this.inFlight = controller;
    let outcome: Outcome<T>;
    try {
      outcome = await this.h.sample(controller.signal);
    } catch (e) {
      outcome = { ok: false, error: { code: 'exception', message: e instanceof Error ? e.message : String(e) } };
    } finally {
      this.inFlight = undefined;
    }
    if (this.stopped) return;
    if (outcome.ok) {
      if (this.failing) this.h.onRecovered?.();
      this.failing = false;
      try {
        this.h.onValue(outcome.value);
      } catch (e) {
        // What is done with a sample must not end the loop; it is told as a failure of this tick.
        this.h.onFailure(e instanceof Error ? e.message : String(e), true);
      }
    } else if (outcome.error.code !== 'cancelled') {
      this.h.onFailure(outcome.error.message, !this.failing);
      this.failing = true;
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, this.intervalMs - (Date.now() - began)));
  }
}
