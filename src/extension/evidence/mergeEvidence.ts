import type { Finding as CoreFinding } from '../../core/analysis/finding';
import { correlateLogs } from '../../core/analysis/logSignatures';
import type { RawEvidence } from '../../core/evidence/evidenceParser';
import { buildEvidenceReport, type EvidenceReport } from '../../core/evidence/nodeEvidence';
import type { FindingsInput } from '../findings/findingsHooks';

/** What Gather Evidence read on a node, kept until the next gathering (or a disconnect). */
export interface GatheredEvidence {
  raw: RawEvidence;
  /** The journal was read from here (epoch seconds); older lines of log files are dropped too. */
  since: number;
  /** When it was gathered (epoch ms). */
  at: number;
}

/**
 * The evidence report of a node's findings (those given: the engine's, or as earlier hooks left
 * them) and what was gathered: exactly the core's buildEvidenceReport, as `evidence` in the CLI.
 */
export function evidenceReportOf(findings: readonly CoreFinding[], input: FindingsInput, g: GatheredEvidence): EvidenceReport {
  return buildEvidenceReport({ ...input.report, findings: [...findings] }, g.raw, input.snapshot, input.facts, { since: g.since });
}

/**
 * The findings hook's work: log lines and fd pins added to the findings they support, and the new
 * findings; with the evidence report they came from (the document shows it), when there was any.
 */
export function mergeEvidence(findings: readonly CoreFinding[], input: FindingsInput, g: GatheredEvidence | undefined): { findings: readonly CoreFinding[]; report?: EvidenceReport } {
  if (!g) return { findings };
  const report = evidenceReportOf(findings, input, g);
  return { findings: report.findings, report };
}

/** What a gathering added to the findings it was merged into, for the one-line message. */
export function evidenceSummary(r: EvidenceReport, base: readonly CoreFinding[]): { logMatches: number; attached: number; added: number; nothing: boolean } {
  const { unattached } = correlateLogs(base, r.matches);
  const added = r.findings.length - base.length;
  return { logMatches: r.matches.length, attached: r.matches.length - unattached.length, added, nothing: r.matches.length === 0 && added === 0 };
}
