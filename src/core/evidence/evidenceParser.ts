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
  let sawVersion = false;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = line.split('\t');
    const u = (i: number): string => unescapeField(f[i] ?? '');
    switch (f[0]) {
      case 'V':
        if (f[1] !== 'evidence' || f[2] !== EVIDENCE_PROTOCOL) throw new Error(`the evidence program speaks ${f[1]} ${f[2]}, this reader evidence ${EVIDENCE_PROTOCOL}`);
        sawVersion = true;
        break;
      case 'T':
        out.now = num(f[1]);
        out.uptimeSeconds = num(f[2]);
        out.clockTicks = num(f[3]) || 100;
        out.pageKb = num(f[4]) || 4;
        break;
      case 'L':
        out.lines.push({ source: u(1), line: u(2) });
        break;
      case 'S':
        out.sources.push({ source: u(1), lines: num(f[2]) });
        break;
      case 'N':
        out.missing.push({ key: u(1), source: u(2), reason: u(3) });
        break;
      case 'F':
        out.facts.push({ key: u(1), source: u(2), value: u(3) });
        break;
      case 'D':
        out.daemons.push({ pid: num(f[1]), comm: u(2), uid: num(f[3]), rssKb: num(f[4]), threads: num(f[5]), fds: num(f[6]), utimeTicks: num(f[7]), stimeTicks: num(f[8]), startTicks: num(f[9]) });
        break;
      case 'P':
        out.pins.push({ pid: num(f[1]), comm: u(2), fd: u(3), target: u(4) });
        break;
      case 'U':
        out.podLimits.push({ dir: u(1), memory: u(2).trim(), cpu: u(3).trim() });
        break;
      case 'Z':
        out.complete = true;
        break;
      default:
        throw new Error(`unexpected evidence record ${JSON.stringify(line.slice(0, 40))}`);
    }
  }
  if (!sawVersion) throw new Error('the evidence program printed nothing recognisable');
  return out;
}
