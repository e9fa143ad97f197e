import { setTimeout as delay } from 'node:timers/promises';
import type { Snapshot } from '../../core/model/snapshot';
import type { ChurnMeasurement } from '../../core/report/churnText';
import { AbortError, type Transport } from '../../core/transport/transport';
import { churnBetween } from '../../core/trends/churn';
import { traceLiveChurn } from '../../core/trends/liveChurn';

export type ChurnMethod = 'auto' | 'bpftrace' | 'snapshots';

export const CHURN_SECONDS = { min: 5, max: 600, default: 30 } as const;

/** A whole number of seconds within CHURN_SECONDS, or undefined. */
export function churnSeconds(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= CHURN_SECONDS.min && n <= CHURN_SECONDS.max ? n : undefined;
}

/**
 * Cgroup churn over `seconds` on a node: a bpftrace trace of the cgroup tracepoints where it
 * works (bpftrace installed, root, tracefs), else (or when asked) two snapshots `seconds` apart.
 * Cancelling stops the remote trace through the transport (it ends the program) or the wait.
 * Throws AbortError when cancelled, Error when bpftrace was demanded and failed.
 */
export async function measureChurn(
  o: { transport: Transport; seconds: number; method: ChurnMethod; snapshot: (signal: AbortSignal) => Promise<Snapshot>; signal: AbortSignal },
  report: (message: string) => void,
): Promise<ChurnMeasurement> {
  let whyNotTraced: string | undefined;
  if (o.method !== 'snapshots') {
    report(`tracing the cgroup tracepoints for ${o.seconds} s`);
    const r = await traceLiveChurn(o.transport, o.seconds, o.signal);
    if (r.ok) return { method: 'bpftrace', churn: r.value };
    if (r.error.code === 'cancelled' || o.signal.aborted) throw new AbortError();
    if (o.method === 'bpftrace') throw new Error(r.error.message);
    whyNotTraced = r.error.message;
  }
  report('first snapshot');
  const a = await o.snapshot(o.signal);
  report(`waiting ${o.seconds} s`);
  try {
    await delay(o.seconds * 1000, undefined, { signal: o.signal });
  } catch {
    throw new AbortError();
  }
  report('second snapshot');
  const b = await o.snapshot(o.signal);
  return { method: 'snapshots', seconds: Math.round((b.takenAt - a.takenAt) / 1000), rates: churnBetween(a, b), ...(whyNotTraced ? { whyNotTraced } : {}) };
}
