import { investigate, type InvestigationOptions, type InvestigationStep } from '../investigation/investigate';
import type { ProbeError } from '../result';
import type { Transport } from '../transport/transport';
import { investigatedNode, type FleetNode, type FleetStatus } from './fleetNode';
import type { FleetTarget } from './fleetTarget';

export interface FleetOptions {
  /** Stops every node (an interrupted run): nodes not done are 'cancelled'. */
  signal: AbortSignal;
  /** Nodes investigated at once. */
  concurrency: number;
  /** Each node's bound, from opening its transport to its last program. */
  nodeTimeoutMs: number;
  /** The investigation's options for one node (the runner adds its signal and progress). */
  investigation(target: FleetTarget): Omit<InvestigationOptions, 'signal' | 'onProgress'>;
  onEvent?(e: FleetEvent): void;
}

export type FleetEvent =
  | { kind: 'step'; name: string; step: InvestigationStep | 'connecting' }
  /** A node is done (whatever its status); done of total so far. */
  | { kind: 'done'; node: FleetNode; done: number; total: number };

/**
 * After a node's time is up and its signal fired, how long the runner still waits for its
 * transport to give up: the bound is the runner's, so a transport that does not stop promptly
 * cannot hold the fleet (its node is reported timed out all the same).
 */
const ABORT_GRACE_MS = 2_000;

/**
 * The one investigation (investigate) on every target, `concurrency` at a time, each over its
 * own transport and within its own time; a node that fails, hangs or cannot be reached is a
 * value in the result and never stops the others. Results are in the targets' order.
 */
export async function runFleet(targets: readonly FleetTarget[], o: FleetOptions): Promise<FleetNode[]> {
  const results: FleetNode[] = new Array<FleetNode>(targets.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      const t = targets[i];
      if (!t) return;
      const node = await runNode(t, o);
      results[i] = node;
      o.onEvent?.({ kind: 'done', node, done: ++done, total: targets.length });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, targets.length)) }, worker));
  return results;
}

async function runNode(t: FleetTarget, o: FleetOptions): Promise<FleetNode> {
  const started = Date.now();
  const elapsed = (): number => Date.now() - started;
  const ac = new AbortController();
  const onOuter = (): void => ac.abort();
  if (o.signal.aborted) ac.abort();
  else o.signal.addEventListener('abort', onOuter, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, o.nodeTimeoutMs);
  let transport: Transport | undefined;
  let reachedBy = t.via;
  let finished = false;
  const stopped = (why?: string): FleetNode => {
    const status: FleetStatus = timedOut ? 'timed-out' : 'cancelled';
    const error = timedOut ? `no answer within ${o.nodeTimeoutMs / 1000} s${why ? ` (${why})` : ''}; stopped and disconnected` : 'interrupted';
    return { name: t.name, reachedBy, status, error, elapsedMs: elapsed() };
  };
  const work = async (): Promise<FleetNode> => {
    o.onEvent?.({ kind: 'step', name: t.name, step: 'connecting' });
    let opened;
    try {
      opened = await t.open(ac.signal);
    } catch (e) {
      if (ac.signal.aborted) return stopped('while connecting');
      return { name: t.name, reachedBy, status: 'unreachable', error: e instanceof Error ? e.message : String(e), elapsedMs: elapsed() };
    }
    reachedBy = opened.reachedBy;
    if (finished) {
      opened.transport.dispose(); // given up on while it was opening
      return stopped();
    }
    transport = opened.transport;
    let step: InvestigationStep | undefined;
    const r = await investigate(
      { transport },
      {
        ...o.investigation(t),
        signal: ac.signal,
        onProgress: (p) => {
          if (p.step === step) return;
          step = p.step;
          o.onEvent?.({ kind: 'step', name: t.name, step: p.step });
        },
      },
    );
    if (!r.ok) return r.error.code === 'cancelled' ? stopped(step ? `during ${step}` : undefined) : notInvestigated(t.name, reachedBy, r.error, elapsed());
    if (r.value.factsError) return notInvestigated(t.name, reachedBy, r.value.factsError, elapsed(), "the node's facts: ");
    return investigatedNode(t.name, reachedBy, r.value, elapsed());
  };
  try {
    const gaveUp = new Promise<FleetNode>((resolve) => {
      const onAbort = (): void => void setTimeout(() => resolve(stopped('its transport did not stop')), ABORT_GRACE_MS).unref();
      if (ac.signal.aborted) onAbort();
      else ac.signal.addEventListener('abort', onAbort, { once: true });
    });
    const worked = work().catch((e: unknown): FleetNode => ({ name: t.name, reachedBy, status: 'failed', error: e instanceof Error ? e.message : String(e), elapsedMs: elapsed() }));
    return await Promise.race([worked, gaveUp]);
  } finally {
    finished = true;
    clearTimeout(timer);
    o.signal.removeEventListener('abort', onOuter);
    // The node's one connection is closed when it is done, whatever became of it.
    transport?.dispose();
  }
}

function notInvestigated(name: string, reachedBy: string, e: ProbeError, elapsedMs: number, prefix = ''): FleetNode {
  // A transport failure is the node not being reached (or lost); anything else failed on the node.
  const status: FleetStatus = e.code === 'transport' ? 'unreachable' : 'failed';
  return { name, reachedBy, status, error: `${prefix}${e.message.replace(/\s*\n\s*/g, ' ')}`, elapsedMs };
}
