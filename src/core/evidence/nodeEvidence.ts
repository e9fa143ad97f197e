import { daemonHealth, findDaemonHealth, findPinnedRemoved, pinTarget, type DaemonHealth } from '../analysis/daemonHealth';
import { raiseOnFailedMkdir } from '../analysis/dying';
import { SEVERITY_RANK, type Finding } from '../analysis/finding';
import type { ForensicsReport } from '../analysis/forensics';
import { correlateLogs, logEvidence, logFindings, matchLogLines, safeLogText, type LogMatch } from '../analysis/logSignatures';
import { findAdvisories, type NodeVersions } from '../analysis/versionAdvisories';
import type { RuntimeFacts } from '../facts/nodeFacts';
import { byteStringOf } from '../model/bytes';
import { normalisePodUid } from '../model/k8sIdentity';
import type { Snapshot } from '../model/snapshot';
import type { FdPin, RawEvidence } from './evidenceParser';

/** The forensics findings with the evidence beyond the tree attached, and that evidence itself. */
export interface EvidenceReport {
  /** The tree's findings (with log lines and fd pins added to their evidence) and the new ones. */
  findings: Finding[];
  matches: LogMatch[];
  /** Log sources read and how many cgroup-related lines each gave; empty list: none could be read. */
  logSources: { source: string; lines: number }[];
  /** What could not be read, said plainly. */
  missing: string[];
  versions: NodeVersions;
  daemons: DaemonHealth[];
  pins: FdPin[];
  /** Pod cgroups without a memory or CPU limit, from their own files. */
  podsWithoutLimits: PodWithoutLimits[];
  rootCause?: string;
}

export interface PodWithoutLimits {
  dir: string;
  podUid?: string;
  memoryUnlimited: boolean;
  cpuUnlimited: boolean;
}

/** v2 "max", v1 the page counter's maximum (about 2^63); "-" (unreadable) is not judged. */
export function memoryUnlimited(v: string): boolean {
  return v === 'max' || (/^\d+$/.test(v) && Number(v) >= 2 ** 62);
}

/** v2 cpu.max "max PERIOD", v1 cpu.cfs_quota_us -1. */
export function cpuUnlimited(v: string): boolean {
  return v === '-1' || v === 'max' || v.startsWith('max ');
}

export function podsWithoutLimits(e: Pick<RawEvidence, 'podLimits'>): PodWithoutLimits[] {
  const out: PodWithoutLimits[] = [];
  for (const p of e.podLimits) {
    const m = memoryUnlimited(p.memory);
    const c = cpuUnlimited(p.cpu);
    if (!m && !c) continue;
    const uid = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/i.exec(p.dir.slice(p.dir.lastIndexOf('/') + 1))?.[1];
    out.push({ dir: p.dir, ...(uid ? { podUid: normalisePodUid(uid) } : {}), memoryUnlimited: m, cpuUnlimited: c });
  }
  return out;
}

/** The versions the facts, the probe and the evidence program read, in advisory terms. */
export function nodeVersions(s: Snapshot | undefined, f: RuntimeFacts | undefined, e: RawEvidence | undefined): NodeVersions {
  const v: NodeVersions = {};
  const kernel = f?.kernel ?? s?.node.kernel;
  if (kernel) v.kernel = kernel;
  if (s?.node.systemd) v.systemd = s.node.systemd;
  if (f?.runcVersion) v.runc = f.runcVersion;
  if (f?.containerdVersion) v.containerd = f.containerdVersion;
  const crio = f?.raw.found.find((x) => x.key === 'crio-version')?.value;
  const crioV = crio && /(?:crio version|Version:)\s*v?(\d+\.\d+\.\d+\S*)/i.exec(crio)?.[1];
  if (crioV) v.crio = crioV;
  const kubelet = e?.facts.find((x) => x.key === 'kubelet-version')?.value;
  const kubeletV = f?.kubeletVersion ?? (kubelet && /v?(\d+\.\d+\.\d+\S*)/.exec(kubelet)?.[1]);
  if (kubeletV) v.kubelet = kubeletV;
  return v;
}

/**
 * Correlates the node's logs, versions, daemons and open fds with the tree's findings: a log line
 * goes to the finding with the same pod UID or cgroup path (else to one of a kind it explains, else
 * it is a finding of its own); an fd on a finding's cgroup goes to that finding.
 */
export function buildEvidenceReport(report: ForensicsReport | undefined, e: RawEvidence, s?: Snapshot, f?: RuntimeFacts, o: { since?: number } = {}): EvidenceReport {
  const base = (report?.findings ?? []).map((x) => ({ ...x, evidence: [...x.evidence] }));
  let matches = matchLogLines(e.lines, { now: e.now, uptimeSeconds: e.uptimeSeconds });
  // Log files carry no --since of their own: lines older than it are dropped here.
  if (o.since !== undefined) matches = matches.filter((m) => m.time === undefined || m.time >= o.since! * 1000);
  const { byFinding, unattached } = correlateLogs(base, matches);
  for (const [i, ms] of byFinding) {
    const fx = base[i]!;
    fx.evidence.push(...ms.slice(-5).map(logEvidence));
    if (ms.length > 5) fx.evidence.push(`... and ${ms.length - 5} more matching log line(s)`);
  }
  // Failed cgroup mkdirs in the logs: the memory dying-cgroups finding is critical whatever the kernel.
  raiseOnFailedMkdir(base, matches);
  for (const p of e.pins) {
    // Finding paths are byte strings (latin1); the fd target arrived as UTF-8 text.
    const t = byteStringOf(pinTarget(p));
    const fx = base.find((x) => x.cgroups.some((c) => t === c.dir || t.startsWith(c.dir + '/')));
    if (fx) fx.evidence.push(`open fd: ${safeLogText(p.comm)} (pid ${p.pid}) holds /proc/${p.pid}/fd/${safeLogText(p.fd)} -> ${safeLogText(p.target)}`);
  }
  const versions = nodeVersions(s, f, e);
  const daemons = daemonHealth(e);
  const findings = [...base, ...logFindings(unattached), ...findAdvisories(versions), ...findPinnedRemoved(e.pins), ...findDaemonHealth(daemons)];
  findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  const missing = e.missing.map((m) => `${m.source}: ${m.reason}`);
  const out: EvidenceReport = { findings, matches, logSources: e.sources, missing, versions, daemons, pins: e.pins, podsWithoutLimits: podsWithoutLimits(e) };
  if (report?.rootCause) out.rootCause = report.rootCause;
  return out;
}
