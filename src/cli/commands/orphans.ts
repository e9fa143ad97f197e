import { orphanSummaryLine, reportVerdict } from '../../core/analysis/orphanVerdict';
import { findingsToJson } from '../../core/report/findingsJson';
import { renderFindingsText } from '../../core/report/findingsText';
import { LIVE_CHECKS, SNAPSHOT_CHECKS } from '../../core/analysis/findingNeeds';
import { UsageError, type CliCommand } from '../command';
import { VERDICT_EXIT } from '../exitCodes';
import { FACTS_HELP, FACTS_OPTIONS, forensicsFrom } from '../forensicsSource';
import { renderKubeText } from '../../core/kube/kubeText';
import { KUBE_HELP, KUBE_OPTIONS } from '../kubeSource';
import { reportProbeError, SOURCE_HELP, SOURCE_OPTIONS } from '../snapshotSource';

export const orphansCommand: CliCommand = {
  name: 'orphans',
  summary: 'find leaked cgroups (orphaned pods and containers, dying cgroups, driver mismatch ...) and why',
  synopsis: '[--json]',
  help: `  --json                  print the findings as JSON (schema cgroup-forensics/findings@1)
${FACTS_HELP}
${KUBE_HELP}
${SOURCE_HELP}
  From a saved snapshot (--from): only what the snapshot proves is judged (${SNAPSHOT_CHECKS});
  ${LIVE_CHECKS} need the live node and are skipped (one line on standard error), and orphans
  are "could not tell" (exit status 5 unless a finding gives 1); the Kubernetes API is not asked
  (--kube-context, --kubeconfig and --no-kube are bad usage with --from).
  Exit status: 0 nothing found, 1 findings (an orphan fix cleanup removes, or another finding
  of warning or worse), 5 could not tell (no source of
  pods could be read), 3/4 the node could not be scanned.`,
  options: { ...SOURCE_OPTIONS, ...FACTS_OPTIONS, ...KUBE_OPTIONS, json: { type: 'boolean' } },
  async run(ctx) {
    if (ctx.args.length) throw new UsageError(`orphans takes no arguments (got '${ctx.args[0]}')`);
    // The Kubernetes API's view (optional): orphans it knows are downgraded, conditions added.
    // A saved snapshot (--from) is of another time than the API's view: the two are not mixed.
    const r = await forensicsFrom(ctx, { kube: true, processes: true });
    if ('code' in r) return reportProbeError(r);
    const { report, kube } = r;
    const procs = r.processes ?? new Map();
    if (ctx.options.json) {
      const json = findingsToJson(report, procs);
      ctx.write(kube ? JSON.stringify({ ...(JSON.parse(json) as object), kubernetes: kube }, null, 1) + '\n' : json);
    } else {
      // One line from the same verdict `fix cleanup` and the extension use: what is acted on, what is left alone and why.
      const verdict = orphanSummaryLine(report.findings);
      ctx.write(renderFindingsText(report, procs) + (verdict ? `\n${verdict}\n` : '') + (kube ? '\n' + renderKubeText(kube) : ''));
    }
    return VERDICT_EXIT[reportVerdict(report)];
  },
};
