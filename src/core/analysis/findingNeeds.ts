import type { FindingKind } from './finding';

/**
 * What each kind of finding is proved from: the cgroup tree and the kernel facts a snapshot holds
 * ('snapshot': a saved snapshot, --from, proves it with no live facts at all), or the live node's
 * kubelet, runtime, crictl, systemd, logs or Kubernetes API ('live': from a snapshot it is skipped,
 * never "nothing found"). `analyze` says whether `analyze` itself makes the kind (the others come
 * from evidence, watch or the Kubernetes API), so the line naming what a snapshot skips lists only
 * checks the command would have run. `what` names the check in that line and in help.
 * Total: a new kind does not compile until this is decided.
 */
export const FINDING_NEEDS: Record<FindingKind, { from: 'snapshot' | 'live'; analyze: boolean; what: string }> = {
  'dying-cgroups': { from: 'snapshot', analyze: true, what: 'dying cgroups' },
  'pids-pressure': { from: 'snapshot', analyze: true, what: 'pids pressure' },
  'transient-mount-scope-leak': { from: 'snapshot', analyze: true, what: 'transient mount scopes' },
  // The directory checks only (both kubepods/ and kubepods.slice/ trees, ':cri-containerd:'
  // directories); the comparison of kubelet's and the runtime's settings needs live facts and
  // does not run without them (it makes no finding from empty facts).
  'cgroup-driver-mismatch': { from: 'snapshot', analyze: true, what: 'driver mismatch by cgroup directories' },
  'frozen-cgroup': { from: 'snapshot', analyze: true, what: 'frozen cgroups' },
  'orphaned-pod-cgroup': { from: 'live', analyze: true, what: 'orphans' },
  'orphaned-container-cgroup': { from: 'live', analyze: true, what: 'orphans' },
  'failed-systemd-unit': { from: 'live', analyze: true, what: 'failed systemd units' },
  'cgroup-driver-source': { from: 'live', analyze: true, what: 'driver settings' },
  'kmem-accounting': { from: 'live', analyze: true, what: 'kmem accounting' },
  'release-agent-set': { from: 'live', analyze: true, what: 'release_agent' },
  'source-unreadable': { from: 'live', analyze: true, what: 'unreadable daemon files' },
  'log-signature': { from: 'live', analyze: false, what: 'log signatures' },
  'version-advisory': { from: 'live', analyze: false, what: 'version advisories' },
  'cgroup-fd-pinned': { from: 'live', analyze: false, what: 'pinned cgroup file descriptors' },
  'daemon-health': { from: 'live', analyze: false, what: 'daemon health' },
  'cgroup-growth': { from: 'live', analyze: false, what: 'cgroup growth' },
  'node-condition': { from: 'live', analyze: false, what: 'node conditions' },
};

const KINDS = Object.keys(FINDING_NEEDS) as FindingKind[];

function names(from: 'snapshot' | 'live'): string[] {
  return [...new Set(KINDS.filter((k) => FINDING_NEEDS[k].analyze && FINDING_NEEDS[k].from === from).map((k) => FINDING_NEEDS[k].what))];
}

/** "a, b and c" */
function list(xs: readonly string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]!}`;
}

/** The checks of `analyze` a saved snapshot proves by itself, in words ("dying cgroups, ... and frozen cgroups"). */
export const SNAPSHOT_CHECKS = list(names('snapshot'));
/** The checks of `analyze` that need the live node, in words ("orphans, ... and unreadable daemon files"). */
export const LIVE_CHECKS = list(names('live'));
