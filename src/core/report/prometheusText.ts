import type { ForensicsReport } from '../analysis/forensics';
import { MEMCG_ID_LIMIT } from '../analysis/analysisOptions';
import { memcgIdVerdict } from '../analysis/memcgIds';
import { isOrphan, isOrphanKind } from '../analysis/orphanVerdict';
import { summarize } from '../analysis/summary';
import { displayOf } from '../model/bytes';
import type { Snapshot } from '../model/snapshot';

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
  timestamp: 'cgroup_forensics_last_run_timestamp_seconds',
} as const;

/**
 * The snapshot and findings in Prometheus' text exposition format, for node_exporter's textfile
 * collector. Label values are escaped as the format says (backslash, double quote, newline).
 */
export function prometheusText(s: Snapshot, r: ForensicsReport | undefined): string {
  const sum = summarize(s);
  const out: string[] = [];
  const metric = (name: string, help: string, rows: [Record<string, string>, number][]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, v] of rows) {
      const l = Object.entries(labels).map(([k, x]) => `${k}="${escapeLabel(x)}"`).join(',');
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
  if (r) {
    const counts = new Map<string, number>();
    // An orphan-looking cgroup the verdict does not call an orphan (the API knows its pod, or it is
    // empty and of unknown age) is not counted: the alert on orphaned-* kinds means what orphans means.
    for (const f of r.findings.filter((x) => !isOrphanKind(x.kind) || isOrphan(x))) counts.set(`${f.kind}\0${f.severity}`, (counts.get(`${f.kind}\0${f.severity}`) ?? 0) + 1);
    metric(METRICS.findings, 'Findings by kind and severity (cgroup-forensics orphans).', [...counts].map(([k, n]) => {
      const [kind, severity] = k.split('\0') as [string, string];
      return [{ kind, severity }, n];
    }));
    metric(METRICS.undetermined, '1 when no source of pods could be read, so orphans could not be judged.', [[{}, r.orphansUndetermined ? 1 : 0]]);
  }
  metric(METRICS.timestamp, 'When this file was written (epoch seconds).', [[{}, Math.floor(s.takenAt / 1000)]]);
  return out.join('\n') + '\n';
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
