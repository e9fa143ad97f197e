import type { RuntimeFacts } from '../facts/nodeFacts';
import type { Snapshot } from '../model/snapshot';
import type { AnalysisOptions } from './analysisOptions';
import { indexSnapshot } from './cgroupIndex';
import { findDriverMismatch } from './driverMismatch';
import { findDying } from './dying';
import { findFrozen } from './frozen';
import { SEVERITY_RANK, type Finding, type FindingKind } from './finding';
import { findKmem, findPidsPressure, findReleaseAgent, findTransientMountLeak } from './nodeChecks';
import { findOrphans } from './orphans';
import { isOrphan, isOrphanWithProcesses } from './orphanVerdict';
import { findUnreadable } from './unreadable';

export interface ForensicsReport {
  findings: Finding[];
  /** Findings by kind. */
  counts: Partial<Record<FindingKind, number>>;
  /** The single most likely root cause of what was found, in one sentence; absent when clean. */
  rootCause?: string;
  /** Set when orphans could not be judged: no source of pods could be read. */
  orphansUndetermined?: string;
}

/** Every finding, as a pure function of a snapshot and the node's facts. */
export function analyze(s: Snapshot, f: RuntimeFacts, o: AnalysisOptions = {}): ForensicsReport {
  const index = indexSnapshot(s);
  const orphans = findOrphans(s, f, o, index);
  const findings = [
    ...findUnreadable(f),
    ...findDriverMismatch(s, f, index).filter((x) => o.within === undefined || x.cgroups.length > 0),
    ...(orphans ?? []),
    ...findDying(s, o),
    ...findTransientMountLeak(s, index, o),
    ...findKmem(s, f),
    ...findPidsPressure(s, index, o),
    ...findReleaseAgent(f, s),
    ...findFrozen(s, f, o, index),
  ];
  findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  const counts: Partial<Record<FindingKind, number>> = {};
  for (const x of findings) counts[x.kind] = (counts[x.kind] ?? 0) + 1;
  const report: ForensicsReport = { findings, counts };
  const cause = rootCause(findings);
  if (cause) report.rootCause = cause;
  if (!orphans) {
    const tried = f.raw.missing.filter((m) => ['kubelet-pod', 'ctr-reachable', 'crictl-pods'].includes(m.key)).map((m) => `${m.source}: ${m.reason}`);
    report.orphansUndetermined = `no source of pods could be read (${tried.join('; ')})`;
  }
  return report;
}

/**
 * The most likely root cause, from the findings' kinds, in an order of explanatory power: a
 * driver mismatch explains orphans; processes the runtime lost explain their cgroups; and so on.
 */
export function rootCause(findings: readonly Finding[]): string | undefined {
  const has = (k: FindingKind, p?: (f: Finding) => boolean): boolean => findings.some((f) => f.kind === k && (!p || p(f)));
  if (has('cgroup-driver-mismatch', (f) => f.severity === 'critical')) return 'kubelet and the container runtime use different cgroup drivers, so each makes and cleans a different tree: align them (fix driver)';
  if (has('cgroup-driver-mismatch')) return 'kubelet and the container runtime may use different cgroup drivers (whether kubelet takes its driver from the runtime could not be told): check the evidence, then align them (fix driver)';
  if (has('kmem-accounting')) return 'kernel memory accounting on a 3.10 kernel keeps removed memory cgroups alive: fix sysctl says whether this kernel honours cgroup.memory=nokmem or must be updated first';
  // Orphans by the one verdict (orphanVerdict.ts): one the API knows or of unknown age explains nothing.
  if (has('orphaned-pod-cgroup', isOrphanWithProcesses) || has('orphaned-container-cgroup', isOrphanWithProcesses))
    return 'the container runtime lost track of running containers (runtime or shim killed or restarted with lost state): their processes survive in cgroups nobody will clean up';
  if (has('orphaned-pod-cgroup', isOrphan) || has('orphaned-container-cgroup', isOrphan)) return 'pods and containers were removed but their cgroups were not (kubelet or the runtime stopped during teardown): remove them (fix cleanup)';
  if (has('frozen-cgroup', (f) => f.severity !== 'info'))
    return 'a cgroup under kubepods is frozen: what runs in it is stopped (on cgroup v1 it cannot even be killed, nor the cgroup removed, until thawed); most often runc init left by a runc create killed mid-setup (runc#4534): thaw it, then remove it';
  if (has('failed-systemd-unit')) return 'systemd keeps failed or abandoned scopes and slices of old containers: reset them (fix cleanup)';
  if (has('transient-mount-scope-leak')) return 'transient systemd mount scopes (run-*.scope) are made and never stopped';
  if (has('dying-cgroups', (f) => f.severity !== 'info')) return 'removed cgroups stay dying while pages charged to them remain (page cache of finished pods)';
  if (has('pids-pressure')) return 'processes or threads are close to their limit';
  if (has('release-agent-set')) return 'a cgroup v1 release_agent is set: a security exposure, not a leak';
  return undefined;
}
