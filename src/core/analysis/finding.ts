import type { Evidence } from './evidence';

/**
 * A finding: what is wrong, how bad, how sure we are, which cgroups, and evidence a user can check
 * on the node by hand. Paths are byte strings (see model/bytes.ts); render them with displayOf.
 */
export type FindingKind =
  | 'orphaned-pod-cgroup'
  | 'orphaned-container-cgroup'
  | 'failed-systemd-unit'
  | 'transient-mount-scope-leak'
  | 'dying-cgroups'
  | 'cgroup-driver-mismatch'
  /** Info: kubelet takes its cgroup driver from the runtime (KubeletCgroupDriverFromCRI); its own setting is ignored. */
  | 'cgroup-driver-source'
  | 'kmem-accounting'
  | 'pids-pressure'
  | 'release-agent-set'
  | 'log-signature'
  | 'version-advisory'
  | 'cgroup-fd-pinned'
  | 'daemon-health'
  | 'cgroup-growth'
  /** A file the node's kubelet or runtime uses that exists but could not be read or parsed. */
  | 'source-unreadable'
  /** An abnormal condition of the node as the Kubernetes API reports it (src/core/kube). */
  | 'node-condition'
  /** A frozen cgroup (v1 freezer.state, v2 cgroup.events frozen), e.g. runc init left by a killed runc create. */
  | 'frozen-cgroup';

export type Severity = 'info' | 'warning' | 'critical';
export type Confidence = 'low' | 'medium' | 'high';

export interface CgroupRef {
  /** Hierarchy name: "unified", "memory", "name=systemd" ... */
  hierarchy: string;
  /** The cgroup path inside the hierarchy (byte string). */
  path: string;
  /** The directory as the scan saw it: walk root + relative path (byte string). */
  dir: string;
  /** Processes directly in it, when known. */
  procs?: number;
  /** Seconds since the directory last changed, when the scan could read mtimes. */
  ageSeconds?: number;
}

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  confidence: Confidence;
  /** One line, display-safe. */
  title: string;
  /** Cgroups involved. For orphans: every directory of the orphan in every hierarchy, leaf-first. */
  cgroups: CgroupRef[];
  /** Checkable statements: file paths and values, commands and what they showed (evidenceLine prints each). */
  evidence: Evidence[];
  podUid?: string;
  containerId?: string;
  /** A systemd unit the finding is about (failed scopes and slices). */
  unit?: string;
  /** Processes left in the orphan's cgroups (sum over its subtree in the richest hierarchy). */
  processes?: number;
  /** An orphan-looking cgroup whose pod the Kubernetes API knows on this node ("NS/NAME"): not an orphan. */
  knownToApi?: string;
}

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
