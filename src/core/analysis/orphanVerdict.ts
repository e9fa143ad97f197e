import { SEVERITY_RANK, type Finding, type FindingKind } from './finding';

/**
 * The one home of "is this an orphan?" (isOrphan), "does this finding call for action?"
 * (isActionable) and "what does a cleanup remove?" (cleanupPlan). The CLI (`orphans`'s and
 * `evidence`'s exit status, `orphans`'s text, `fix cleanup`), the cleanup script, the fixes a
 * finding suggests (fixes/fixCatalog.ts) and the extension (Findings view, Nodes tree icons, flame
 * view marks, Run Cleanup Script) all ask here; none of them looks at a finding's kind,
 * confidence, knownToApi or severity to decide it by itself.
 *
 * What is already decided before a finding gets here: findOrphans (orphans.ts) drops an empty
 * cgroup younger than the grace period (it is no finding at all), marks an empty one of unknown
 * age low-confidence, and the Kubernetes API's view (kube/kubeEvidence.ts) sets knownToApi on an
 * orphan whose pod the API binds to this node. Processes left in an orphan do not make it less of
 * one: the cleanup script keeps it and skips, at run time, each cgroup that still holds a process.
 */

/** How each kind of finding takes part in a cleanup. Total: a new kind does not compile until decided. */
const CLEANUP_ROLE: Record<FindingKind, 'orphan' | 'leftover' | 'none'> = {
  'orphaned-pod-cgroup': 'orphan',
  'orphaned-container-cgroup': 'orphan',
  // Not orphans of Kubernetes, but cgroups nothing will remove: stopped, reset and removed too.
  'failed-systemd-unit': 'leftover',
  'transient-mount-scope-leak': 'leftover',
  'dying-cgroups': 'none',
  'cgroup-driver-mismatch': 'none',
  'kmem-accounting': 'none',
  'pids-pressure': 'none',
  'release-agent-set': 'none',
  'log-signature': 'none',
  'version-advisory': 'none',
  'cgroup-fd-pinned': 'none',
  'daemon-health': 'none',
  'cgroup-growth': 'none',
  'source-unreadable': 'none',
  'cgroup-driver-source': 'none',
  // A frozen cgroup is thawed by hand first (the finding says how); never removed by a cleanup.
  'frozen-cgroup': 'none',
  'node-condition': 'none',
};

export type OrphanKind = 'orphaned-pod-cgroup' | 'orphaned-container-cgroup';

export function isOrphanKind(kind: FindingKind): kind is OrphanKind {
  return CLEANUP_ROLE[kind] === 'orphan';
}

/** Why an orphan-kind finding (or another finding) is not an orphan to act on. */
export type NotOrphanReason = 'not-an-orphan-kind' | 'known-to-api' | 'low-confidence';

export type OrphanVerdict = { orphan: true; leftoverProcesses: number } | { orphan: false; reason: NotOrphanReason; why: string };

type Judged = Pick<Finding, 'kind' | 'confidence' | 'knownToApi' | 'processes'>;

/** Whether a finding is an orphan to act on (count, mark, clean up), and if not, why not. */
export function orphanVerdict(f: Judged): OrphanVerdict {
  if (!isOrphanKind(f.kind)) return { orphan: false, reason: 'not-an-orphan-kind', why: `${f.kind} is not an orphan` };
  if (f.knownToApi !== undefined) return { orphan: false, reason: 'known-to-api', why: `the Kubernetes API knows pod ${f.knownToApi} on this node` };
  if (f.confidence === 'low') return { orphan: false, reason: 'low-confidence', why: 'low confidence' };
  return { orphan: true, leftoverProcesses: f.processes ?? 0 };
}

export function isOrphan(f: Judged): boolean {
  return orphanVerdict(f).orphan;
}

/** An orphan whose cgroups still hold processes: the workload outlived its container (podspec's subject). */
export function isOrphanWithProcesses(f: Judged): boolean {
  const v = orphanVerdict(f);
  return v.orphan && v.leftoverProcesses > 0;
}

/** Whether a cleanup removes this finding's cgroups (and stops its units); if not, why not (undefined: not a cleanup kind). */
export function cleanupVerdict(f: Judged): { remove: true } | { remove: false; why?: string } {
  switch (CLEANUP_ROLE[f.kind]) {
    case 'orphan': {
      const v = orphanVerdict(f);
      return v.orphan ? { remove: true } : { remove: false, why: v.why };
    }
    case 'leftover':
      return f.confidence === 'low' ? { remove: false, why: 'low confidence' } : { remove: true };
    case 'none':
      return { remove: false };
  }
}

