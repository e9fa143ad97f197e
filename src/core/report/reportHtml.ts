import { summarize } from '../analysis/summary';
import { displayOf } from '../model/bytes';
import { findingDetail, type ReportInput } from './nodeReport';
import { renderSummaryText } from './summaryText';

/** Every character that could open markup or end an attribute, as an entity. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A standalone HTML page with no script at all; every piece of text is escaped. */
export function renderHtml(r: ReportInput): string {
  const e = (s: string): string => escapeHtml(displayOf(s));
  const findings = r.report.findings
    .map(
      (f) =>
        `<section class="${e(f.severity)}"><h3>${e(f.severity)}: ${e(f.title)}</h3><pre>${e(findingDetail(f))}</pre><ul>${f.cgroups
          .map((c) => `<li>${e(c.hierarchy)}: <code>${e(c.path)}</code></li>`)
          .join('')}</ul></section>`,
    )
    .join('\n');
  const notes = [
    ...(r.report.rootCause ? [`<p>Most likely root cause: ${e(r.report.rootCause)}</p>`] : []),
    ...(r.report.orphansUndetermined ? [`<p>Orphans could not be judged: ${e(r.report.orphansUndetermined)}</p>`] : []),
  ];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Cgroup Forensics report: ${e(r.nodeLabel)}</title>
<style>body{font-family:sans-serif;margin:2em}pre{background:#f4f4f4;padding:1em;overflow:auto}.warning h3{color:#a60}.critical h3{color:#b00}</style>
</head><body>
<h1>Cgroup Forensics report: ${e(r.nodeLabel)}</h1>
<p>Snapshot of ${e(new Date(r.snapshot.takenAt).toISOString())}.</p>
<h2>Summary</h2>
<pre>${escapeHtml(renderSummaryText(summarize(r.snapshot)))}</pre>
<h2>Findings (${r.report.findings.length})</h2>
${[...notes, findings || '<p>No findings.</p>'].join('\n')}
</body></html>
`;
}
