import type { ForensicsReport } from '../analysis/forensics';
import { MEMCG_ID_LIMIT } from '../analysis/analysisOptions';
import { memcgIdVerdict } from '../analysis/memcgIds';
import { isReported } from '../analysis/orphanVerdict';
import { summarize } from '../analysis/summary';
import { displayOf } from '../model/bytes';
import type { QosClass } from '../model/k8sIdentity';
import type { Hierarchy, Snapshot } from '../model/snapshot';
import { treeIdentities } from '../model/treeIdentity';

/** Metric names the alert rules and the NPD check use. */
export const METRICS = {
  cgroups: 'cgroup_forensics_cgroups',
  dying: 'cgroup_forensics_dying_cgroups',
  memcgInUse: 'cgroup_forensics_memcg_in_use',
  memcgLimit: 'cgroup_forensics_memcg_id_limit',
  memcgIdsHeld: 'cgroup_forensics_memcg_ids_held',
  meminfo: 'cgroup_forensics_meminfo_bytes',
  pods: 'cgroup_forensics_pod_cgroups',
  containers: 'cgroup_forensics_container_cgroups',
  findings: 'cgroup_forensics_findings',
  undetermined: 'cgroup_forensics_orphans_undetermined',
  kubepods: 'cgroup_forensics_kubepods_cgroups',
  kubepodsDying: 'cgroup_forensics_kubepods_dying_cgroups',
  scanDuration: 'cgroup_forensics_scan_duration_seconds',
  scanErrors: 'cgroup_forensics_scan_errors',
  timestamp: 'cgroup_forensics_last_run_timestamp_seconds',
} as const;

/**
 * Every label an exported series may carry. Each has a bounded set of values on a node: node (one),
 * hierarchy (the mounted hierarchies, about ten), qos (three), field (four), kind and severity (the
 * finding kinds), kernel (one), stage (two). Never a pod, a container or a cgroup path: a series
 * per pod would grow with the churn it is meant to watch.
 */
export const METRIC_LABELS = ['node', 'hierarchy', 'qos', 'field', 'kind', 'severity', 'kernel', 'stage'] as const;
type MetricLabel = (typeof METRIC_LABELS)[number];

export interface PrometheusTextOptions {
  /**
   * The node label: the Kubernetes node name where it is known (the DaemonSet passes spec.nodeName),
   * else the node's own hostname. Alert rules and the dashboard select on it, not on instance (the
   * scrape target, node_exporter's address).
   */
  node?: string;
  /** How long the scan behind this export took (walk, node checks, analysis), seconds. */
  scanSeconds?: number;
}

/**
 * The snapshot and findings in Prometheus' text exposition format, for node_exporter's textfile
 * collector. Label values are escaped as the format says (backslash, double quote, newline).
 */
