import { METRICS } from '../report/prometheusText';
import type { FixDocument } from './fixDocument';

/**
 * A Grafana dashboard for the metrics `export --prometheus` writes. Nodes are picked and named by
 * the node label every series carries (the Kubernetes node name under the DaemonSet), not by
 * instance, which is node_exporter's scrape address. Built from METRICS so a renamed metric
 * cannot drift apart.
 */
export function grafanaDashboard(): FixDocument {
  const m = METRICS;
  const sel = 'node=~"$node"';
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
        { name: 'node', type: 'query', datasource: { type: 'prometheus', uid: '${datasource}' }, query: `label_values(${m.cgroups}, node)`, multi: true, includeAll: true, label: 'Node' },
      ],
    },
    panels: [
      ts('Live cgroups per hierarchy', [[`${m.cgroups}{${sel}}`, '{{node}} {{hierarchy}}']], 0, 0),
      ts('Dying cgroups per hierarchy', [[`${m.dying}{${sel}}`, '{{node}} {{hierarchy}}']], 12, 0),
      ts('Cgroup growth per hour', [[`deriv(${m.cgroups}{${sel}}[1h]) * 3600`, '{{node}} {{hierarchy}}'], [`deriv(${m.dying}{${sel}}[1h]) * 3600`, 'dying {{node}} {{hierarchy}}']], 0, 8),
      // Only nodes whose kernel keeps dying memory cgroups' IDs (memcg_ids_held 1): elsewhere in_use is no ID headroom.
      ts('Memory cgroup IDs in use, of the kernel limit (kernels where dying memcgs hold IDs)', [[`(${m.memcgInUse}{${sel}} / ${m.memcgLimit}{${sel}}) and on(instance, node) ${m.memcgIdsHeld}{${sel}} == 1`, '{{node}}']], 12, 8, 'percentunit'),
      ts('Pod and container cgroups', [[`${m.pods}{${sel}}`, 'pods {{node}} {{hierarchy}}'], [`${m.containers}{${sel}}`, 'containers {{node}} {{hierarchy}}']], 0, 16),
      ts('Findings by kind and severity', [[`sum by (node, kind, severity) (${m.findings}{${sel}})`, '{{node}} {{kind}} ({{severity}})']], 12, 16),
      ts('Seconds since the last export', [[`time() - ${m.timestamp}{${sel}}`, '{{node}}']], 0, 24, 's'),
      ts('Unreclaimable kernel memory (Percpu + SUnreclaim), of MemTotal: what dying memory cgroups hold', [[`sum by (instance, node) (${m.meminfo}{${sel},field=~"SUnreclaim|Percpu"}) / on(instance, node) sum by (instance, node) (${m.meminfo}{${sel},field="MemTotal"})`, '{{node}}']], 12, 24, 'percentunit'),
      ts('Cgroups below kubepods per QoS class', [[`sum by (node, qos) (${m.kubepods}{${sel}})`, '{{node}} {{qos}}']], 0, 32),
      ts('Dying cgroups below kubepods per QoS class (cgroup v2)', [[`sum by (node, qos) (${m.kubepodsDying}{${sel}})`, '{{node}} {{qos}}']], 12, 32),
      ts('Scan duration', [[`${m.scanDuration}{${sel}}`, '{{node}}']], 0, 40, 's'),
      ts('Problems the scan went past', [[`${m.scanErrors}{${sel}}`, '{{node}} {{stage}}']], 12, 40),
    ],
  };
  return {
    kind: 'grafana',
    title: 'Grafana dashboard for the cgroup-forensics metrics',
    content: JSON.stringify(dashboard, null, 2) + '\n',
    reasons: ['trends of live and dying cgroups per node (and per QoS class below kubepods), the memcg ID headroom (where the kernel makes dying memory cgroups hold IDs), the kernel memory they hold, and the findings, from export --prometheus'],
    apply: ['Grafana: Dashboards > New > Import, paste this JSON, pick the Prometheus data source that scrapes node_exporter (Grafana of kube-prometheus-stack: the default Prometheus data source)'],
  };
}
