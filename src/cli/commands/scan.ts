import { summarize } from '../../core/analysis/summary';
import { snapshotJsonChunks } from '../../core/model/snapshotJson';
import { renderSummaryText } from '../../core/report/summaryText';
import { UsageError, type CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { reportProbeError, snapshotFrom, SOURCE_HELP, SOURCE_OPTIONS } from '../snapshotSource';

export const scanCommand: CliCommand = {
  name: 'scan',
  summary: "summary of the node's cgroup hierarchies: layout, counts, dying cgroups, pods, largest subtrees",
  synopsis: '[--json]',
  help: `  --json                  print the snapshot as JSON (schema cgroup-forensics/snapshot@1)
${SOURCE_HELP}`,
  options: { ...SOURCE_OPTIONS, json: { type: 'boolean' } },
  async run(ctx) {
    if (ctx.args.length) throw new UsageError(`scan takes no arguments (got '${ctx.args[0]}')`);
    const s = await snapshotFrom(ctx);
    if ('code' in s) return reportProbeError(s);
    if (ctx.options.json) for (const chunk of snapshotJsonChunks(s)) ctx.write(chunk);
    else ctx.write(renderSummaryText(summarize(s)));
    return EXIT.ok;
  },
};