export function prometheusText(s: Snapshot, r: ForensicsReport | undefined, o: PrometheusTextOptions = {}): string {
  const sum = summarize(s);
  const out: string[] = [];
  const node = o.node ?? s.node.hostname ?? '';
  const metric = (name: string, help: string, rows: [Partial<Record<MetricLabel, string>>, number][]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, v] of rows) {
      // An empty label is no label to Prometheus: a node without a name carries none.
      const all = node ? { node, ...labels } : labels;
      const l = Object.entries(all).map(([k, x]) => `${k}="${escapeLabel(x)}"`).join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${Number.isFinite(v) ? v : 0}`);
    }
  };
  metric(METRICS.cgroups, 'Live cgroups (directories) per hierarchy.', sum.hierarchies.map((h) => [{ hierarchy: displayOf(h.name) }, h.cgroups]));
  metric(METRICS.dying, 'Removed cgroups the kernel still holds, per hierarchy (v2 cgroup.stat; v1 /proc/cgroups minus live directories).', sum.hierarchies.filter((h) => h.dying !== undefined).map((h) => [{ hierarchy: displayOf(h.name) }, h.dying!]));
  const mem = s.procCgroups.find((p) => p.subsys === 'memory' && p.enabled);
  if (mem) {
    metric(METRICS.memcgInUse, 'Memory cgroups the kernel holds, live and dying (/proc/cgroups num_cgroups).', [[{}, mem.numCgroups]]);
    metric(METRICS.memcgLimit, 'The kernel memcg ID space: memory cgroups beyond it cannot be made.', [[{}, MEMCG_ID_LIMIT]]);
    // Whether in_use counts against the limit: 1 where removed memory cgroups keep their ID
    // (before Linux 4.7, RHEL 7), 0 where they give it back; absent when the kernel cannot tell.
    const v = memcgIdVerdict(s.node.kernel);
    if (v.ids !== 'unknown') metric(METRICS.memcgIdsHeld, 'Whether removed (dying) memory cgroups keep their memcg ID on this kernel (1), so in_use counts against the limit, or give it back (0).', [[{ kernel: s.node.kernel ?? '' }, v.ids === 'held' ? 1 : 0]]);
  }
  const mi = s.node.meminfo;
  const fields: [string, number | undefined][] = [['MemTotal', mi?.memTotalKb], ['Slab', mi?.slabKb], ['SUnreclaim', mi?.sUnreclaimKb], ['Percpu', mi?.percpuKb]];
  const present = fields.filter((f): f is [string, number] => f[1] !== undefined);
  if (present.length) metric(METRICS.meminfo, 'Kernel memory from /proc/meminfo, bytes: dying memory cgroups keep per-cpu (Percpu) and unreclaimable slab (SUnreclaim) memory until freed.', present.map(([field, kb]) => [{ field }, kb * 1024]));
  metric(METRICS.pods, 'Pod cgroups per hierarchy.', sum.hierarchies.map((h) => [{ hierarchy: displayOf(h.name) }, h.pods]));
  metric(METRICS.containers, 'Container cgroups per hierarchy.', sum.hierarchies.map((h) => [{ hierarchy: displayOf(h.name) }, h.containers]));
  const qos = s.hierarchies.map((h) => ({ h, q: kubepodsByQos(h) })).filter((x) => x.q !== undefined);
  metric(METRICS.kubepods, "Live cgroups below kubepods, per hierarchy and QoS class (guaranteed: the pods directly under kubepods, with theirs).", qos.flatMap(({ h, q }) => QOS.map((c): [Partial<Record<MetricLabel, string>>, number] => [{ hierarchy: displayOf(h.name), qos: c }, q!.live[c]])));
  const dyingQos = qos.filter((x) => x.q!.dying !== undefined);
  if (dyingQos.length) metric(METRICS.kubepodsDying, 'Removed cgroups the kernel still holds below kubepods, per hierarchy and QoS class (cgroup v2 nr_dying_descendants; v1 does not tell per subtree).', dyingQos.flatMap(({ h, q }) => QOS.map((c): [Partial<Record<MetricLabel, string>>, number] => [{ hierarchy: displayOf(h.name), qos: c }, q!.dying![c]])));
  if (r) {
    const counts = new Map<string, number>();
    // An orphan-looking cgroup the verdict does not call an orphan (the API knows its pod, or it is
    // empty and of unknown age) is not counted: the alert on orphaned-* kinds means what orphans means.
    for (const f of r.findings.filter(isReported)) counts.set(`${f.kind}\0${f.severity}`, (counts.get(`${f.kind}\0${f.severity}`) ?? 0) + 1);
    metric(METRICS.findings, 'Findings by kind and severity (cgroup-forensics orphans).', [...counts].map(([k, n]) => {
      const [kind, severity] = k.split('\0') as [string, string];
      return [{ kind, severity }, n];
    }));
    metric(METRICS.undetermined, '1 when no source of pods could be read, so orphans could not be judged.', [[{}, r.orphansUndetermined ? 1 : 0]]);
  }
  if (o.scanSeconds !== undefined) metric(METRICS.scanDuration, 'How long the scan behind this file took (walk, node checks, analysis), seconds.', [[{}, Math.round(o.scanSeconds * 1000) / 1000]]);
  metric(METRICS.scanErrors, 'Problems the scan went past: walk (directories it could not read, cgroups that vanished mid-walk, a bound it stopped at), checks (node files the checks could not read).', [
    [{ stage: 'walk' }, s.warnings.length],
    ...(r ? [[{ stage: 'checks' }, r.findings.filter((f) => f.kind === 'source-unreadable').length] as [Partial<Record<MetricLabel, string>>, number]] : []),
  ]);
  metric(METRICS.timestamp, 'When the scan behind this file finished (epoch seconds): its freshness.', [[{}, Math.floor(s.takenAt / 1000)]]);
  return out.join('\n') + '\n';
}

const QOS: readonly QosClass[] = ['guaranteed', 'burstable', 'besteffort'];

/**
 * Cgroups below kubepods by QoS class, for one hierarchy: live ones counted from the tree, dying
 * ones from cgroup v2's nr_dying_descendants (guaranteed pods sit directly under kubepods, so
 * theirs are kubepods' less those of the two QoS cgroups). Undefined without a kubepods cgroup.
 */
function kubepodsByQos(h: Hierarchy): { live: Record<QosClass, number>; dying?: Record<QosClass, number> } | undefined {
  const t = h.tree;
  const ids = treeIdentities(t, h.basePath);
  const live: Record<QosClass, number> = { guaranteed: 0, burstable: 0, besteffort: 0 };
  let kubepods = false;
  let dyingAll = 0;
  const dyingQos: Record<QosClass, number> = { guaranteed: 0, burstable: 0, besteffort: 0 };
  let dyingKnown = h.kind === 'v2';
  for (let i = 0; i < t.size; i++) {
    const k = ids[i]?.k8s;
    if (!k) continue;
    const d = t.stat('nrDying', i);
    if (k.role === 'kubepods') {
      kubepods = true;
      if (Number.isNaN(d)) dyingKnown = false;
      else dyingAll += d;
    } else if (k.role === 'qos' && k.qos) {
      if (Number.isNaN(d)) dyingKnown = false;
      else dyingQos[k.qos] += d;
    } else live[k.qos ?? 'guaranteed']++;
  }
  if (!kubepods) return undefined;
  if (!dyingKnown) return { live };
  return { live, dying: { guaranteed: Math.max(0, dyingAll - dyingQos.burstable - dyingQos.besteffort), burstable: dyingQos.burstable, besteffort: dyingQos.besteffort } };
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
