import { prometheusText } from '../../core/report/prometheusText';
import { UsageError, type CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { FACTS_HELP, FACTS_OPTIONS, forensicsFrom } from '../forensicsSource';
import { reportProbeError, SOURCE_HELP, SOURCE_OPTIONS } from '../snapshotSource';

export const exportCommand: CliCommand = {
  name: 'export',
  summary: "metrics for monitoring: cgroups, dying cgroups, memcg IDs, findings (node_exporter's textfile format)",
  synopsis: '--prometheus',
  help: `  --prometheus            Prometheus text format (the only format so far); write it to a
                          temporary file and mv it into node_exporter's textfile directory
${FACTS_HELP}
${SOURCE_HELP}
  From a saved snapshot (--from): the counts are the snapshot's; findings are only those the
  snapshot proves (dying cgroups, pids pressure, transient mount scopes), the checks that need the
  live node are skipped (one line on standard error) and ${'cgroup_forensics_orphans_undetermined'} is 1.`,
  options: { ...SOURCE_OPTIONS, ...FACTS_OPTIONS, prometheus: { type: 'boolean' } },
  async run(ctx) {
    if (ctx.args.length) throw new UsageError(`export takes no arguments (got '${ctx.args[0]}')`);
    if (!ctx.options.prometheus) throw new UsageError('export needs a format: --prometheus');
    const r = await forensicsFrom(ctx);
    if ('code' in r) return reportProbeError(r);
    ctx.write(prometheusText(r.snapshot, r.report));
    return EXIT.ok;
  },
};
