import { prometheusText } from '../../core/report/prometheusText';
import { LIVE_CHECKS, SNAPSHOT_CHECKS } from '../../core/analysis/findingNeeds';
import { UsageError, type CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { FACTS_HELP, FACTS_OPTIONS, forensicsFrom } from '../forensicsSource';
import { KUBE_HELP, KUBE_OPTIONS } from '../kubeSource';
import { reportProbeError, SOURCE_HELP, SOURCE_OPTIONS } from '../snapshotSource';

export const exportCommand: CliCommand = {
  name: 'export',
  summary: "metrics for monitoring: cgroups, dying cgroups, memcg IDs, findings (node_exporter's textfile format)",
  synopsis: '--prometheus',
  help: `  --prometheus            Prometheus text format (the only format so far); write it to a
                          temporary file and mv it into node_exporter's textfile directory
${FACTS_HELP}
${KUBE_HELP}
${SOURCE_HELP}
  From a saved snapshot (--from): the counts are the snapshot's; findings are only those the
  snapshot proves (${SNAPSHOT_CHECKS}); ${LIVE_CHECKS} need the live node and are skipped (one
  line on standard error), ${'cgroup_forensics_orphans_undetermined'} is 1 and the Kubernetes
  options are bad usage.`,
  options: { ...SOURCE_OPTIONS, ...FACTS_OPTIONS, ...KUBE_OPTIONS, prometheus: { type: 'boolean' } },
  async run(ctx) {
    if (ctx.args.length) throw new UsageError(`export takes no arguments (got '${ctx.args[0]}')`);
    if (!ctx.options.prometheus) throw new UsageError('export needs a format: --prometheus');
    // Orphans are counted by the same verdict as `orphans` and `fix cleanup`: with the API's view
    // (a pod it knows on this node is no orphan), except from a saved snapshot, of another time.
    const r = await forensicsFrom(ctx, { kube: true });
    if ('code' in r) return reportProbeError(r);
    ctx.write(prometheusText(r.snapshot, r.report));
    return EXIT.ok;
  },
};
