import type { DaemonSample, FdPin, RawEvidence } from '../evidence/evidenceParser';
import { formatBytes } from '../report/format';
import type { Finding } from './finding';
import { safeLogText } from './logSignatures';
import { note, type Evidence } from './evidence';

/** A daemon's health, from /proc: memory, threads, fds, CPU over its lifetime, uptime. */
export interface DaemonHealth {
  pid: number;
  comm: string;
  uid: number;
  rssBytes: number;
  threads: number;
  fds: number;
  cpuSeconds: number;
  uptimeSeconds: number;
  /** Average share of one CPU since it started (1 = one core busy). */
  cpuShare: number;
}

export function daemonHealth(e: Pick<RawEvidence, 'daemons' | 'uptimeSeconds' | 'clockTicks'>): DaemonHealth[] {
  return e.daemons.map((d: DaemonSample) => {
    const cpuSeconds = (d.utimeTicks + d.stimeTicks) / e.clockTicks;
    const uptimeSeconds = Math.max(0, e.uptimeSeconds - d.startTicks / e.clockTicks);
    return { pid: d.pid, comm: d.comm, uid: d.uid, rssBytes: d.rssKb * 1024, threads: d.threads, fds: d.fds, cpuSeconds, uptimeSeconds, cpuShare: uptimeSeconds > 0 ? cpuSeconds / uptimeSeconds : 0 };
  });
}

/** Thresholds past which a daemon's health is a finding (kubelet's memory and CPU grow with stale cgroups). */
export interface HealthThresholds {
  rssBytes: number;
  cpuShare: number;
  fds: number;
}

export const DEFAULT_HEALTH: HealthThresholds = { rssBytes: 2 * 2 ** 30, cpuShare: 0.5, fds: 20_000 };

export function findDaemonHealth(ds: readonly DaemonHealth[], t: HealthThresholds = DEFAULT_HEALTH): Finding[] {
  const out: Finding[] = [];
  for (const d of ds) {
    if (d.comm === 'systemd' && d.uid !== 0) continue;
    const why: string[] = [];
    if (d.rssBytes >= t.rssBytes) why.push(`RSS ${formatBytes(d.rssBytes)} >= ${formatBytes(t.rssBytes)}`);
    if (d.cpuShare >= t.cpuShare) why.push(`${(d.cpuShare * 100).toFixed(0)}% of a CPU on average over ${Math.round(d.uptimeSeconds)} s >= ${(t.cpuShare * 100).toFixed(0)}%`);
    if (d.fds >= t.fds) why.push(`${d.fds} open fds >= ${t.fds}`);
    if (!why.length) continue;
    out.push({
      kind: 'daemon-health',
      severity: 'warning',
      confidence: 'low',
      title: `${safeLogText(d.comm, 64)} (pid ${d.pid}) is heavy: ${why.join(', ')}`,
      cgroups: [],
      evidence: [note(`/proc/${d.pid}/status and /proc/${d.pid}/stat: ${why.join('; ')}`), note('kubelet and the runtime walk every cgroup they know: thousands of stale cgroups show up as their memory and CPU')],
    });
  }
  return out;
}

const DELETED = ' (deleted)';

/**
 * Open fds on cgroups. A removed cgroup held open (its link ends in " (deleted)") stays dying while
 * the fd lives: a finding. Fds on live cgroups are normal for systemd and the runtime; they are
 * listed, and attached to findings about the same cgroup by the caller.
 */
export function findPinnedRemoved(pins: readonly FdPin[]): Finding[] {
  const byTarget = new Map<string, FdPin[]>();
  for (const p of pins) {
    if (!p.target.endsWith(DELETED)) continue;
    byTarget.set(p.target, [...(byTarget.get(p.target) ?? []), p]);
  }
  return [...byTarget].map(([target, ps]) => ({
    kind: 'cgroup-fd-pinned' as const,
    severity: 'warning' as const,
    confidence: 'high' as const,
    title: `a removed cgroup is held open by ${[...new Set(ps.map((p) => `${safeLogText(p.comm, 64)} (pid ${p.pid})`))].join(', ')}`,
    cgroups: [],
    evidence: ps
      .slice(0, 10)
      .map((p): Evidence => ({ kind: 'open-fd', pid: p.pid, fd: safeLogText(p.fd, 16), target: safeLogText(target) }))
      .concat(note('an open fd keeps a removed cgroup dying until it is closed: restart or fix the holder')),
  }));
}

/** The cgroup directory an fd points at (without " (deleted)"). */
export function pinTarget(p: FdPin): string {
  return p.target.endsWith(DELETED) ? p.target.slice(0, -DELETED.length) : p.target;
}
