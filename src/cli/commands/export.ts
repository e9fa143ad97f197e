import { prometheusText } from '../../core/report/prometheusText';
import { LIVE_CHECKS, SNAPSHOT_CHECKS } from '../../core/analysis/findingNeeds';
import { stringOption, UsageError, type CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { FACTS_HELP, FACTS_OPTIONS, forensicsFrom } from '../forensicsSource';
import { KUBE_HELP, KUBE_OPTIONS } from '../kubeSource';
import { reportProbeError, SOURCE_HELP, SOURCE_OPTIONS } from '../snapshotSource';

export const exportCommand: CliCommand = {
  name: 'export',
  summary: "metrics for monitoring: cgroups, dying cgroups, memcg IDs, findings (node_exporter's textfile format)",
  synopsis: '--prometheus [--node-name NAME]',
  help: `  --prometheus            Prometheus text format (the only format so far); write it to a
                          temporary file and mv it into node_exporter's textfile directory
  --node-name NAME        the node label of every series (default: the node's hostname); the
                          DaemonSet of fix daemonset passes the Kubernetes node name
${FACTS_HELP}
${KUBE_HELP}
${SOURCE_HELP}
  From a saved snapshot (--from): the counts are the snapshot's; findings are only those the
  snapshot proves (${SNAPSHOT_CHECKS}); ${LIVE_CHECKS} need the live node and are skipped (one
  line on standard error), ${'cgroup_forensics_orphans_undetermined'} is 1 and the Kubernetes
  options are bad usage.`,
  options: { ...SOURCE_OPTIONS, ...FACTS_OPTIONS, ...KUBE_OPTIONS, prometheus: { type: 'boolean' }, 'node-name': { type: 'string' } },
  async run(ctx) {
    if (ctx.args.length) throw new UsageError(`export takes no arguments (got '${ctx.args[0]}')`);
    if (!ctx.options.prometheus) throw new UsageError('export needs a format: --prometheus');
    const node = stringOption(ctx.options, 'node-name');
    if (node !== undefined && !/^[^\s"\\]{1,253}$/.test(node)) throw new UsageError(`--node-name takes a node name (no spaces, quotes or backslashes, at most 253 characters), not '${node}'`);
    // The scan's own cost is a metric: the walk, the node checks and the analysis, as one figure.
    const started = performance.now();
    // Orphans are counted by the same verdict as `orphans` and `fix cleanup`: with the API's view
    // (a pod it knows on this node is no orphan), except from a saved snapshot, of another time.
    const r = await forensicsFrom(ctx, { kube: true });
    if ('code' in r) return reportProbeError(r);
    const scanSeconds = (performance.now() - started) / 1000;
    ctx.write(prometheusText(r.snapshot, r.report, { ...(node ? { node } : {}), ...(r.skipped ? {} : { scanSeconds }) }));
    return EXIT.ok;
  },
};
