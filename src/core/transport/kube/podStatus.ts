import { safeLogText } from '../../analysis/logSignatures';

/** The parts of a Pod (and its Events) that say whether it runs and, if not, why. */
export interface PodState {
  phase: string;
  /** Why it is not running, one line; empty when nothing says. */
  why: string;
}

interface PodJson {
  metadata?: { deletionTimestamp?: string };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
    containerStatuses?: { name?: string; state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number; message?: string } } }[];
  };
}

interface EventJson {
  type?: string;
  reason?: string;
  message?: string;
  lastTimestamp?: string;
  eventTime?: string;
}

/** The pod's phase and, for one that is not Running, what its status says about why. */
export function podState(pod: unknown): PodState {
  const p = pod as PodJson;
  const s = p.status ?? {};
  const phase = s.phase ?? 'Unknown';
  const said: string[] = [];
  if (s.reason || s.message) said.push([s.reason, s.message].filter(Boolean).join(': '));
  for (const c of s.containerStatuses ?? []) {
    const w = c.state?.waiting;
    const t = c.state?.terminated;
    if (w?.reason) said.push(`container ${c.name ?? '?'} is waiting: ${w.reason}${w.message ? ` (${w.message})` : ''}`);
    if (t) said.push(`container ${c.name ?? '?'} ended: ${t.reason ?? `exit code ${t.exitCode ?? '?'}`}${t.message ? ` (${t.message})` : ''}`);
  }
  for (const c of s.conditions ?? []) {
    if (c.status === 'False' && c.type === 'PodScheduled') said.push(`not scheduled: ${[c.reason, c.message].filter(Boolean).join(': ')}`);
  }
  return { phase, why: safeLogText(said.join('; '), 400) };
}

/** The pod's latest warning event ("Failed: Failed to pull image ..."), if any. */
export function lastWarning(events: unknown): string | undefined {
  const items = ((events as { items?: EventJson[] } | undefined)?.items ?? []).filter((e) => e.type === 'Warning');
  const last = items.sort((a, b) => (a.lastTimestamp ?? a.eventTime ?? '').localeCompare(b.lastTimestamp ?? b.eventTime ?? '')).pop();
  return last ? safeLogText(`${last.reason ?? 'Warning'}: ${last.message ?? ''}`, 300) : undefined;
}
