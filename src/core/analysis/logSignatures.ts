import { normalisePodUid } from '../model/k8sIdentity';
import type { Finding, FindingKind, Severity } from './finding';

/**
 * Known log signatures of cgroup leaks, matched against kubelet, runtime and kernel log lines.
 * Pure: lines in, matches out. A line is untrusted text: it is only ever matched, cut and shown
 * through safeLogText (never run, never put into markup).
 */
export type SignatureId =
  | 'orphaned-pod'
  | 'cgroup-remove-busy'
  | 'cgroup-delete-paths-failed'
  | 'slub-alloc-failure'
  | 'cgroup-mkdir-enospc'
  | 'cgroup-mkdir-enomem'
  | 'transient-unit-arg-list-too-long'
  | 'cgroup-driver-misconfiguration'
  | 'pids-fork-rejected'
  // advisories block (issue 12)
  | 'systemd-unit-already-exists'
  | 'kubelet-qos-cgroups-failed';

export interface LogSignature {
  id: SignatureId;
  title: string;
  severity: Severity;
  /** Findings this signature supports, when there is no pod UID or path in common. */
  supports: FindingKind[];
  /** What it means, in one sentence. */
  meaning: string;
  test: RegExp;
}

/** mkdir of a cgroup directory failing with ERROR, as Go's os.Mkdir or coreutils' mkdir report it. */
function cgroupMkdirFailed(error: string): RegExp {
  const dir = String.raw`(?:/sys/fs/cgroup/|/\S*kubepods)[^\s:'"\u2018\u2019\\]*`;
  return new RegExp(String.raw`\bmkdir ${dir}: ${error}|cannot create directory [\u2018'"]?${dir}[\u2019'"]?: ${error}`, 'i');
}

