import { daemonHealth, findDaemonHealth, findPinnedRemoved, pinTarget, type DaemonHealth } from '../analysis/daemonHealth';
import { raiseOnFailedMkdir } from '../analysis/dying';
import { SEVERITY_RANK, type Finding } from '../analysis/finding';
import type { ForensicsReport } from '../analysis/forensics';
import { correlateLogs, logEvidence, logFindings, matchLogLines, safeLogText, signatureSources, type LogMatch } from '../analysis/logSignatures';
import { parse as parseToml } from 'smol-toml';
import { compareVersions, findAdvisories, type NodeSettings, type NodeVersions } from '../analysis/versionAdvisories';
import type { RuntimeFacts } from '../facts/nodeFacts';
import { byteStringOf } from '../model/bytes';
import { normalisePodUid } from '../model/k8sIdentity';
import { layoutOf, type Snapshot } from '../model/snapshot';
import type { FdPin, RawEvidence } from './evidenceParser';
import { runtimeDriver, runtimeOf } from '../analysis/driverMismatch';
import { note } from '../analysis/evidence';

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
 * The node settings the advisories' conditions read, each with where it was read; a setting that
 * could not be read has no value and says why (the finding then says the condition was not checked).
 */
export function nodeSettings(s: Snapshot | undefined, f: RuntimeFacts | undefined, versions: NodeVersions = nodeVersions(s, f, undefined)): NodeSettings {
  const out: NodeSettings = {};
  if (f?.crioCgroupManager) out['crio-cgroup-manager'] = { value: f.crioCgroupManager.value, source: f.crioCgroupManager.source };
  if (f?.kubeletCgroupDriver) out['kubelet-cgroup-driver'] = { value: f.kubeletCgroupDriver.value, source: f.kubeletCgroupDriver.source };
  // runc is told its driver by the runtime kubelet uses (CRI-O's cgroup_manager, containerd's
  // SystemdCgroup), not by another runtime that is merely installed.
  const runtime = f && (runtimeOf(f) ?? (f.containerdSystemdCgroup ? 'containerd' : f.crioCgroupManager ? 'cri-o' : undefined));
  const runc = f && runtime ? runtimeDriver(f, runtime) : undefined;
  if (runc) out['runc-cgroup-driver'] = { value: runc.value, source: runc.source };
  const drop = crioDropInfraCtr(f, versions.crio);
  if (drop) out['crio-drop-infra-ctr'] = drop;
  if (s && s.hierarchies.length) out['cgroup-layout'] = { value: layoutOf(s), source: 'cgroup mounts in the mount table' };
  if (s?.node.cmdline !== undefined) out['kernel-cmdline'] = { value: s.node.cmdline, source: '/proc/cmdline' };
  if (f?.raw.found.some((x) => x.key === 'runc-version')) out['runc-build-tags'] = { source: 'runc --version does not print the build tags' };
  return out;
}

/** CRI-O's drop_infra_ctr: the last config file that sets it, else CRI-O's default for its version. */
function crioDropInfraCtr(f: RuntimeFacts | undefined, crioVersion: string | undefined): { value?: string; source: string } | undefined {
  if (!f?.crioConfigs.length) return undefined;
  let found: { value: string; source: string } | undefined;
  for (const c of f.crioConfigs) {
    try {
      const doc = parseToml(c.value) as { crio?: { runtime?: { drop_infra_ctr?: unknown } } };
      const v = doc.crio?.runtime?.drop_infra_ctr;
      if (typeof v === 'boolean') found = { value: String(v), source: `${c.source} drop_infra_ctr` };
    } catch {
      // An unparsable file is a source-unreadable finding of its own.
    }
  }
  if (found) return found;
  // cri-o commit 1f9a6f93ed (cri-o#5113), first in v1.22.0: "config: drop infra container by default".
  if (crioVersion === undefined) return { source: "not set in CRI-O's config, and CRI-O's version (whose default decides) is unknown" };
  const dflt = compareVersions(crioVersion, '1.22.0') >= 0;
  return { value: String(dflt), source: `not set in CRI-O's config: the default of CRI-O ${crioVersion} (true from 1.22.0)` };
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
    if (ms.length > 5) fx.evidence.push(note(`... and ${ms.length - 5} more matching log line(s)`));
    // Where each signature's text is checked upstream: once per signature, not per line.
    const cited = new Set(fx.evidence.flatMap((x) => (x.kind === 'source' ? [x.ref] : [])));
    fx.evidence.push(...signatureSources(ms).filter((x) => x.kind === 'source' && !cited.has(x.ref)));
  }
  // Failed cgroup mkdirs in the logs: the memory dying-cgroups finding is critical whatever the kernel.
  raiseOnFailedMkdir(base, matches);
  for (const p of e.pins) {
    // Finding paths are byte strings (latin1); the fd target arrived as UTF-8 text.
    const t = byteStringOf(pinTarget(p));
    const fx = base.find((x) => x.cgroups.some((c) => t === c.dir || t.startsWith(c.dir + '/')));
    if (fx) fx.evidence.push({ kind: 'open-fd', pid: p.pid, fd: safeLogText(p.fd), target: safeLogText(p.target), comm: safeLogText(p.comm) });
  }
  const versions = nodeVersions(s, f, e);
  const daemons = daemonHealth(e);
  const findings = [...base, ...logFindings(unattached), ...findAdvisories(versions, nodeSettings(s, f, versions)), ...findPinnedRemoved(e.pins), ...findDaemonHealth(daemons)];
  findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  const missing = e.missing.map((m) => `${m.source}: ${m.reason}`);
  const out: EvidenceReport = { findings, matches, logSources: e.sources, missing, versions, daemons, pins: e.pins, podsWithoutLimits: podsWithoutLimits(e) };
  if (report?.rootCause) out.rootCause = report.rootCause;
  return out;
}
