import { evidenceLine, logTime } from '../../core/analysis/evidence';
import type { Finding } from '../../core/analysis/finding';
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
 * A finding's evidence as the view lists it: a log line (the core's 'log' item) shows the line with
 * its time and source beside it, an open fd is marked as one. The line is untrusted text: the core
 * escaped its control bytes (safeLogText); it is only ever a label or a plain-text tooltip here.
 */
export function evidenceItems(f: Pick<Finding, 'evidence'>): EvidenceItem[] {
  return f.evidence.map((e) => {
    if (e.kind === 'log') {
      const when = logTime(e.time);
      return { kind: 'log', label: e.line, description: `${when} · ${e.source}`, tooltip: `${e.signature}\n${when}\n${e.source}\n\n${e.line}` };
    }
    const text = displayOf(evidenceLine(e));
    return { kind: e.kind === 'open-fd' ? 'fd' : 'text', label: text, tooltip: text };
  });
}
