import { findingsToJson } from '../report/findingsJson';
import type { FleetNode } from './fleetNode';

export const FLEET_SCHEMA = 'cgroup-forensics/fleet@1';

/**
 * The fleet as JSON (schema cgroup-forensics/fleet@1), nodes in the order given: each node's
 * status, how it was reached or why not, the table's summary, and its findings exactly as
 * `orphans --json` prints them (schema cgroup-forensics/findings@1). In pieces, one per node, so
 * a fleet of leaking nodes (tens of MB) is written as it is made, never held as one string.
 */
export function* fleetJsonChunks(nodes: readonly FleetNode[]): Generator<string> {
  yield `{"schema": ${JSON.stringify(FLEET_SCHEMA)},\n"nodes": [`;
  let first = true;
  for (const n of nodes) {
    const head = JSON.stringify({
      node: n.name,
      status: n.status,
      reachedBy: n.reachedBy,
      ...(n.error !== undefined ? { error: n.error } : {}),
      ...(n.verdict ? { verdict: n.verdict } : {}),
      elapsedMs: n.elapsedMs,
      ...(n.summary ? { summary: n.summary } : {}),
    });
    // The findings document is spliced in as findingsToJson made it (no parse and print again).
    const body = n.report ? `${head.slice(0, -1)},\n "findings": ${findingsToJson(n.report).trim()}}` : head;
    yield `${first ? '\n' : ',\n'}${body}`;
    first = false;
  }
  yield '\n]}\n';
}

export function fleetToJson(nodes: readonly FleetNode[]): string {
  return [...fleetJsonChunks(nodes)].join('');
}
