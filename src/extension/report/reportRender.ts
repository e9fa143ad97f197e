import type { SnapshotSummary } from '../../core/analysis/summary';
import { displayOf } from '../../core/model/bytes';
import { renderSummaryText } from '../../core/report/summaryText';
import type { FindingItem as Finding } from '../findings/finding';

/** A report's content: the snapshot summary and the findings of one node. */
export interface ReportInput {
  nodeLabel: string;
  takenAt: number;
  summary: SnapshotSummary;
  findings: readonly Finding[];
}

/** Markdown: untrusted text (names, paths) only inside code spans/blocks, with fences escaped. */
export function renderMarkdown(r: ReportInput): string {
  const out = [`# Cgroup Forensics report: ${mdText(r.nodeLabel)}`, '', `Snapshot of ${new Date(r.takenAt).toISOString()}.`, '', '## Summary', ''];
  out.push(fence(renderSummaryText(r.summary)));
  out.push('', `## Findings (${r.findings.length})`, '');
  if (r.findings.length === 0) out.push('No findings.');
  for (const f of r.findings) {
    out.push(`### ${f.severity.toUpperCase()}: ${mdText(f.title)}`, '', fence(f.detail), '');
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

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A standalone HTML page with no script at all; every piece of text is escaped. */
export function renderHtml(r: ReportInput): string {
  const e = (s: string): string => escapeHtml(displayOf(s));
  const findings = r.findings
    .map(
      (f) =>
        `<section class="${e(f.severity)}"><h3>${e(f.severity)}: ${e(f.title)}</h3><pre>${e(f.detail)}</pre><ul>${f.cgroups
          .map((c) => `<li>${e(c.hierarchy)}: <code>${e(c.path)}</code></li>`)
          .join('')}</ul></section>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Cgroup Forensics report: ${e(r.nodeLabel)}</title>
<style>body{font-family:sans-serif;margin:2em}pre{background:#f4f4f4;padding:1em;overflow:auto}.warning h3{color:#a60}.error h3{color:#b00}</style>
</head><body>
<h1>Cgroup Forensics report: ${e(r.nodeLabel)}</h1>
<p>Snapshot of ${e(new Date(r.takenAt).toISOString())}.</p>
<h2>Summary</h2>
<pre>${escapeHtml(renderSummaryText(r.summary))}</pre>
<h2>Findings (${r.findings.length})</h2>
${findings || '<p>No findings.</p>'}
</body></html>
`;
}
