import { METRICS } from '../report/prometheusText';
import type { FixDocument } from './fixDocument';

/**
 * A Grafana dashboard for the metrics `export --prometheus` writes (node_exporter's textfile
 * collector adds the instance label). Built from METRICS so a renamed metric cannot drift apart.
 */
export function grafanaDashboard(): FixDocument {
  const m = METRICS;
  let id = 0;
  const ts = (title: string, exprs: [string, string][], x: number, y: number, unit = 'short'): unknown => ({
    id: ++id,
    type: 'timeseries',
    title,
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { h: 8, w: 12, x, y },
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: exprs.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), expr, legendFormat })),
  });
  const dashboard = {
    title: 'Cgroup Forensics',
    uid: 'cgroup-forensics',
    tags: ['cgroup-forensics', 'kubernetes'],
    schemaVersion: 39,
    time: { from: 'now-7d', to: 'now' },
    refresh: '5m',
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source' },
        { name: 'instance', type: 'query', datasource: { type: 'prometheus', uid: '${datasource}' }, query: `label_values(${m.cgroups}, instance)`, multi: true, includeAll: true, label: 'Node' },
      ],
    },
    panels: [
      ts('Live cgroups per hierarchy', [[`${m.cgroups}{instance=~"$instance"}`, '{{instance}} {{hierarchy}}']], 0, 0),
      ts('Dying cgroups per hierarchy', [[`${m.dying}{instance=~"$instance"}`, '{{instance}} {{hierarchy}}']], 12, 0),
      ts('Cgroup growth per hour', [[`deriv(${m.cgroups}{instance=~"$instance"}[1h]) * 3600`, '{{instance}} {{hierarchy}}'], [`deriv(${m.dying}{instance=~"$instance"}[1h]) * 3600`, 'dying {{instance}} {{hierarchy}}']], 0, 8),
      // Only nodes whose kernel keeps dying memory cgroups' IDs (memcg_ids_held 1): elsewhere in_use is no ID headroom.
      ts('Memory cgroup IDs in use, of the kernel limit (kernels where dying memcgs hold IDs)', [[`(${m.memcgInUse}{instance=~"$instance"} / ${m.memcgLimit}{instance=~"$instance"}) and on(instance) ${m.memcgIdsHeld}{instance=~"$instance"} == 1`, '{{instance}}']], 12, 8, 'percentunit'),
      ts('Pod and container cgroups', [[`${m.pods}{instance=~"$instance"}`, 'pods {{instance}} {{hierarchy}}'], [`${m.containers}{instance=~"$instance"}`, 'containers {{instance}} {{hierarchy}}']], 0, 16),
      ts('Findings by kind and severity', [[`sum by (instance, kind, severity) (${m.findings}{instance=~"$instance"})`, '{{instance}} {{kind}} ({{severity}})']], 12, 16),
      ts('Seconds since the last export', [[`time() - ${m.timestamp}{instance=~"$instance"}`, '{{instance}}']], 0, 24, 's'),
      ts('Unreclaimable kernel memory (Percpu + SUnreclaim), of MemTotal: what dying memory cgroups hold', [[`sum by (instance) (${m.meminfo}{instance=~"$instance",field=~"SUnreclaim|Percpu"}) / on(instance) sum by (instance) (${m.meminfo}{instance=~"$instance",field="MemTotal"})`, '{{instance}}']], 12, 24, 'percentunit'),
    ],
  };
  return {
    kind: 'grafana',
    title: 'Grafana dashboard for the cgroup-forensics metrics',
    content: JSON.stringify(dashboard, null, 2) + '\n',
    reasons: ['trends of live and dying cgroups per node, the memcg ID headroom (where the kernel makes dying memory cgroups hold IDs), the kernel memory they hold, and the findings, from export --prometheus'],
    apply: ['Grafana: Dashboards > New > Import, paste this JSON, pick the Prometheus data source that scrapes node_exporter'],
  };
}
