import { readRecords } from '../nodeScript/records';
import { unescapeField } from '../probe/fieldEscape';

/** A process found in a cgroup. cmdline and comm are untrusted text (byte strings). */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** The cgroup directory it was listed in (byte string). */
  cgroupDir: string;
  uid?: number;
  user?: string;
  /** R S D Z T ... as in /proc/PID/stat. */
  state: string;
  threads: number;
  rssBytes: number;
  /** Start time, epoch seconds (when the boot time was known). */
  startTime?: number;
  comm: string;
  argv: string[];
  zombie: boolean;
  /** Uninterruptible sleep: cannot be killed until its I/O ends (a hung mount, a stuck device). */
  uninterruptible: boolean;
  /** Parent is PID 1: its real parent (a container shim) is gone. */
  reparentedToInit: boolean;
}

export interface ProcessListing {
  processes: ProcessInfo[];
  /** Directories that vanished or could not be read. */
  unreadable: { dir: string; what: string }[];
  complete: boolean;
}

/** Parses the procs program's output (latin1 byte strings, so names keep their bytes). */
export function parseProcs(output: Buffer): ProcessListing {
  const text = output.toString('latin1');
  let tck = 100;
  let page = 4096;
  let btime: number | undefined;
  const users = new Map<number, string>();
  const raw: string[][] = [];
  const unreadable: ProcessListing['unreadable'] = [];
  const { complete } = readRecords(text, 'procs', ['1'], (f) => {
    switch (f[0]) {
      case 'K':
        tck = Number(f[1]) || 100;
        page = Number(f[2]) || 4096;
        if (f[3] && Number.isFinite(Number(f[3]))) btime = Number(f[3]);
        return true;
      case 'P':
        raw.push(f.slice(1).map(unescapeField));
        return true;
      case 'U':
        users.set(Number(f[1]), unescapeField(f[2] ?? ''));
        return true;
      case 'X':
        unreadable.push({ dir: unescapeField(f[1] ?? ''), what: unescapeField(f[2] ?? '') });
        return true;
      default:
        return false;
    }
  });
  const processes: ProcessInfo[] = [];
  for (const [cgroupDir, pidText, stat, uidText, cmd] of raw) {
    // comm is in parentheses and may hold anything, parentheses included: the last ')' ends it.
    const open = stat!.indexOf('(');
    const close = stat!.lastIndexOf(')');
    if (open < 0 || close < open) continue;
    const comm = stat!.slice(open + 1, close);
    const rest = stat!.slice(close + 2).split(' ');
    // Fields after comm: state(3) ppid(4) ... num_threads(20) ... starttime(22) vsize(23) rss(24)
    const at = (field: number): number => Number(rest[field - 3]);
    const state = rest[0] ?? '?';
    const ppid = at(4);
    const uid = uidText === '' || uidText === undefined ? undefined : Number(uidText);
    const p: ProcessInfo = {
      pid: Number(pidText),
      ppid,
      cgroupDir: cgroupDir!,
      state,
      threads: at(20),
      rssBytes: at(24) * page,
      comm,
      argv: cmd === undefined || cmd === '' ? [] : cmd.replace(/\n$/, '').split('\n'),
      zombie: state === 'Z',
      uninterruptible: state === 'D',
      reparentedToInit: ppid === 1,
    };
    if (uid !== undefined && Number.isFinite(uid)) {
      p.uid = uid;
      const user = users.get(uid);
      if (user !== undefined) p.user = user;
    }
    if (btime !== undefined) p.startTime = btime + Math.floor(at(22) / tck);
    processes.push(p);
  }
  return { processes, unreadable, complete };
}
