import type { ForensicsReport } from '../analysis/forensics';
import type { Finding } from '../analysis/finding';
import type { ProcessInfo } from '../inspect/processInfo';
import { displayOf } from '../model/bytes';
import { formatAge, formatBytes } from './format';
import { evidenceLine } from '../analysis/evidence';

/** The `orphans` text view: a summary line, the root cause, then each finding with its evidence. */
export function renderFindingsText(r: ForensicsReport, processes: ReadonlyMap<string, ProcessInfo[]> = new Map()): string {
  const lines: string[] = [];
  const kinds = Object.entries(r.counts).map(([k, n]) => `${n} ${k}`);
  lines.push(r.findings.length ? `${r.findings.length} finding(s): ${kinds.join(', ')}` : 'no findings');
  if (r.orphansUndetermined) lines.push(`orphans: could not tell: ${r.orphansUndetermined}`);
  if (r.rootCause) lines.push(`most likely root cause: ${r.rootCause}`);
  for (const f of r.findings) lines.push('', ...renderFinding(f, processes));
  return lines.join('\n') + '\n';
}

export function renderFinding(f: Finding, processes: ReadonlyMap<string, ProcessInfo[]> = new Map()): string[] {
  const out = [`[${f.severity}] ${f.title}  (${f.kind}, confidence ${f.confidence})`];
  const paths = [...new Set(f.cgroups.map((c) => c.path))].reverse();
  for (const p of paths.slice(0, 8)) {
    const hs = f.cgroups.filter((c) => c.path === p);
    const age = hs.find((c) => c.ageSeconds !== undefined)?.ageSeconds;
    out.push(`  ${displayOf(p)}  [${hs.map((c) => c.hierarchy).join(' ')}]${age !== undefined ? `  changed ${formatAge(age)} ago` : ''}`);
  }
  if (paths.length > 8) out.push(`  ... ${paths.length - 8} more cgroup(s)`);
  for (const e of f.evidence) out.push(`  - ${evidenceLine(e)}`);
  const procs = f.podUid !== undefined ? processes.get(f.containerId ?? f.podUid) : undefined;
  for (const p of procs ?? []) out.push(`  ${renderProcess(p)}`);
  return out;
}

export function renderProcess(p: ProcessInfo): string {
  const flags = [p.zombie ? 'ZOMBIE' : '', p.uninterruptible ? 'D-STATE' : '', p.reparentedToInit ? 'REPARENTED-TO-INIT' : ''].filter(Boolean);
  const cmd = p.argv.length ? p.argv.map((a) => displayOf(a)).join(' ') : `[${displayOf(p.comm)}]`;
  const started = p.startTime !== undefined ? new Date(p.startTime * 1000).toISOString().replace('.000Z', 'Z') : '-';
  return `pid ${p.pid} ppid ${p.ppid} ${p.user ?? p.uid ?? '?'} ${p.state} threads ${p.threads} rss ${formatBytes(p.rssBytes)} started ${started}${flags.length ? ` ${flags.join(' ')}` : ''}  ${cmd.length > 200 ? cmd.slice(0, 200) + '...' : cmd}`;
}
