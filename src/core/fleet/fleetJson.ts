import { findingsToJson } from '../report/findingsJson';
import type { FleetNode } from './fleetNode';

export const FLEET_SCHEMA = 'cgroup-forensics/fleet@1';

/**
 * The fleet as JSON (schema cgroup-forensics/fleet@1), nodes in the order given: each node's
 * status, how it was reached or why not, the table's summary, and its findings exactly as
 * `orphans --json` prints them (schema cgroup-forensics/findings@1).
 */
export function fleetToJson(nodes: readonly FleetNode[]): string {
  return (
    JSON.stringify(
      {
        schema: FLEET_SCHEMA,
        nodes: nodes.map((n) => ({
          node: n.name,
          status: n.status,
          reachedBy: n.reachedBy,
          ...(n.error !== undefined ? { error: n.error } : {}),
          ...(n.verdict ? { verdict: n.verdict } : {}),
          elapsedMs: n.elapsedMs,
          ...(n.summary ? { summary: n.summary } : {}),
          ...(n.report ? { findings: JSON.parse(findingsToJson(n.report)) as unknown } : {}),
        })),
      },
      null,
      1,
    ) + '\n'
  );
}
