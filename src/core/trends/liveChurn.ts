import { fail, ok, type ProbeError, type Result } from '../result';
import { runCollecting, stderrTail } from '../transport/runCollecting';
import type { Transport } from '../transport/transport';

/**
 * Live churn with bpftrace on the cgroup tracepoints, time-boxed: one record per cgroup made,
 * removed or finally released, with the process that did it. Constant program; the duration is
 * its one positional parameter. Strings are sized for whole paths by bpftrace's version (see
 * BPFTRACE_WHOLE_PATHS in fixes/monitoring.ts): 1024 bytes, the kernel's own bound, on bpftrace
 * 0.21+; 200 on 0.17-0.20, their maximum, so there a path of 199 bytes or more is cut.
 * bpftrace cannot escape what it prints: a cgroup name holding a newline can forge a record, so
 * the records are counted, never acted on, and the output is capped.
 */
export const LIVE_CHURN_BT = `BEGIN { printf("S\\n"); }
tracepoint:cgroup:cgroup_mkdir { printf("M\\t%d\\t%s\\t%s\\n", args->root, str(args->path), comm); }
tracepoint:cgroup:cgroup_rmdir { printf("R\\t%d\\t%s\\t%s\\n", args->root, str(args->path), comm); }
tracepoint:cgroup:cgroup_release { printf("L\\t%d\\t%s\\t%s\\n", args->root, str(args->path), comm); }
interval:s:1 { @seconds++; if (@seconds >= $1) { clear(@seconds); exit(); } }
`;

/**
 * Picks the string size from `bpftrace --version` on the node: BPFTRACE_MAX_STRLEN=1024 where
 * bpftrace has no upper limit (0.21 and later), else BPFTRACE_STRLEN=200 (0.17-0.20 refuse more;
 * an unknown version gets 200 too, which every version accepts). Constant text; the values
 * travel as positional parameters.
 */
export const LIVE_CHURN_SH = `case "$(bpftrace --version 2>/dev/null)" in
*" v0.2"[1-9]* | *" v0."[3-9][0-9]* | *" v"[1-9]*) BPFTRACE_MAX_STRLEN=1024; export BPFTRACE_MAX_STRLEN ;;
*) BPFTRACE_STRLEN=200; export BPFTRACE_STRLEN ;;
esac
exec timeout "$1" bpftrace -e "$2" "$3"`;

export function liveChurnArgv(seconds: number): string[] {
  const s = String(Math.max(1, Math.floor(seconds)));
  // timeout: bpftrace ends itself after $1 seconds; this ends it if attaching hangs.
  return ['sh', '-c', LIVE_CHURN_SH, 'sh', String(Math.floor(seconds) + 60), LIVE_CHURN_BT, s];
}

export interface LiveChurnRow {
  /** Hierarchy ID (the kernel's cgroup root number). */
  root: number;
  key: string;
  made: number;
  removed: number;
  released: number;
}

export interface LiveChurn {
  seconds: number;
  byParent: LiveChurnRow[];
  /** By process name (comm): cgroups made, and of those how many were still there at the end. */
  byProcess: { comm: string; made: number; notRemoved: number }[];
  /** Lines that were not records (bpftrace's own messages, forged or cut lines). */
  skipped: number;
  truncated: boolean;
}

const MAX_LINES = 200_000;

/** Summarises the trace: rates by parent path and by process. Pure. */
export function summariseLiveChurn(text: string, seconds: number): LiveChurn {
  const byParent = new Map<string, LiveChurnRow>();
  const made = new Map<string, string>();
  const removed = new Set<string>();
  let skipped = 0;
  const lines = text.split('\n');
  const truncated = lines.length > MAX_LINES;
  for (const line of lines.slice(0, MAX_LINES)) {
    const m = /^([MRL])\t(\d+)\t([^\t]*)\t([^\t]*)$/.exec(line);
    if (!m) {
      if (line !== '' && line !== 'S' && !line.startsWith('Attaching')) skipped++;
      continue;
    }
    const [, type, root, path, comm] = m as unknown as [string, 'M' | 'R' | 'L', string, string, string];
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    const key = `${root}\0${parent}`;
    const row = byParent.get(key) ?? { root: Number(root), key: parent, made: 0, removed: 0, released: 0 };
    if (type === 'M') {
      row.made++;
      made.set(`${root}\0${path}`, comm);
    } else if (type === 'R') {
      row.removed++;
      removed.add(`${root}\0${path}`);
    } else row.released++;
    byParent.set(key, row);
  }
  const procs = new Map<string, { comm: string; made: number; notRemoved: number }>();
  for (const [k, comm] of made) {
    const p = procs.get(comm) ?? { comm, made: 0, notRemoved: 0 };
    p.made++;
    if (!removed.has(k)) p.notRemoved++;
    procs.set(comm, p);
  }
  return {
    seconds,
    byParent: [...byParent.values()].sort((a, b) => b.made + b.removed - (a.made + a.removed)),
    byProcess: [...procs.values()].sort((a, b) => b.notRemoved - a.notRemoved || b.made - a.made),
    skipped,
    truncated,
  };
}

/** Runs the trace for `seconds` on the node (root and bpftrace needed); cancellable. */
export async function traceLiveChurn(transport: Transport, seconds: number, signal?: AbortSignal): Promise<Result<LiveChurn, ProbeError>> {
  const run = await runCollecting(transport, liveChurnArgv(seconds), { maxBytes: 64 << 20, ...(signal ? { signal } : {}) });
  if (!run.ok) return run;
  const r = run.value.result;
  const text = run.value.output.toString('utf8');
  // bpftrace prints "Attaching N probes..." first; its BEGIN record says the probes are attached.
  if (r.exitCode !== 0 || !/^S$/m.test(text)) {
    // bpftrace's last ERROR line (the cause; an earlier one may be a warning such as RLIMIT_MEMLOCK), not the program excerpt under it.
    const why = r.stderr.split('\n').filter((l) => /\bERROR\b/.test(l)).pop()?.trim() ?? stderrTail(r);
    return fail({ code: 'transport', message: `bpftrace could not trace the cgroup tracepoints (exit ${r.exitCode ?? r.signal}): ${why}` });
  }
  return ok(summariseLiveChurn(text, seconds));
}
