import { normalisePodUid } from '../model/k8sIdentity';
import type { Finding, FindingKind, Severity } from './finding';
import { note, sourceEvidence, type Evidence } from './evidence';

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
  /**
   * Where the text is checked upstream, https URLs: the code that prints it (a file at a tag or
   * commit) and an upstream report with the real line. A finding the signature supports lists them
   * (signatureSources). Where no printing code was found, the comment above the row says
   * "code: unconfirmed".
   */
  sources: string[];
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
    // kubelet_volumes.go: "Orphaned pod %q found, but ..." (the reason after "but" changed across
    // releases) and "Failed to remove orphaned pod %q dir; err: %v". "Orphaned pod %q found,
    // removing" (V(3)) is the normal clean-up and is no signature. %q in a structured klog err="..."
    // arrives as \"UID\".
    test: /(?:orphaned pod|failed to remove orphaned pod) \\*"?[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}\\*"?(?: found, but| dir; err:)/i,
    sources: [
      'https://github.com/kubernetes/kubernetes/blob/0106098fde6e2c9537c518e261c41dbe100ea184/pkg/kubelet/kubelet_volumes.go',
      'https://github.com/kubernetes/kubernetes/issues/60987',
      'https://github.com/kubernetes/kubernetes/issues/114698',
    ],
  },
  {
    id: 'cgroup-remove-busy',
    title: 'a cgroup could not be removed: device or resource busy',
    severity: 'warning',
    supports: ['orphaned-pod-cgroup', 'orphaned-container-cgroup', 'dying-cgroups'],
    meaning: 'rmdir of a cgroup failed with EBUSY: a process (or a child cgroup) is still in it',
    // runc libcontainer/cgroups/utils.go: rmdir() returns &os.PathError{Op: "rmdir", ...}
    // ("rmdir PATH: device or resource busy"), which RemovePaths logs as "Failed to remove cgroup
    // (will retry)" and then "Failed to remove cgroup".
    test: /(?:fail(?:ed)? to (?:remove|destroy|delete)|unable to (?:remove|destroy|delete)|rmdir)[^\n]*(?:cgroup|kubepods)[^\n]*(?:device or resource busy|EBUSY)|(?:cgroup|kubepods)[^\n]*(?:fail(?:ed)? to remove|rmdir)[^\n]*(?:device or resource busy|EBUSY)/i,
    sources: [
      'https://github.com/opencontainers/runc/blob/v1.1.12/libcontainer/cgroups/utils.go',
      'https://github.com/opencontainers/runc/pull/2615',
      'https://github.com/containerd/containerd/issues/8532',
    ],
  },
  {
    id: 'cgroup-delete-paths-failed',
    title: 'kubelet failed to delete cgroup paths',
    severity: 'warning',
    supports: ['orphaned-pod-cgroup'],
    meaning: "kubelet's pod cgroup teardown failed; the pod's cgroups stay behind",
    // pod_container_manager_linux.go Destroy: "failed to delete cgroup paths for %v : %v" (later
    // also klog "Failed to delete cgroup paths"), wrapping cgroup_manager_linux.go's "Unable to
    // destroy cgroup paths for cgroup %v : %v".
    test: /failed to delete cgroup paths|unable to destroy cgroup paths/i,
    sources: [
      'https://github.com/kubernetes/kubernetes/blob/00b39fcf8334dc0ce537b3107340d62254038f0e/pkg/kubelet/cm/pod_container_manager_linux.go',
      'https://github.com/kubernetes/kubernetes/blob/00ac878efc72b054488300fe600d8a75283b6605/pkg/kubelet/cm/cgroup_manager_linux.go',
      'https://github.com/kubernetes/kubernetes/issues/97497',
      'https://github.com/kubernetes/kubernetes/issues/123766',
    ],
  },
  {
    id: 'slub-alloc-failure',
    title: 'the kernel could not allocate slab memory (SLUB)',
    severity: 'critical',
    supports: ['kmem-accounting', 'dying-cgroups'],
    meaning: 'slab allocations fail, the classic symptom of kernel memory accounting leaking memory cgroups on 3.10 kernels',
    // mm/slub.c slab_out_of_memory(): "SLUB: Unable to allocate memory on node %d (gfp=0x%x)",
    // later "..., gfp=%#x(%pGg)" (5b3810e5c6e1; its release unconfirmed). SLAB's own
    // "SLAB: ..." is no SLUB line.
    test: /SLUB: Unable to allocate memory/,
    sources: [
      'https://github.com/torvalds/linux/blob/00170fdd0846df7cdb5ad421d3a340440f930b8f/mm/slub.c',
      'https://github.com/kubernetes/kubernetes/issues/82534',
      'https://github.com/moby/moby/issues/35545',
    ],
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
    // Go's os.MkdirAll error (&PathError{Op: "mkdir"}) as runc's cgroupfs manager returns it
    // (libcontainer/cgroups/fs/paths.go), kubelet's event and runc's wrapped OCI error alike.
    test: cgroupMkdirFailed('no space left on device'),
    sources: [
      'https://github.com/opencontainers/runc/blob/v1.1.12/libcontainer/cgroups/fs/paths.go',
      'https://github.com/moby/moby/issues/29638',
      'https://github.com/rootsongjc/kubernetes-handbook/issues/313',
    ],
  },
  {
    id: 'cgroup-mkdir-enomem',
    title: 'a cgroup could not be made: cannot allocate memory',
    severity: 'critical',
    supports: ['dying-cgroups', 'kmem-accounting'],
    meaning: 'mkdir of a cgroup failed with ENOMEM: how memcg ID exhaustion shows on kernels 4.7 to 5.6 (before 11d6761218d1) and on RHEL 7, or kernel memory (kmem accounting) exhausted',
    test: cgroupMkdirFailed('cannot allocate memory'),
    sources: [
      'https://github.com/opencontainers/runc/blob/v1.1.12/libcontainer/cgroups/fs/paths.go',
      'https://github.com/kubernetes/kubernetes/issues/96701',
      'https://github.com/kubernetes/kubernetes/issues/90197',
    ],
  },
  // ---- end of memcg ID exhaustion ----------------------------------------------------------
  {
    id: 'transient-unit-arg-list-too-long',
    title: 'systemd refused a transient unit: Argument list too long',
    severity: 'warning',
    supports: ['transient-mount-scope-leak', 'failed-systemd-unit'],
    meaning: 'systemd holds too many units (leaked transient mount scopes) and refuses new ones, so volume mounts fail',
    // systemd-run (src/run/run.c): "Failed to start transient scope unit: %s" with the bus error
    // (E2BIG: "Argument list too long"); kubelet's mounter logs it after "Output: ".
    test: /Failed to start transient (?:scope|service) unit: Argument list too long/i,
    sources: [
      'https://github.com/systemd/systemd/blob/0094cbe59c4fd4c61dbc5fa06630eade37b78d16/src/run/run.c',
      'https://github.com/kubernetes/kubernetes/issues/57345',
      'https://github.com/kubediag/kubediag/issues/91',
    ],
  },
  {
    id: 'cgroup-driver-misconfiguration',
    title: 'kubelet and the runtime disagree on the cgroup driver',
    severity: 'critical',
    supports: ['cgroup-driver-mismatch'],
    meaning: 'kubelet refuses to run, or the runtime gets paths for the other driver: the two make different trees',
    // dockershim (pkg/kubelet/dockershim/docker_service.go): "misconfiguration: kubelet cgroup
    // driver: %q is different from docker cgroup driver: %q"; runc (libcontainer/specconv):
    // "expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got %q
    // instead", quoted once more (\\\") for each layer that wraps it.
    test: /misconfiguration: kubelet cgroup driver|cgroup driver: \\*"(?:systemd|cgroupfs)\\*" is different from|expected cgroupsPath to be of format \\*"slice:prefix:name\\*"/i,
    sources: [
      'https://github.com/kubernetes/kubernetes/blob/0042386d087c4cb759b2553971b806f696767b7e/pkg/kubelet/dockershim/docker_service.go',
      'https://github.com/opencontainers/runc/blob/v1.1.12/libcontainer/specconv/spec_linux.go',
      'https://github.com/kubernetes/kubernetes/issues/43805',
      'https://github.com/kubernetes/kubelet/issues/9',
    ],
  },
  {
    id: 'pids-fork-rejected',
    title: 'the pids controller rejected a fork',
    severity: 'warning',
    supports: ['pids-pressure'],
    meaning: 'a cgroup reached its pids.max: processes or threads leak in it',
    // kernel/cgroup/pids.c pids_event(): pr_info("cgroup: fork rejected by pids controller in ")
    // then the cgroup's path, once per cgroup (added by 135b8b37bd91; its release unconfirmed).
    test: /cgroup: fork rejected by pids controller/i,
    sources: [
      'https://github.com/torvalds/linux/blob/1765a153d985c231357145e26798f9408db10e42/kernel/cgroup/pids.c',
      'https://github.com/Icinga/icinga2/issues/4918',
      'https://github.com/concourse/concourse/issues/2296',
    ],
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
    // systemd's D-Bus error for StartTransientUnit: "Unit %s already exists." (code: unconfirmed;
    // the format string was read only in unnamed copies of src/core/dbus-manager.c, not at a
    // systemd tag or commit).
    test: /^(?![^\n]*top level QOS containers)[^\n]*\bUnit [^\s"'\]]+\.(?:slice|scope) already exists/i,
    sources: ['https://github.com/kubernetes/kubernetes/issues/102676', 'https://github.com/kubernetes/kubernetes/issues/103542'],
  },
  {
    id: 'kubelet-qos-cgroups-failed',
    title: "kubelet's container manager could not set up the top level QOS cgroups",
    severity: 'critical',
    supports: ['daemon-health'],
    meaning:
      'kubelet does not start its container manager (kubernetes/kubernetes#43856): the kubepods QOS cgroups could not be made or updated (a unit that already exists, a controller that is not mounted, or a kubepods root that is gone), so no pod is synced',
    // container_manager_linux.go setupNode: "failed to initialize top level QOS containers: %v"
    // ("initialise" in the kubelets of 2017), wrapping qos_container_manager_linux.go's "failed
    // to create top level %v QOS cgroup : %v" / "failed to update ...".
    test: /failed to initiali[sz]e top level QOS containers/i,
    sources: [
      'https://github.com/kubernetes/kubernetes/blob/001332b0422071acf4860769f18e34b5e9b7c1bc/pkg/kubelet/cm/container_manager_linux.go',
      'https://github.com/kubernetes/kubernetes/blob/025f2834a128798cef30018a5e6a6ae82b5ad885/pkg/kubelet/cm/qos_container_manager_linux.go',
      'https://github.com/kubernetes/kubernetes/issues/43856',
      'https://github.com/kubernetes/kubernetes/issues/122955',
    ],
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

/** Evidence lines naming where each signature of these matches is checked upstream, once per signature. */
export function signatureSources(matches: readonly Pick<LogMatch, 'signature'>[]): Evidence[] {
  const ids = [...new Set(matches.map((m) => m.signature))];
  return ids.flatMap((id) => signatureOf(id).sources.map(sourceEvidence));
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

/** The evidence of a match: when, where from, the line (escaped, cut). */
export function logEvidence(m: LogMatch): Evidence {
  return { kind: 'log', signature: m.signature, ...(m.time !== undefined ? { time: m.time } : {}), source: m.source, line: safeLogText(m.line) };
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
      evidence: [note(`${sig.meaning}; ${ms.length} matching line(s)${span} in ${[...new Set(ms.map((m) => m.source))].join(', ')}`), ...ms.slice(-5).map(logEvidence), ...signatureSources(ms)],
    };
    const uid = ms.find((m) => m.podUids.length)?.podUids[0];
    if (uid !== undefined) f.podUid = uid;
    out.push(f);
  }
  return out;
}