export const LOG_SIGNATURES: readonly LogSignature[] = [
  {
    id: 'orphaned-pod',
    title: 'kubelet found an orphaned pod it could not clean up',
    severity: 'warning',
    supports: ['orphaned-pod-cgroup'],
    meaning: 'kubelet sees a pod directory for a pod it no longer runs and cannot remove it (volumes still mounted or present)',
    test: /orphaned pod \\?"?[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}\\?"? found/i,
  },
  {
    id: 'cgroup-remove-busy',
    title: 'a cgroup could not be removed: device or resource busy',
    severity: 'warning',
    supports: ['orphaned-pod-cgroup', 'orphaned-container-cgroup', 'dying-cgroups'],
    meaning: 'rmdir of a cgroup failed with EBUSY: a process (or a child cgroup) is still in it',
    test: /(?:fail(?:ed)? to (?:remove|destroy|delete)|unable to (?:remove|destroy|delete)|rmdir)[^\n]*(?:cgroup|kubepods)[^\n]*(?:device or resource busy|EBUSY)|(?:cgroup|kubepods)[^\n]*(?:fail(?:ed)? to remove|rmdir)[^\n]*(?:device or resource busy|EBUSY)/i,
  },
  {
    id: 'cgroup-delete-paths-failed',
    title: 'kubelet failed to delete cgroup paths',
    severity: 'warning',
    supports: ['orphaned-pod-cgroup'],
    meaning: "kubelet's pod cgroup teardown failed; the pod's cgroups stay behind",
    test: /failed to delete cgroup paths|unable to destroy cgroup paths/i,
  },
  {
    id: 'slub-alloc-failure',
    title: 'the kernel could not allocate slab memory (SLUB)',
    severity: 'critical',
    supports: ['kmem-accounting', 'dying-cgroups'],
    meaning: 'slab allocations fail, the classic symptom of kernel memory accounting leaking memory cgroups on 3.10 kernels',
    test: /SLUB: Unable to allocate memory/,
  },
  // ---- memcg ID exhaustion (memcgIds.ts says which text a kernel gives) --------------------
  // mkdir of a cgroup directory (under /sys/fs/cgroup or a kubepods path) failing, as Go's
  // os.Mkdir error (kubelet, runc, containerd: "mkdir PATH: ERROR") or as coreutils' mkdir
  // ("cannot create directory 'PATH': ERROR"). The path must be the mkdir's own, so a full disk
  // ("mkdir /var/lib/...: no space left on device") or an ENOMEM elsewhere never matches.
  {
    id: 'cgroup-mkdir-enospc',
    title: 'a cgroup could not be made: no space left on device',
    severity: 'critical',
    supports: ['dying-cgroups', 'kmem-accounting'],
    meaning: 'mkdir of a cgroup failed with ENOSPC: the memory cgroup IDs (65535, shared by live cgroups and, on kernels before 4.7 and RHEL 7, dying ones) are used up',
    test: cgroupMkdirFailed('no space left on device'),
  },
  {
    id: 'cgroup-mkdir-enomem',
    title: 'a cgroup could not be made: cannot allocate memory',
    severity: 'critical',
    supports: ['dying-cgroups', 'kmem-accounting'],
    meaning: 'mkdir of a cgroup failed with ENOMEM: how memcg ID exhaustion shows on kernels 4.7 to 5.6 (before 11d6761218d1) and on RHEL 7, or kernel memory (kmem accounting) exhausted',
    test: cgroupMkdirFailed('cannot allocate memory'),
  },
  // ---- end of memcg ID exhaustion ----------------------------------------------------------
  {
    id: 'transient-unit-arg-list-too-long',
    title: 'systemd refused a transient unit: Argument list too long',
    severity: 'warning',
    supports: ['transient-mount-scope-leak', 'failed-systemd-unit'],
    meaning: 'systemd holds too many units (leaked transient mount scopes) and refuses new ones, so volume mounts fail',
    test: /Failed to start transient (?:scope|service) unit: Argument list too long|transient[^\n]*Argument list too long/i,
  },
  {
    id: 'cgroup-driver-misconfiguration',
    title: 'kubelet and the runtime disagree on the cgroup driver',
    severity: 'critical',
    supports: ['cgroup-driver-mismatch'],
    meaning: 'kubelet refuses to run, or the runtime gets paths for the other driver: the two make different trees',
    test: /misconfiguration: kubelet cgroup driver|cgroup driver: \\?"(?:systemd|cgroupfs)\\?" is different from|expected cgroupsPath to be of format \\?"slice:prefix:name\\?"/i,
  },
  {
    id: 'pids-fork-rejected',
    title: 'the pids controller rejected a fork',
    severity: 'warning',
    supports: ['pids-pressure'],
    meaning: 'a cgroup reached its pids.max: processes or threads leak in it',
    test: /cgroup: fork rejected by pids controller/i,
  },
  // ---- advisories block (issue 12): systemd "Unit ... already exists", kubelet's QOS cgroups ----
  {
    id: 'systemd-unit-already-exists',
    title: 'a systemd cgroup driver was refused a unit: Unit ... already exists',
    severity: 'warning',
    supports: ['version-advisory', 'failed-systemd-unit'],
    meaning:
      'systemd says the pod slice or container scope already exists, so the pod does not start (kubelet 1.21.2 to 1.21.4 with libcontainer 1.0.0-rc95: kubernetes/kubernetes#102676) or a failed unit of the same name is still loaded (runc before 1.1.8: opencontainers/runc#3888)',
    // The kubelet QOS failure that ends the same way is the next signature's.
    test: /^(?![^\n]*top level QOS containers)[^\n]*\bUnit [^\s"'\]]+\.(?:slice|scope) already exists/i,
  },
  {
    id: 'kubelet-qos-cgroups-failed',
    title: "kubelet's container manager could not set up the top level QOS cgroups",
    severity: 'critical',
    supports: ['daemon-health'],
    meaning:
      'kubelet does not start its container manager (kubernetes/kubernetes#43856): the kubepods QOS cgroups could not be made or updated (a unit that already exists, a controller that is not mounted, or a kubepods root that is gone), so no pod is synced',
    test: /failed to initiali[sz]e top level QOS containers/i,
  },
];

/** A log line that matched a signature, with what it names. */
export interface LogMatch {
  signature: SignatureId;
  /** Where the line came from: "journalctl -u kubelet", "dmesg", "/var/log/syslog" ... */
  source: string;
  /** The line as read (untrusted). */
  line: string;
  /** When it was logged, epoch milliseconds, when the line says. */
  time?: number;
  /** Pod UIDs named in the line (normalised to dashes). */
  podUids: string[];
  /** Cgroup-looking paths named in the line (as written). */
  paths: string[];
  containerIds: string[];
}

const UID = /[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}/gi;
const CID = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/g;
const PATH = /\/(?:sys\/fs\/cgroup\/)?[^\s"':,\]\\]*(?:kubepods|\.slice|\.scope|system\.slice)[^\s"':,\]\\]*/g;

/** Context for placing a line's time: the node's clock and uptime (dmesg counts from boot). */
export interface LogClock {
  /** The node's clock, epoch seconds. */
  now: number;
  uptimeSeconds: number;
}

/** Every signature each line matches (a line can match several). */
export function matchLogLines(lines: readonly { source: string; line: string }[], clock?: LogClock): LogMatch[] {
  const out: LogMatch[] = [];
  for (const l of lines) {
    for (const sig of LOG_SIGNATURES) {
      if (!sig.test.test(l.line)) continue;
      const m: LogMatch = {
        signature: sig.id,
        source: l.source,
        line: l.line,
        podUids: [...new Set([...l.line.matchAll(UID)].map((x) => normalisePodUid(x[0])))],
        paths: [...new Set([...l.line.matchAll(PATH)].map((x) => x[0]))],
        containerIds: [...new Set([...l.line.matchAll(CID)].map((x) => x[0]))],
      };
      const t = lineTime(l.line, clock);
      if (t !== undefined) m.time = t;
      out.push(m);
    }
  }
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The time a log line carries, epoch ms: journalctl's short-iso or an RFC 3339 syslog stamp,
 * a classic syslog "Mon DD HH:MM:SS" (read as UTC, the year the node's clock says), or dmesg's
 * "[seconds since boot]" placed with the node's clock and uptime.
 */
export function lineTime(line: string, clock?: LogClock): number | undefined {
  const iso = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d:?\d\d)?\s/.exec(line);
  if (iso) {
    const zone = iso[2] === undefined ? 'Z' : iso[2] === 'Z' ? 'Z' : iso[2].length === 5 ? `${iso[2].slice(0, 3)}:${iso[2].slice(3)}` : iso[2];
    const t = Date.parse(iso[1]! + zone);
    return Number.isNaN(t) ? undefined : t;
  }
  const sys = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)\s/.exec(line);
  if (sys) {
    const mon = MONTHS.indexOf(sys[1]!);
    if (mon < 0) return undefined;
    const nowMs = (clock?.now ?? Date.now() / 1000) * 1000;
    const year = new Date(nowMs).getUTCFullYear();
    let t = Date.UTC(year, mon, Number(sys[2]), Number(sys[3]), Number(sys[4]), Number(sys[5]));
    // A line "from the future" was logged last year (syslog stamps carry no year).
    if (t > nowMs + 86_400_000) t = Date.UTC(year - 1, mon, Number(sys[2]), Number(sys[3]), Number(sys[4]), Number(sys[5]));
    return t;
  }
  const dm = /^\[\s*(\d+)\.(\d+)\]/.exec(line);
  if (dm && clock) {
    const boot = clock.now - clock.uptimeSeconds;
    return Math.round((boot + Number(`${dm[1]}.${dm[2]}`)) * 1000);
  }
  return undefined;
}

/** A log line made safe to show in a terminal or a text document: control bytes escaped, cut to max. */
export function safeLogText(line: string, max = 400): string {
  const s = line.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

export function signatureOf(id: SignatureId): LogSignature {
  return LOG_SIGNATURES.find((s) => s.id === id)!;
}

/**
 * Which finding each match supports: the same pod UID, else a cgroup path of the finding named in
 * the line, else the same container ID, else (only for node-wide signatures) a finding of a kind
 * the signature explains. Returns, per finding index, its matches; and the matches no finding took.
 */
export function correlateLogs(findings: readonly Finding[], matches: readonly LogMatch[]): { byFinding: Map<number, LogMatch[]>; unattached: LogMatch[] } {
  const byFinding = new Map<number, LogMatch[]>();
  const unattached: LogMatch[] = [];
  const add = (i: number, m: LogMatch): void => {
    const list = byFinding.get(i) ?? [];
    list.push(m);
    byFinding.set(i, list);
  };
  for (const m of matches) {
    let idx = findings.findIndex((f) => f.podUid !== undefined && m.podUids.includes(normalisePodUid(f.podUid)));
    if (idx < 0) idx = findings.findIndex((f) => f.cgroups.some((c) => c.path !== '/' && m.paths.some((p) => p === c.path || p.endsWith(c.path))));
    if (idx < 0) idx = findings.findIndex((f) => f.containerId !== undefined && m.containerIds.includes(f.containerId));
    // A line that names a pod, path or container no finding has supports none of them by kind.
    const named = m.podUids.length > 0 || m.containerIds.length > 0;
    if (idx < 0 && !named) {
      const kinds = signatureOf(m.signature).supports;
      idx = findings.findIndex((f) => kinds.includes(f.kind));
    }
    if (idx >= 0) add(idx, m);
    else unattached.push(m);
  }
  return { byFinding, unattached };
}

/** One evidence line for a match: when, where from, the line (escaped, cut). */
export function logEvidence(m: LogMatch): string {
  const when = m.time !== undefined ? new Date(m.time).toISOString().replace('.000Z', 'Z') : 'time unknown';
  return `log ${m.signature} ${when} ${m.source}: ${safeLogText(m.line)}`;
}

/** Findings of their own for matches no finding took: one per signature, with up to five lines. */
export function logFindings(unattached: readonly LogMatch[]): Finding[] {
  const bySig = new Map<SignatureId, LogMatch[]>();
  for (const m of unattached) bySig.set(m.signature, [...(bySig.get(m.signature) ?? []), m]);
  const out: Finding[] = [];
  for (const [id, ms] of bySig) {
    const sig = signatureOf(id);
    const times = ms.map((m) => m.time).filter((t): t is number => t !== undefined);
    const span = times.length ? ` between ${new Date(Math.min(...times)).toISOString()} and ${new Date(Math.max(...times)).toISOString()}` : '';
    const f: Finding = {
      kind: 'log-signature',
      severity: sig.severity,
      confidence: 'medium',
      title: `${sig.title} (${ms.length} line${ms.length === 1 ? '' : 's'})`,
      cgroups: [],
      evidence: [`${sig.meaning}; ${ms.length} matching line(s)${span} in ${[...new Set(ms.map((m) => m.source))].join(', ')}`, ...ms.slice(-5).map(logEvidence)],
    };
    const uid = ms.find((m) => m.podUids.length)?.podUids[0];
    if (uid !== undefined) f.podUid = uid;
    out.push(f);
  }
  return out;
}
