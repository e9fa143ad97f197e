import { isActionable } from '../../core/analysis/orphanVerdict';
import { SINCE_FORMS, sinceSeconds } from '../../core/evidence/since';
import type { EvidenceReport } from '../../core/evidence/nodeEvidence';
import { INVESTIGATION_DEFAULTS } from '../../core/investigation/defaults';
import type { KubeEvidence } from '../../core/kube/kubeEvidence';
import { renderKubeText } from '../../core/kube/kubeText';
import { renderEvidenceText } from '../../core/report/evidenceText';
import { findingListToJson } from '../../core/report/findingsJson';
import { intOption, stringOption, UsageError, type CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { FACTS_HELP, FACTS_OPTIONS, forensicsFrom } from '../forensicsSource';
import { KUBE_HELP, KUBE_OPTIONS } from '../kubeSource';
import { reportProbeError, LIVE_SOURCE_HELP, LIVE_SOURCE_OPTIONS } from '../snapshotSource';

export const EVIDENCE_SCHEMA = 'cgroup-forensics/evidence@1';

/** "2h", "30m", "7d", "90s", an ISO date, or "@EPOCH": epoch seconds. */
export function parseSince(text: string, nowSeconds: number): number {
  const since = sinceSeconds(text, nowSeconds);
  if (since === undefined) throw new UsageError(`--since takes ${SINCE_FORMS}, not '${text}'`);
  return since;
}

export const evidenceCommand: CliCommand = {
  name: 'evidence',
  summary: 'the evidence beyond the tree: log signatures, version advisories, daemon health, open fds on cgroups, correlated with the findings',
  synopsis: `[--since ${INVESTIGATION_DEFAULTS.evidenceSince}] [--json]`,
  help: `  --since WHEN            read logs from WHEN: 30m, 2h, 7d, @EPOCH or an ISO date (default ${INVESTIGATION_DEFAULTS.evidenceSince})
  --max-lines N           keep at most N cgroup-related lines per log source (default ${INVESTIGATION_DEFAULTS.evidenceMaxLines})
  --json                  print as JSON (schema ${EVIDENCE_SCHEMA})
${FACTS_HELP}
${KUBE_HELP}
${LIVE_SOURCE_HELP}
  Exit status: 0 nothing found, 1 findings (warning or worse), 3/4 the node could not be read.`,
  withoutFrom: "evidence reads the live node's logs, daemons and open files: it cannot read a saved snapshot (--from)",
  options: { ...LIVE_SOURCE_OPTIONS, ...FACTS_OPTIONS, ...KUBE_OPTIONS, json: { type: 'boolean' }, since: { type: 'string' }, 'max-lines': { type: 'string' } },
  async run(ctx) {
    if (ctx.args.length) throw new UsageError(`evidence takes no arguments (got '${ctx.args[0]}')`);
    const since = parseSince(stringOption(ctx.options, 'since') ?? INVESTIGATION_DEFAULTS.evidenceSince, Math.floor(Date.now() / 1000));
    const maxLines = intOption(ctx.options, 'max-lines');
    // The Kubernetes API's view (optional): conditions, pods, orphans it knows, pods without limits by name.
    const r = await forensicsFrom(ctx, { kube: true, evidence: { since, ...(maxLines !== undefined ? { maxLines } : {}) } });
    if ('code' in r) return reportProbeError(r);
    const { kube } = r;
    const report = r.evidence!;
    ctx.write(ctx.options.json ? evidenceToJson(report, kube) : renderEvidenceText(report) + (kube ? '\n' + renderKubeText(kube) : ''));
    return report.findings.some(isActionable) ? EXIT.findings : EXIT.ok;
  },
};

export function evidenceToJson(r: EvidenceReport, kube?: KubeEvidence): string {
  return (
    JSON.stringify(
      {
        schema: EVIDENCE_SCHEMA,
        ...(r.rootCause ? { rootCause: r.rootCause } : {}),
        findings: findingListToJson(r.findings),
        logMatches: r.matches,
        logSources: r.logSources,
        missing: r.missing,
        versions: r.versions,
        daemons: r.daemons,
        openFds: r.pins,
        podsWithoutLimits: r.podsWithoutLimits,
        ...(kube ? { kubernetes: kube } : {}),
      },
      null,
      1,
    ) + '\n'
  );
}
