import type { Finding, FindingKind } from '../analysis/finding';
import type { ForensicsReport } from '../analysis/forensics';
import type { RuntimeFacts } from '../facts/nodeFacts';
import type { Snapshot } from '../model/snapshot';
import { FIX_CATALOG, fixKindsMadeFrom, madeFrom, type FixKind, type FixOptions, type FromSnapshot } from './fixCatalog';
import type { FixDocument } from './fixDocument';

/**
 * Which kinds of fix answer each kind of finding: those whose generator (fixesFor) reacts to it,
 * and the monitoring whose rules watch for it. Total: a new finding kind does not compile until
 * decided. Per finding, fixesForFinding narrows it to what that finding really gets.
 */
export const FIXES_FOR_FINDING: Record<FindingKind, readonly FixKind[]> = {
  // cleanupScript removes them; podSpecFix answers those that still hold processes; the
  // CgroupOrphans rule and the NPD plugin report them.
  'orphaned-pod-cgroup': ['cleanup', 'podspec', 'prometheus', 'npd'],
  'orphaned-container-cgroup': ['cleanup', 'podspec', 'prometheus', 'npd'],
  'failed-systemd-unit': ['cleanup', 'prometheus'],
  'transient-mount-scope-leak': ['cleanup'],
  // No kernel parameter or sysctl removes dying cgroups (kernelParamsFix offers none for them):
  // watch them (DyingCgroupsHigh) and find who makes and removes cgroups (bpftrace).
  // The DaemonSet keeps watching them on every node.
  'dying-cgroups': ['prometheus', 'bpftrace', 'daemonset'],
  'cgroup-driver-mismatch': ['driver', 'kubelet', 'containerd', 'crio'],
  'cgroup-driver-source': [],
  // cgroup.memory=nokmem, where the EL7 kernel honours it.
  'kmem-accounting': ['sysctl'],
  // Node-wide: kubelet's pid limits and eviction, kernel.pid_max; a pod's: its pod spec.
  'pids-pressure': ['kubelet', 'sysctl', 'podspec'],
  'release-agent-set': [],
  'log-signature': [],
  'version-advisory': [],
  'cgroup-fd-pinned': [],
  'daemon-health': [],
  // CgroupCountGrowing watches it; bpftrace shows which paths churn.
  'cgroup-growth': ['prometheus', 'bpftrace', 'daemonset'],
  'source-unreadable': [],
  'node-condition': [],
  // Thawed by hand first (the finding says how); never removed by a cleanup.
  'frozen-cgroup': [],
};

/** The kinds of fix that answer this finding: FIXES_FOR_FINDING, narrowed as each generator narrows it (the catalog's `answers`). */
export function fixesForFinding(f: Finding): FixKind[] {
  return FIXES_FOR_FINDING[f.kind].filter((k) => FIX_CATALOG[k].answers?.(f) ?? true);
}

/** Kinds that do not depend on the node: no scan needed. */
export const STATIC_FIX_KINDS: readonly FixKind[] = fixKindsMadeFrom('nothing');

/** The documents of one kind of fix for this node, derived from its findings and its own files. */
export function fixesFor(kind: FixKind, s: Snapshot, f: RuntimeFacts, r: ForensicsReport, o: FixOptions = {}): FixDocument[] {
  return FIX_CATALOG[kind].generate({ snapshot: s, facts: f, report: r, options: o });
}

/**
 * The documents of a kind made from a saved snapshot (or from nothing); undefined for a kind that
 * needs the live node. `cgroup-forensics fix KIND --from FILE` makes its documents here.
 */
export function fixesFromSnapshot(kind: FixKind, n: FromSnapshot): FixDocument[] | undefined {
  const e = FIX_CATALOG[kind];
  return madeFrom(e, 'live') ? undefined : e.generate(n);
}
