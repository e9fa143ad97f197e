import { SEVERITY_RANK } from '../../core/analysis/finding';
import { findingsToJson } from '../../core/report/findingsJson';
import { renderFindingsText } from '../../core/report/findingsText';
import { UsageError, type CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { FACTS_HELP, FACTS_OPTIONS, forensicsFrom, leftoverProcesses } from '../forensicsSource';
import { reportProbeError, SOURCE_HELP, SOURCE_OPTIONS } from '../snapshotSource';

export const orphansCommand: CliCommand = {
  name: 'orphans',
  summary: 'find leaked cgroups (orphaned pods and containers, dying cgroups, driver mismatch ...) and why',
  synopsis: '[--json]',
  help: `  --json                  print the findings as JSON (schema cgroup-forensics/findings@1)
${FACTS_HELP}
${SOURCE_HELP}
  Exit status: 0 nothing found, 1 findings (warning or worse), 5 could not tell (no source of
  pods could be read), 3/4 the node could not be scanned.`,
  options: { ...SOURCE_OPTIONS, ...FACTS_OPTIONS, json: { type: 'boolean' } },
  async run(ctx) {
    if (ctx.args.length) throw new UsageError(`orphans takes no arguments (got '${ctx.args[0]}')`);
    const r = await forensicsFrom(ctx);
    if ('code' in r) return reportProbeError(r);
    const procs = await leftoverProcesses(ctx, r.report.findings);
    ctx.write(ctx.options.json ? findingsToJson(r.report, procs) : renderFindingsText(r.report, procs));
    if (r.report.findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.warning)) return EXIT.findings;
    if (r.report.orphansUndetermined) return EXIT.undetermined;
    return EXIT.ok;
  },
};
