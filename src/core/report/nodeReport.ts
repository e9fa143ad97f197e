import { evidenceLine } from '../analysis/evidence';
import type { Finding } from '../analysis/finding';
import type { ForensicsReport } from '../analysis/forensics';
import { displayOf } from '../model/bytes';
import type { Snapshot } from '../model/snapshot';

/** What a report is made of: one node's snapshot and the findings on it. */
export interface ReportInput {
  /** How the node is named: the SSH host, "this machine", a snapshot file's name. Untrusted. */
  nodeLabel: string;
  snapshot: Snapshot;
  report: ForensicsReport;
}

/** The formats the core renders a report in (`cgroup-forensics report --format`, Export Report). */
export const REPORT_FORMATS = ['md', 'html', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** A finding's body in a report: its confidence, then its evidence, one line each (plain text). */
export function findingDetail(f: Finding): string {
  return [`confidence: ${f.confidence}`, ...f.evidence.map((e) => displayOf(evidenceLine(e)))].join('\n');
}

/**
 * The report a front end shows when evidence beyond the tree was merged into its findings
 * (the extension's findings hooks): those findings, their counts in step (the root cause as judged).
 */
export function reportWithFindings(r: ForensicsReport, findings: readonly Finding[]): ForensicsReport {
  const counts: ForensicsReport['counts'] = {};
  for (const f of findings) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  return { ...r, findings: [...findings], counts };
}
