import { renderFinding } from './findingsText';
import type { EvidenceReport } from '../evidence/nodeEvidence';
import { safeLogText } from '../analysis/logSignatures';
import { formatBytes } from './format';

/** The `evidence` text view: findings with their log lines, then versions, daemons, open fds, sources. */
export function renderEvidenceText(r: EvidenceReport): string {
  const lines: string[] = [];
  const counts = new Map<string, number>();
  for (const f of r.findings) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  lines.push(r.findings.length ? `${r.findings.length} finding(s): ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}` : 'no findings');
  if (r.rootCause) lines.push(`most likely root cause: ${r.rootCause}`);
  for (const f of r.findings) lines.push('', ...renderFinding(f));
  lines.push('', 'Logs read:');
  if (!r.logSources.length) lines.push('  none: no journal, kernel log or log file could be read');
  for (const s of r.logSources) lines.push(`  ${safeLogText(s.source)}: ${s.lines ? `${s.lines} cgroup-related line(s)` : 'nothing cgroup-related found'}`);
  lines.push(`  ${r.matches.length} line(s) matched a known signature`);
  for (const m of r.missing) lines.push(`  not available: ${safeLogText(m)}`);
  const v = Object.entries(r.versions);
  lines.push('', `Versions: ${v.length ? v.map(([k, x]) => `${k} ${safeLogText(x)}`).join(', ') : 'none detected'}`);
  lines.push('', 'Daemons:');
  if (!r.daemons.length) lines.push('  none of kubelet, containerd, crio, dockerd, systemd runs here');
  for (const d of r.daemons) {
    lines.push(`  ${safeLogText(d.comm)} pid ${d.pid}: RSS ${formatBytes(d.rssBytes)}, ${d.threads} threads, ${d.fds} fds, CPU ${d.cpuSeconds.toFixed(1)} s (${(d.cpuShare * 100).toFixed(1)}% avg), up ${Math.round(d.uptimeSeconds)} s`);
  }
  lines.push('', `Open fds on cgroups: ${r.pins.length}`);
  for (const p of r.pins.slice(0, 50)) lines.push(`  ${safeLogText(p.comm)} pid ${p.pid} fd ${safeLogText(p.fd)} -> ${safeLogText(p.target)}`);
  if (r.pins.length > 50) lines.push(`  ... ${r.pins.length - 50} more`);
  lines.push('', `Pods without limits (from their cgroup files): ${r.podsWithoutLimits.length}`);
  for (const p of r.podsWithoutLimits.slice(0, 50)) lines.push(`  ${p.podUid ?? safeLogText(p.dir)}: ${[p.memoryUnlimited ? 'no memory limit' : '', p.cpuUnlimited ? 'no CPU limit' : ''].filter(Boolean).join(', ')}  ${safeLogText(p.dir)}`);
  if (r.podsWithoutLimits.length > 50) lines.push(`  ... ${r.podsWithoutLimits.length - 50} more`);
  return lines.join('\n') + '\n';
}
