import type { CgroupRef, Finding, FindingKind } from '../../core/analysis/finding';
import { displayOf } from '../../core/model/bytes';
import { cgroupLabel, shortId } from '../../core/model/cgroupLabel';
import { identityOfPath } from '../../core/model/k8sIdentity';

/** What a finding is, in the words a row leads with (the core's titles stay as the CLI prints them). */
const WHAT: Record<FindingKind, string> = {
  'orphaned-pod-cgroup': 'orphaned',
  'orphaned-container-cgroup': 'orphaned',
  'failed-systemd-unit': 'failed unit',
  'transient-mount-scope-leak': 'leaked mount scopes',
  'dying-cgroups': 'dying cgroups',
  'cgroup-driver-mismatch': 'driver mismatch',
  'cgroup-driver-source': 'driver source',
  'kmem-accounting': 'kmem accounting',
  'pids-pressure': 'pids pressure',
  'release-agent-set': 'release_agent',
  'log-signature': 'log',
  'version-advisory': 'advisory',
  'cgroup-fd-pinned': 'held open',
  'daemon-health': 'daemon',
  'cgroup-growth': 'growth',
  'source-unreadable': 'unreadable',
  'node-condition': 'node condition',
  'frozen-cgroup': 'frozen',
};

/** How a Findings row reads: label (what, which pod, where), description, tooltip. */
export interface FindingRow {
  label: string;
  description: string;
  tooltip: string;
}

type Labelled = Pick<Finding, 'kind' | 'severity' | 'title' | 'cgroups' | 'podUid' | 'containerId' | 'unit' | 'processes' | 'knownToApi'>;

/**
 * The one presentation of a finding in the Findings view, made from its fields: what and which pod
 * (or container, unit, cgroup) first, then where (the hierarchy, or how many), so rows that a
 * narrow side bar cuts still tell findings apart. A finding with no subject keeps the core's title.
 * `podName` is the Kubernetes API's "namespace/name" of a pod UID, where the node's state has it;
 * `notActed` is the orphan verdict's reason for not acting, when it does not.
 */
export function findingRow(f: Labelled, detail: string, podName?: (uid: string) => string | undefined, notActed?: string): FindingRow {
  const subject = subjectOf(f, podName);
  const label = subject ? [`${f.knownToApi ? 'orphan-looking' : WHAT[f.kind]} ${subject}`, whereOf(f.cgroups)].filter(Boolean).join(' · ') : f.title;
  const procs = f.processes ? `${f.processes} process${f.processes === 1 ? '' : 'es'} left` : '';
  const description = [procs, f.kind, notActed ? `not acted on: ${notActed}` : ''].filter(Boolean).join(' · ');
  return { label, description, tooltip: `${f.severity}: ${f.title}\n\n${detail}` };
}

function subjectOf(f: Labelled, podName: ((uid: string) => string | undefined) | undefined): string | undefined {
  const ids = f.cgroups.map((c) => identityOfPath(c.path).k8s);
  const pod = f.podUid ? `pod ${f.knownToApi ?? podName?.(f.podUid) ?? shortId(f.podUid)}` : undefined;
  if (f.containerId) {
    const k = ids.find((i) => i?.containerId === f.containerId);
    const who = k?.conmon ? 'conmon' : k?.runtime && k.runtime !== 'unknown' ? k.runtime : 'container';
    return [`${who} ${shortId(f.containerId)}`, pod ? `of ${pod}` : ''].filter(Boolean).join(' ');
  }
  if (pod) {
    const qos = ids.find((i) => i?.qos)?.qos;
    return [pod, qos].filter(Boolean).join(' ');
  }
  if (f.unit) return displayOf(f.unit);
  // A frozen cgroup outside Kubernetes is named by its own cgroup.
  const first = f.cgroups[0];
  if (f.kind === 'frozen-cgroup' && first) return cgroupLabel(identityOfPath(first.path), lastName(first.path), podName);
  return undefined;
}

/** Where: the one hierarchy the finding's cgroups are in, or how many. */
function whereOf(cgroups: readonly Pick<CgroupRef, 'hierarchy'>[]): string {
  const hs = [...new Set(cgroups.map((c) => c.hierarchy))];
  if (hs.length === 0) return '';
  return hs.length === 1 ? displayOf(hs[0]!) : `${hs.length} hierarchies`;
}

/**
 * A row for one cgroup of an expanded finding: its hierarchy first, then what the cgroup is
 * ("memory · pod 2c3d4e5f… burstable"): the same pod in six hierarchies is six rows that differ
 * by hierarchy, which a cut-off path would hide. `path` is the cgroup's path in its hierarchy
 * (the core's CgroupRef.path, which names kubepods even when the walk started below it).
 */
export function findingCgroupRow(hierarchy: string, path: string, treePath: string, podName?: (uid: string) => string | undefined): FindingRow {
  const what = cgroupLabel(identityOfPath(path), lastName(path), podName);
  return { label: `${displayOf(hierarchy)} · ${what}`, description: displayOf(treePath), tooltip: `${displayOf(hierarchy)}: ${displayOf(path)}` };
}

function lastName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1) || '/';
}
