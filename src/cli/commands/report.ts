import { basename } from 'node:path';
import { REPORT_FORMATS, type ReportFormat } from '../../core/report/nodeReport';
import { renderReport } from '../../core/report/renderReport';
import { LIVE_CHECKS, SNAPSHOT_CHECKS } from '../../core/analysis/findingNeeds';
import { stringOption, UsageError, type CliCommand, type OptionValues } from '../command';
import { EXIT } from '../exitCodes';
import { FACTS_HELP, FACTS_OPTIONS, forensicsFrom } from '../forensicsSource';
import { KUBE_HELP, KUBE_OPTIONS } from '../kubeSource';
import { reportProbeError, SOURCE_HELP, SOURCE_OPTIONS } from '../snapshotSource';

export const reportCommand: CliCommand = {
  name: 'report',
  summary: "a report of the node's snapshot and findings for an issue or a wiki (Markdown, HTML or JSON)",
  synopsis: '[--format md|html|json]',
  help: `  --format md|html|json   Markdown (the default), a standalone HTML page (no script; every
                          name from the node escaped), or JSON (the findings, schema
                          cgroup-forensics/findings@1, and the snapshot, cgroup-forensics/snapshot@1)
${FACTS_HELP}
${KUBE_HELP}
${SOURCE_HELP}
  The findings are those of \`orphans\`. From a saved snapshot (--from): only what the snapshot
  proves is judged (${SNAPSHOT_CHECKS}); ${LIVE_CHECKS} need the live node and are skipped (one
  line on standard error), and the Kubernetes options are bad usage.
  Exit status: 0 the report was written (whatever it finds), 3/4 the node could not be scanned.`,
  options: { ...SOURCE_OPTIONS, ...FACTS_OPTIONS, ...KUBE_OPTIONS, format: { type: 'string' } },
  async run(ctx) {
    if (ctx.args.length) throw new UsageError(`report takes no arguments (got '${ctx.args[0]}')`);
    const format = formatOf(ctx.options);
    // The same findings as `orphans`: with the API's view, except from a saved snapshot (of another time).
    const r = await forensicsFrom(ctx, { kube: true });
    if ('code' in r) return reportProbeError(r);
    ctx.write(renderReport(format, { nodeLabel: nodeLabelOf(ctx.options), snapshot: r.snapshot, report: r.report }));
    return EXIT.ok;
  },
};

function formatOf(o: OptionValues): ReportFormat {
  const f = stringOption(o, 'format') ?? 'md';
  const known = REPORT_FORMATS.find((x) => x === f);
  if (!known) throw new UsageError(`--format takes ${REPORT_FORMATS.join(', ')}, not '${f}'`);
  return known;
}

/** The node as the user named it: the SSH host, the Kubernetes node, the snapshot file, the mounted root, or this machine. */
function nodeLabelOf(o: OptionValues): string {
  const kubeNode = stringOption(o, 'kube-node');
  if (kubeNode !== undefined) return `node/${kubeNode}`;
  const host = stringOption(o, 'host');
  if (host !== undefined) return host;
  const from = stringOption(o, 'from');
  if (from !== undefined) return `snapshot ${basename(from)}`;
  const root = stringOption(o, 'host-root');
  if (root !== undefined) return `node filesystem at ${root}`;
  return 'this machine';
}