export function isCleanupTarget(f: Judged): boolean {
  return cleanupVerdict(f).remove;
}

export interface CleanupPlan {
  /** Findings whose cgroups the cleanup removes, in the findings' order. */
  targets: Finding[];
  /** Findings of a cleanup kind that it leaves alone, and why (the script names them). */
  leftOut: { finding: Finding; why: string }[];
}

export const FROZEN_LEFT_OUT = 'frozen: thaw it first (see the frozen-cgroup finding)';

/** Whether one of the finding's cgroups is a frozen cgroup or lies under one (same hierarchy, by directory). */
function underFrozen(f: Finding, frozen: readonly Finding[]): boolean {
  return f.cgroups.some((c) =>
    frozen.some((z) => z.cgroups.some((fz) => fz.hierarchy === c.hierarchy && (c.dir === fz.dir || c.dir.startsWith(fz.dir.endsWith('/') ? fz.dir : `${fz.dir}/`)))),
  );
}

/**
 * The cleanup's targets: what `fix cleanup`, the extension's script and its confirmation count.
 * A target at or under a frozen cgroup is left out: its processes cannot exit until it is thawed
 * (runc#4534's frozen runc init is such an orphan), and the frozen-cgroup finding says how.
 */
export function cleanupPlan(findings: readonly Finding[]): CleanupPlan {
  const plan: CleanupPlan = { targets: [], leftOut: [] };
  const frozen = findings.filter((f) => f.kind === 'frozen-cgroup');
  for (const f of findings) {
    const v = cleanupVerdict(f);
    if (v.remove && underFrozen(f, frozen)) plan.leftOut.push({ finding: f, why: FROZEN_LEFT_OUT });
    else if (v.remove) plan.targets.push(f);
    else if (v.why !== undefined) plan.leftOut.push({ finding: f, why: v.why });
  }
  return plan;
}

/**
 * Whether a finding calls for action: an orphan kind by the verdict above, any other kind at
 * warning or worse. What makes `orphans` and `evidence` say "found something" (exit status 1).
 */
export function isActionable(f: Finding): boolean {
  return isOrphanKind(f.kind) ? isOrphan(f) : SEVERITY_RANK[f.severity] >= SEVERITY_RANK.warning;
}

/**
 * What a node's report says as a whole: something to act on (an actionable finding), orphans that
 * could not be judged (no source of pods), or clear. The exit status of `orphans` and each node's
 * verdict in `fleet` come from here.
 */
export function reportVerdict(r: { findings: readonly Finding[]; orphansUndetermined?: string }): 'actionable' | 'undetermined' | 'clear' {
  if (r.findings.some(isActionable)) return 'actionable';
  return r.orphansUndetermined ? 'undetermined' : 'clear';
}

/**
 * Whether the monitoring reports this finding (export --prometheus's counts, which the alert rules
 * and the NPD plugin read): every finding but an orphan-kind one the verdict leaves alone.
 */
export function isReported(f: Judged): boolean {
  return !isOrphanKind(f.kind) || isOrphan(f);
}

const LEFT_ALONE: Record<NotOrphanReason, string> = {
  'not-an-orphan-kind': 'not orphans',
  'known-to-api': 'the Kubernetes API knows their pods on this node',
  'low-confidence': 'low confidence (empty, of unknown age)',
};

/** One line for `orphans`'s text: how many orphans it acts on, and what it leaves alone and why. */
export function orphanSummaryLine(findings: readonly Finding[]): string | undefined {
  const kinds = findings.filter((f) => isOrphanKind(f.kind));
  if (!kinds.length) return undefined;
  const acted = kinds.filter(isOrphan).length;
  const why = new Map<NotOrphanReason, number>();
  for (const f of kinds) {
    const v = orphanVerdict(f);
    if (!v.orphan) why.set(v.reason, (why.get(v.reason) ?? 0) + 1);
  }
  const left = [...why].map(([r, n]) => `${n} left alone: ${LEFT_ALONE[r]}`);
  return `orphans: ${acted} to clean up (fix cleanup removes them)${left.length ? `; ${left.join('; ')}` : ''}`;
}
