import type { Finding as CoreFinding } from '../../core/analysis/finding';
import { displayOf } from '../../core/model/bytes';

/** One line of a finding's evidence as the Findings view lists it under the finding. */
export interface EvidenceItem {
  kind: 'log' | 'fd' | 'text';
  /** The log line itself, or the evidence statement (plain text, already escaped). */
  label: string;
  /** For a log line: its time and where it was read. */
  description?: string;
  tooltip: string;
}

/**
 * The evidence lines of a finding, log lines (as logEvidence in src/core/analysis/logSignatures.ts
 * writes them: "log SIGNATURE TIME SOURCE: LINE") taken apart so the view can show the line with its
 * time beside it. The line is untrusted text: the core escaped its control bytes (safeLogText);
 * it is only ever a label or a plain-text tooltip here.
 */
export function evidenceItems(f: Pick<CoreFinding, 'evidence'>): EvidenceItem[] {
  return f.evidence.map((e) => {
    const log = /^log (\S+) (time unknown|\S+) (.*?): (.*)$/s.exec(e);
    if (log) {
      const [, signature, when, source, line] = log as unknown as [string, string, string, string, string];
      return { kind: 'log', label: line, description: `${when} · ${source}`, tooltip: `${signature}\n${when}\n${source}\n\n${line}` };
    }
    const text = displayOf(e);
    return { kind: e.startsWith('open fd: ') ? 'fd' : 'text', label: text, tooltip: text };
  });
}
