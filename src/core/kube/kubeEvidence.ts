import { SEVERITY_RANK, type Finding, type FindingKind } from '../analysis/finding';
import { rootCause, type ForensicsReport } from '../analysis/forensics';
import { safeLogText } from '../analysis/logSignatures';
import type { PodWithoutLimits } from '../evidence/nodeEvidence';
import { displayOf } from '../model/bytes';
import { normalisePodUid } from '../model/k8sIdentity';
import type { Snapshot } from '../model/snapshot';
import type { KubeCondition, KubePod } from './kubeObjects';
import { podName } from './kubeObjects';
import type { KubeView } from './kubeView';
import { note } from '../analysis/evidence';

/** What the Kubernetes API added to a node's findings: the evidence a report shows. */
export interface KubeEvidence {
  context: string;
  node: string;
  matchedBy: string;
  kubeletVersion?: string;
  conditions: KubeCondition[];
  pods: { pod: string; uid: string; phase?: string; qosClass?: string; cgroup: 'present' | 'absent' | 'not-judged' }[];
  /** Orphan findings the API contradicts (kept, downgraded to info / low confidence). */
  notOrphans: { pod: string; podUid: string; containerId?: string; cgroup: string }[];
  /** Running pods the API binds to this node whose pod cgroup the scan did not find. */
  podsWithoutCgroup: string[];
  /** Why pods' cgroups were not judged (the scan saw no kubepods tree), when so. */
  cgroupsNotJudged?: string;
  /** The cgroup files' pods without limits, with the API's name and QoS class where it knows the UID. */
  podsWithoutLimits: (PodWithoutLimits & { pod?: string; qosClass?: string })[];
}

/** Conditions that mean trouble when True (node-problem-detector's own ones are also problem=True). */
const PRESSURE = new Set(['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable']);
/** Findings a pressure condition bears on: the condition's line is added to their evidence. */
const BEARS_ON: Record<string, FindingKind[]> = {
  MemoryPressure: ['dying-cgroups', 'kmem-accounting'],
  PIDPressure: ['pids-pressure', 'orphaned-pod-cgroup', 'orphaned-container-cgroup'],
};

export function conditionLine(node: string, c: KubeCondition): string {
  const since = c.lastTransitionTime ? ` since ${safeLogText(c.lastTransitionTime, 40)}` : '';
  const reason = c.reason ? ` (${safeLogText(c.reason, 100)})` : '';
  const message = c.message ? `: ${safeLogText(c.message, 300)}` : '';
  return `kubectl get node ${safeLogText(node, 100)}: ${safeLogText(c.type, 60)}=${safeLogText(c.status, 20)}${since}${reason}${message}`;
}

/** The node's abnormal conditions as findings: pressure True, Ready not True, other conditions True. */
export function nodeConditionFindings(view: Pick<KubeView, 'node' | 'matchedBy' | 'context'>): Finding[] {
  const out: Finding[] = [];
  const n = view.node;
  for (const c of n.conditions) {
    let severity: Finding['severity'];
    if (c.type === 'Ready') {
      if (c.status === 'True') continue;
      severity = 'critical';
    } else if (c.status !== 'True') continue;
    else severity = PRESSURE.has(c.type) ? 'warning' : 'info';
    const what = c.type === 'Ready' ? `not Ready (Ready=${safeLogText(c.status, 20)})` : `${safeLogText(c.type, 60)}`;
    out.push({
      kind: 'node-condition',
      severity,
      confidence: 'high',
      title: `Kubernetes reports node ${safeLogText(n.name, 100)} ${what}`,
      cgroups: [],
      evidence: [note(conditionLine(n.name, c)), note(`context ${safeLogText(view.context, 100)}; node matched by ${view.matchedBy}`)],
    });
  }
  return out;
}

/** Pod UIDs (normalised) of every pod cgroup in the snapshot, static pods' 32-digit ones included. */
export function snapshotPodUids(s: Snapshot): { uids: Set<string>; sawKubepods: boolean } {
  const uids = new Set<string>();
  let sawKubepods = false;
  const re = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32})(?:\.slice)?$/i;
  for (const h of s.hierarchies) {
    // A walk rooted inside kubepods (--cgroup-root) names the pod above its root in its base path;
    // only a walk that holds kubepods whole can tell a pod's cgroup is absent.
    const above = h.basePath.split('/');
    const last = above[above.length - 1];
    if (last === 'kubepods' || last === 'kubepods.slice') sawKubepods = true;
    for (const name of h.tree.names) if (name === 'kubepods' || name === 'kubepods.slice') sawKubepods = true;
    for (const name of [...above, ...h.tree.names]) {
      const m = re.exec(name);
      if (m) uids.add(normalisePodUid(m[1]!));
    }
  }
  return { uids, sawKubepods };
}

/**
 * Correlates the API's view with the node's findings (pure): orphans whose pod (or container) the
 * API knows on this node are downgraded to info with low confidence (the cleanup script leaves
 * low-confidence orphans out) and say why; conditions become findings and are added to the
 * findings they bear on; running pods without a pod cgroup, and pods without limits, are named.
 */
