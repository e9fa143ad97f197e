import { readRecords } from '../nodeScript/records';
import { unescapeField } from '../probe/fieldEscape';

export const EVIDENCE_PROTOCOL = '1';

/** A log line as the node printed it: untrusted text, never rendered as markup or run. */
export interface RawLogLine {
  source: string;
  line: string;
}

export interface DaemonSample {
  pid: number;
  comm: string;
  uid: number;
  rssKb: number;
  threads: number;
  fds: number;
  /** CPU time in clock ticks since the process started. */
  utimeTicks: number;
  stimeTicks: number;
  /** Start time in clock ticks after boot. */
  startTicks: number;
}

/** An open file descriptor whose target lies on a cgroup mount. */
export interface FdPin {
  pid: number;
  comm: string;
  fd: string;
  /** The readlink target; a removed cgroup held open ends in " (deleted)". */
  target: string;
}

/** A pod cgroup's limits as its files say ("-" when unreadable). */
export interface PodLimitsRaw {
  dir: string;
  memory: string;
  cpu: string;
}

export interface RawEvidence {
  now: number;
  uptimeSeconds: number;
  clockTicks: number;
  pageKb: number;
  lines: RawLogLine[];
  /** Log sources that were read and how many lines each gave (0: nothing cgroup-related). */
  sources: { source: string; lines: number }[];
  missing: { key: string; source: string; reason: string }[];
  facts: { key: string; source: string; value: string }[];
  daemons: DaemonSample[];
  pins: FdPin[];
  podLimits: PodLimitsRaw[];
  complete: boolean;
}

const num = (s: string | undefined): number => {
  const n = Number(s);
  return Number.isFinite(n) ? n : 0;
};

/** Parses the evidence program's whole output (UTF-8; invalid bytes become U+FFFD). */
export function parseEvidence(output: Buffer | string): RawEvidence {
  const text = typeof output === 'string' ? output : output.toString('utf8');
  const out: RawEvidence = { now: 0, uptimeSeconds: 0, clockTicks: 100, pageKb: 4, lines: [], sources: [], missing: [], facts: [], daemons: [], pins: [], podLimits: [], complete: false };
  const { complete } = readRecords(text, 'evidence', [EVIDENCE_PROTOCOL], (f) => {
    const u = (i: number): string => unescapeField(f[i] ?? '');
    switch (f[0]) {
      case 'T':
        out.now = num(f[1]);
        out.uptimeSeconds = num(f[2]);
        out.clockTicks = num(f[3]) || 100;
        out.pageKb = num(f[4]) || 4;
        return true;
      case 'L':
        out.lines.push({ source: u(1), line: u(2) });
        return true;
      case 'S':
        out.sources.push({ source: u(1), lines: num(f[2]) });
        return true;
      case 'N':
        out.missing.push({ key: u(1), source: u(2), reason: u(3) });
        return true;
      case 'F':
        out.facts.push({ key: u(1), source: u(2), value: u(3) });
        return true;
      case 'D':
        out.daemons.push({ pid: num(f[1]), comm: u(2), uid: num(f[3]), rssKb: num(f[4]), threads: num(f[5]), fds: num(f[6]), utimeTicks: num(f[7]), stimeTicks: num(f[8]), startTicks: num(f[9]) });
        return true;
      case 'P':
        out.pins.push({ pid: num(f[1]), comm: u(2), fd: u(3), target: u(4) });
        return true;
      case 'U':
        out.podLimits.push({ dir: u(1), memory: u(2).trim(), cpu: u(3).trim() });
        return true;
      default:
        return false;
    }
  });
  out.complete = complete;
  return out;
}
