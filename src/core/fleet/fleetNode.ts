import { SEVERITY_RANK, type FindingKind, type Severity } from '../analysis/finding';
import type { ForensicsReport } from '../analysis/forensics';
import { isActionable, isOrphan, reportVerdict } from '../analysis/orphanVerdict';
import { dyingOf } from '../analysis/summary';
import type { Investigation } from '../investigation/investigate';
import { layoutOf, type Layout } from '../model/snapshot';

/** What became of one node of a fleet. */
export type FleetStatus =
  /** Investigated: its report is there. */
  | 'investigated'
  /** The transport could not reach it, or lost it. */
  | 'unreachable'
  /** Reached, but the investigation failed (no such cgroup root, output cut short, the node's facts unreadable). */
  | 'failed'
  /** Not done within the per-node time: stopped, its connection closed. */
  | 'timed-out'
  /** The whole run was interrupted before it was done. */
  | 'cancelled';

/** The node as the fleet table shows it, computed once when its investigation ends (the snapshot is not kept). */
export interface FleetSummary {
  hostname?: string;
  layout: Layout;
  cgroups: number;
  /** Removed cgroups the kernel has not freed, summed where the kernel tells; absent where it cannot. */
  dying?: number;
  /** Orphans to act on (orphanVerdict's isOrphan). */
  orphans: number;
  /** The finding that most needs attention: an actionable one first, then by severity. */
  worst?: { kind: FindingKind; severity: Severity; title: string };
  kernel?: string;
  /** "containerd 1.6.20", "runc 1.1.5", "kubelet 1.31.2": what the node's facts name. */
  runtime: string[];
}

export interface FleetNode {
  name: string;
  /** How it was reached ("ssh root@10.0.3.7:22"), or how it was to be. */
  reachedBy: string;
  status: FleetStatus;
  /** Why it was not investigated (status other than investigated). */
  error?: string;
  /** The report's verdict (orphanVerdict's reportVerdict) for an investigated node. */
  verdict?: 'actionable' | 'undetermined' | 'clear';
  elapsedMs: number;
  summary?: FleetSummary;
  report?: ForensicsReport;
}

/** The table's view of an investigation: counts, the worst finding, versions. */
export function fleetSummary(i: Investigation): FleetSummary {
  const s = i.snapshot;
  let dying: number | undefined;
  for (const h of s.hierarchies) {
    const d = dyingOf(s, h).dying;
    if (d !== undefined) dying = (dying ?? 0) + d;
  }
  const worst = [...i.report.findings].sort((a, b) => Number(isActionable(b)) - Number(isActionable(a)) || SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity])[0];
  const f = i.facts;
  const runtime = [
    ...(f.containerdVersion ? [`containerd ${f.containerdVersion}`] : []),
    ...(f.runcVersion ? [`runc ${f.runcVersion}`] : []),
    ...(f.kubeletVersion ? [`kubelet ${f.kubeletVersion}`] : []),
  ];
  const kernel = s.node.kernel ?? f.kernel;
  return {
    ...(s.node.hostname ? { hostname: s.node.hostname } : {}),
    layout: layoutOf(s),
    cgroups: s.hierarchies.reduce((a, h) => a + h.tree.size, 0),
    ...(dying !== undefined ? { dying } : {}),
    orphans: i.report.findings.filter(isOrphan).length,
    ...(worst ? { worst: { kind: worst.kind, severity: worst.severity, title: worst.title } } : {}),
    ...(kernel ? { kernel } : {}),
    runtime,
  };
}

/** A node that was investigated, as the fleet keeps it. */
export function investigatedNode(name: string, reachedBy: string, i: Investigation, elapsedMs: number): FleetNode {
  return { name, reachedBy, status: 'investigated', verdict: reportVerdict(i.report), elapsedMs, summary: fleetSummary(i), report: i.report };
}

/**
 * How much a node needs attention, smaller first: actionable findings by their worst severity,
 * then nodes that could not be looked at (their state is unknown), then nodes whose orphans
 * could not be judged, then clear ones.
 */
function attentionClass(n: FleetNode): number {
  if (n.status !== 'investigated') return 3;
  if (n.verdict === 'actionable') {
    const worst = n.report!.findings.filter(isActionable).reduce((a, f) => Math.max(a, SEVERITY_RANK[f.severity]), 0);
    return 2 - worst; // critical 0, warning 1, info 2
  }
  return n.verdict === 'undetermined' ? 4 : 5;
}

/** The fleet's order: what needs attention first, then more orphans, more dying cgroups, more cgroups, then by name. */
export function byAttention(a: FleetNode, b: FleetNode): number {
  return (
    attentionClass(a) - attentionClass(b) ||
    (b.summary?.orphans ?? 0) - (a.summary?.orphans ?? 0) ||
    (b.summary?.dying ?? 0) - (a.summary?.dying ?? 0) ||
    (b.summary?.cgroups ?? 0) - (a.summary?.cgroups ?? 0) ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}
