export interface AnalysisOptions {
  /** An empty pod cgroup younger than this is not an orphan: kubelet makes pod cgroups first. Default 300 s. */
  graceSeconds?: number;
  /** The node's clock, epoch seconds (default: the snapshot's). */
  now?: number;
  /** This many empty run-*.scope cgroups make a transient mount scope leak. Default 20. */
  transientScopeThreshold?: number;
  /** Report only cgroups at or below this cgroup path (byte string), e.g. one test's sandbox. */
  within?: string;
  /** A pod at this fraction of its pids.max (or a node at this fraction of pid_max) is under pressure. Default 0.9. */
  pidsPressureRatio?: number;
}

export const DEFAULT_GRACE_SECONDS = 300;
/**
 * The kernel's memcg ID space: MEM_CGROUP_ID_MAX, USHRT_MAX in include/linux/memcontrol.h. Live
 * memory cgroups use it, and dying ones too where the kernel keeps their ID (memcgIds.ts says
 * where: before Linux 4.7, RHEL 7).
 */
export const MEMCG_ID_LIMIT = 65_535;

export function isWithin(path: string, within: string | undefined): boolean {
  if (within === undefined || within === '/' || within === '') return true;
  return path === within || path.startsWith(within + '/');
}
