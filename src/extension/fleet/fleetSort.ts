import { SEVERITY_RANK } from '../../core/analysis/finding';
import { byAttention, type FleetNode } from '../../core/fleet/fleetNode';

/**
 * The Fleet view's sort orders: the core's order of attention (the default, as the CLI's table),
 * or one column. Pure (no 'vscode'). A column's ties keep the order of attention, so what needs
 * attention stays on top within equal values.
 */
export const FLEET_SORTS = {
  attention: 'what needs attention first',
  name: 'node name',
  layout: 'cgroup layout',
  cgroups: 'cgroups, most first',
  dying: 'dying cgroups, most first',
  orphans: 'orphans, most first',
  worst: 'worst finding, most severe first',
  reached: 'how reached / why not',
} as const;

export type FleetSortKey = keyof typeof FLEET_SORTS;

export function isFleetSortKey(k: unknown): k is FleetSortKey {
  return typeof k === 'string' && Object.prototype.hasOwnProperty.call(FLEET_SORTS, k);
}

/** A count, most first; a node without it (not investigated, or the kernel does not tell) last. */
const most = (v: (n: FleetNode) => number | undefined) => (a: FleetNode, b: FleetNode): number => (v(b) ?? -1) - (v(a) ?? -1);
const text = (v: (n: FleetNode) => string | undefined) => (a: FleetNode, b: FleetNode): number => {
  const x = v(a);
  const y = v(b);
  // Nodes without the column come after those with it.
  if (x === undefined || y === undefined) return Number(x === undefined) - Number(y === undefined);
  return x < y ? -1 : x > y ? 1 : 0;
};

const COLUMN: Record<Exclude<FleetSortKey, 'attention'>, (a: FleetNode, b: FleetNode) => number> = {
  name: text((n) => n.name),
  layout: text((n) => n.summary?.layout),
  cgroups: most((n) => n.summary?.cgroups),
  dying: most((n) => n.summary?.dying),
  orphans: most((n) => n.summary?.orphans),
  worst: most((n) => (n.summary?.worst ? SEVERITY_RANK[n.summary.worst.severity] : undefined)),
  reached: text((n) => (n.status === 'investigated' ? n.reachedBy : `${n.status} ${n.error ?? ''}`)),
};

export function sortFleet(nodes: readonly FleetNode[], key: FleetSortKey): FleetNode[] {
  const by = key === 'attention' ? byAttention : (a: FleetNode, b: FleetNode): number => COLUMN[key](a, b) || byAttention(a, b);
  return [...nodes].sort(by);
}
