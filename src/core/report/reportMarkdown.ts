import { summarize } from '../analysis/summary';
import { displayOf } from '../model/bytes';
import { findingDetail, type ReportInput } from './nodeReport';
import { renderSummaryText } from './summaryText';

/** Markdown: untrusted text (names, paths) only inside code spans/blocks, with fences escaped. */
export function renderMarkdown(r: ReportInput): string {
  const findings = r.report.findings;
  const out = [`# Cgroup Forensics report: ${mdText(r.nodeLabel)}`, '', `Snapshot of ${new Date(r.snapshot.takenAt).toISOString()}.`, '', '## Summary', ''];
  out.push(fence(renderSummaryText(summarize(r.snapshot))));
  out.push('', `## Findings (${findings.length})`, '');
  if (r.report.rootCause) out.push(`Most likely root cause: ${mdText(r.report.rootCause)}`, '');
  if (r.report.orphansUndetermined) out.push(`Orphans could not be judged: ${mdText(r.report.orphansUndetermined)}`, '');
  if (findings.length === 0) out.push('No findings.');
  for (const f of findings) {
    out.push(`### ${f.severity.toUpperCase()}: ${mdText(f.title)}`, '', fence(findingDetail(f)), '');
    for (const c of f.cgroups) out.push(`- ${mdText(c.hierarchy)}: ${fence(displayOf(c.path), true)}`);
    out.push('');
  }
  return out.join('\n') + '\n';
}

function mdText(s: string): string {
  return displayOf(s).replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, '\\$&');
}

function fence(text: string, inline = false): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const ticks = '`'.repeat(Math.max(inline ? 1 : 3, longest + 1));
  return inline ? `${ticks} ${text} ${ticks}` : `${ticks}text\n${text.replace(/\n$/, '')}\n${ticks}`;
}