export function applyKubeView(findings: readonly Finding[], view: KubeView, s?: Snapshot, limits: readonly PodWithoutLimits[] = []): { findings: Finding[]; kube: KubeEvidence; downgraded: ReadonlySet<Finding> } {
  const byUid = new Map<string, KubePod>();
  const byContainer = new Map<string, KubePod>();
  for (const p of view.pods) {
    byUid.set(p.uid, p);
    if (p.mirrorOf) byUid.set(p.mirrorOf, p);
    for (const id of p.containerIds) byContainer.set(id, p);
  }
  const nodeName = safeLogText(view.node.name, 100);
  const notOrphans: KubeEvidence['notOrphans'] = [];
  const downgraded = new Set<Finding>();
  const pressure = view.node.conditions.filter((c) => PRESSURE.has(c.type) && c.status === 'True');
  const out = findings.map((f): Finding => {
    const x = { ...f, evidence: [...f.evidence] };
    for (const c of pressure) if (BEARS_ON[c.type]?.includes(f.kind)) x.evidence.push(note(conditionLine(view.node.name, c)));
    const pod =
      f.kind === 'orphaned-pod-cgroup' && f.podUid ? byUid.get(f.podUid) : f.kind === 'orphaned-container-cgroup' && f.containerId ? byContainer.get(f.containerId) : undefined;
    if (!pod) return x;
    const cgroup = displayOf(f.cgroups[f.cgroups.length - 1]?.path ?? '');
    notOrphans.push({ pod: podName(pod), podUid: pod.uid, ...(f.containerId ? { containerId: f.containerId } : {}), cgroup });
    const finished = pod.phase === 'Succeeded' || pod.phase === 'Failed';
    const d: Finding = {
      ...x,
      severity: 'info',
      confidence: 'low',
      knownToApi: podName(pod),
      title: `${f.kind === 'orphaned-pod-cgroup' ? 'pod' : 'container'} cgroup ${cgroup}: not an orphan, the API knows pod ${podName(pod)}`,
      evidence: [
        note(`the API knows pod ${podName(pod)} (${pod.uid}) on node ${nodeName}: not an orphan${f.containerId ? ` (its status lists container ${f.containerId.slice(0, 12)})` : ''}`),
        note(`phase ${safeLogText(pod.phase ?? 'unknown', 40)}${finished ? ': kubelet removes its cgroups when it cleans up the finished pod' : ''}; the node's own sources did not know it (below)`),
        ...x.evidence,
      ],
    };
    downgraded.add(d);
    return d;
  });
  const conditions = nodeConditionFindings(view);
  const all = [...out, ...conditions].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);

  const seen = s ? snapshotPodUids(s) : undefined;
  const judged = seen?.sawKubepods === true;
  const pods: KubeEvidence['pods'] = view.pods.map((p) => {
    const present = seen && (seen.uids.has(p.uid) || (p.mirrorOf !== undefined && seen.uids.has(p.mirrorOf)));
    const item: KubeEvidence['pods'][number] = { pod: podName(p), uid: p.uid, cgroup: present ? 'present' : judged ? 'absent' : 'not-judged' };
    if (p.phase) item.phase = safeLogText(p.phase, 40);
    if (p.qosClass) item.qosClass = safeLogText(p.qosClass, 40);
    return item;
  });
  const podsWithoutCgroup = judged ? view.pods.filter((p, i) => pods[i]!.cgroup === 'absent' && p.phase === 'Running').map((p) => `${podName(p)} (${p.uid})`) : [];
  const kube: KubeEvidence = {
    context: safeLogText(view.context, 100),
    node: nodeName,
    matchedBy: view.matchedBy,
    conditions: view.node.conditions,
    pods,
    notOrphans,
    podsWithoutCgroup,
    podsWithoutLimits: limits.map((l) => {
      const p = l.podUid ? byUid.get(l.podUid) : undefined;
      return p ? { ...l, pod: podName(p), ...(p.qosClass ? { qosClass: safeLogText(p.qosClass, 40) } : {}) } : { ...l };
    }),
  };
  if (view.node.kubeletVersion) kube.kubeletVersion = safeLogText(view.node.kubeletVersion, 60);
  if (!judged) kube.cgroupsNotJudged = s ? 'the scan does not hold the whole kubepods tree (a --cgroup-root outside or below it, or no kubelet here)' : 'no snapshot to compare with';
  return { findings: all, kube, downgraded };
}

/** A forensics report with the API's view applied: counts and the root cause follow the new findings. */
export function applyKubeToReport(report: ForensicsReport, view: KubeView, s?: Snapshot, limits: readonly PodWithoutLimits[] = []): { report: ForensicsReport; kube: KubeEvidence } {
  const { findings, kube, downgraded } = applyKubeView(report.findings, view, s, limits);
  const counts: ForensicsReport['counts'] = {};
  for (const x of findings) counts[x.kind] = (counts[x.kind] ?? 0) + 1;
  const out: ForensicsReport = { ...report, findings, counts };
  delete out.rootCause;
  // Orphans the API contradicts no longer explain anything.
  const cause = rootCause(findings.filter((f) => !downgraded.has(f)));
  if (cause) out.rootCause = cause;
  return { report: out, kube };
}
