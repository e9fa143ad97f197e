import type { Finding } from '../analysis/finding';
import { FINDING_NEEDS, LIVE_CHECKS } from '../analysis/findingNeeds';
import { analyze, rootCause, type ForensicsReport } from '../analysis/forensics';
import type { EvidenceReport, PodWithoutLimits } from '../evidence/nodeEvidence';
import { buildEvidenceReport, podsWithoutLimits } from '../evidence/nodeEvidence';
import { gatherEvidence } from '../evidence/gatherEvidence';
import type { RawEvidence } from '../evidence/evidenceParser';
import type { FactsOptions } from '../facts/factsCommand';
import { gatherFacts } from '../facts/gatherFacts';
import { interpretFacts, type RuntimeFacts } from '../facts/nodeFacts';
import { inspectCgroups } from '../inspect/inspectCgroups';
import type { ProcessInfo } from '../inspect/processInfo';
import { applyKubeToReport, type KubeEvidence } from '../kube/kubeEvidence';
import type { KubeError } from '../kube/kubectl';
import type { KubeView } from '../kube/kubeView';
import type { Logger } from '../logger';
import type { Snapshot } from '../model/snapshot';
import { fail, ok, type ProbeError, type Result } from '../result';
import { takeSnapshot, type ScanProgress } from '../scan';
import type { Transport } from '../transport/transport';
import { INVESTIGATION_DEFAULTS } from './defaults';
import type { KubeLookup, NodeAddress } from './kubeLookup';
import { nodeNamesOf } from './nodeNames';

/** What is investigated: a live node through its transport, or a snapshot saved earlier. */
export type InvestigationSource =
  | { transport: Transport }
  /** describedAs: how the front end names a saved snapshot in what it says ("a saved snapshot (--from)"). */
  | { snapshot: Snapshot; describedAs?: string };

export interface InvestigationOptions {
  signal: AbortSignal;
  /** Each step as it starts; the scan's progress as it walks. */
  onProgress?: (p: InvestigationProgress) => void;
  logger?: Logger;
  /** A directory holding the node's root filesystem (a debug pod's /host), for every step. */
  hostRoot?: string;
  /** Walk only this directory, as if it were a hierarchy root. */
  cgroupRoot?: string;
  maxDepth?: number;
  maxCgroups?: number;
  /** Where the node's kubelet and runtime keep their state (absent: found on the node). */
  facts?: Omit<FactsOptions, 'hostRoot'>;
  graceSeconds?: number;
  /** Judge only cgroups at or below this cgroup path (byte string). */
  within?: string;
  /** The Kubernetes API's view of the node; absent: not asked. Never asked for a saved snapshot (of another time). */
  kube?: KubeLookup;
  /** How the node was reached: more names the API may know it by. */
  node?: NodeAddress;
  /** Read the node's logs, daemons and open files too (live nodes only). */
  evidence?: { since: number; maxLines?: number };
  /** List the processes left in orphans (live nodes only). */
  processes?: boolean;
}

export type InvestigationStep = 'snapshot' | 'facts' | 'evidence' | 'kubernetes' | 'processes';
export interface InvestigationProgress {
  step: InvestigationStep;
  /** While the snapshot is taken: how far the walk is. */
  scan?: ScanProgress;
}

/** Why there is no Kubernetes view of the node. */
export interface KubeNote {
  /** "no Kubernetes view of the node: ..." */
  message: string;
  code: KubeError['code'];
  /** No kubectl or no context on this machine, and none was named: it does not use a cluster (a front end may stay silent). */
  notSetUp: boolean;
}

export interface Investigation {
  snapshot: Snapshot;
  /** The facts the analysis judged by: the node's, or none (a saved snapshot, or factsError). */
  facts: RuntimeFacts;
  /** Why the node's facts could not be read; the analysis then ran without them. */
  factsError?: ProbeError;
  /** The findings, with the Kubernetes API's view applied when there is one. */
  report: ForensicsReport;
  kube?: KubeEvidence;
  kubeNote?: KubeNote;
  /** For a saved snapshot: the one line saying which checks were skipped and why. */
  skipped?: string;
  /** When asked: the evidence beyond the tree, correlated with the findings (report above). */
  evidence?: EvidenceReport;
  /** When asked: the evidence exactly as the node gave it (the extension merges it into its findings). */
  rawEvidence?: RawEvidence;
  evidenceError?: ProbeError;
  /** When asked: the processes left in orphans, by container ID or pod UID. */
  processes?: Map<string, ProcessInfo[]>;
}

const CANCELLED: ProbeError = { code: 'cancelled', message: 'cancelled' };

/**
 * The one investigation of a node, for the CLI and the extension alike: a fresh snapshot, then the
 * node's facts (in that order: whatever the snapshot shows was made before the runtime was asked,
 * so a live container cannot look unknown), the analysis, the evidence when asked, the
 * Kubernetes API's view (asked beside the facts: it needs only the snapshot), and the processes
 * left in orphans when asked. Every step uses the one transport given. A saved snapshot is judged
 * only by what it proves (FINDING_NEEDS), with orphans "could not tell". Expected failures are
 * values; a cancel is the error 'cancelled' whatever step it stopped.
 */
export async function investigate(source: InvestigationSource, o: InvestigationOptions): Promise<Result<Investigation, ProbeError>> {
  const progress = o.onProgress ?? ((): void => undefined);
  if ('snapshot' in source) return ok(savedSnapshotInvestigation(source.snapshot, source.describedAs ?? 'a saved snapshot', o));
  const { transport } = source;
  const hostRoot = o.hostRoot !== undefined ? { hostRoot: o.hostRoot } : {};
  progress({ step: 'snapshot' });
  const scanned = await takeSnapshot(transport, {
    signal: o.signal,
    ...(o.logger ? { logger: o.logger } : {}),
    maxDepth: o.maxDepth ?? INVESTIGATION_DEFAULTS.maxDepth,
    maxCgroups: o.maxCgroups ?? INVESTIGATION_DEFAULTS.maxCgroups,
    ...hostRoot,
    ...(o.cgroupRoot !== undefined ? { cgroupRoot: o.cgroupRoot } : {}),
    onProgress: (scan) => progress({ step: 'snapshot', scan }),
  });
  if (!scanned.ok) return scanned;
  const snapshot = scanned.value;

  const kubeAnswer = o.kube ? askKube(o.kube, snapshot, o.node, o.signal) : undefined;
  kubeAnswer?.catch(() => undefined); // awaited below; meanwhile a failure must not be unhandled

  progress({ step: 'facts' });
  const gathered = await gatherFacts(transport, { ...o.facts, ...hostRoot, signal: o.signal });
  if (!gathered.ok && gathered.error.code === 'cancelled') return fail(gathered.error);
  const facts = gathered.ok ? gathered.value : interpretFacts({ found: [], missing: [] });
  let report = analyze(snapshot, facts, {
    graceSeconds: o.graceSeconds ?? INVESTIGATION_DEFAULTS.graceSeconds,
    ...(o.within !== undefined ? { within: o.within } : {}),
  });
  const out: Investigation = { snapshot, facts, report, ...(gathered.ok ? {} : { factsError: gathered.error }) };

  let limits: PodWithoutLimits[] = [];
  if (o.evidence) {
    progress({ step: 'evidence' });
    const e = await gatherEvidence(transport, { since: o.evidence.since, maxLines: o.evidence.maxLines ?? INVESTIGATION_DEFAULTS.evidenceMaxLines, ...hostRoot, signal: o.signal });
    if (!e.ok && e.error.code === 'cancelled') return fail(e.error);
    if (e.ok) {
      out.rawEvidence = e.value;
      limits = podsWithoutLimits(e.value);
    } else out.evidenceError = e.error;
  }

  if (kubeAnswer) {
    progress({ step: 'kubernetes' });
    const view = await kubeAnswer;
    if (!view.ok && view.error.code === 'cancelled') return fail(CANCELLED);
    if (view.ok) {
      const applied = applyKubeToReport(report, view.value, snapshot, limits);
      report = applied.report;
      out.kube = applied.kube;
    } else {
      const notSetUp = (view.error.code === 'kubectl-missing' || view.error.code === 'no-context') && !o.kube!.named;
      out.kubeNote = { message: `no Kubernetes view of the node: ${view.error.message}`, code: view.error.code, notSetUp };
    }
    out.report = report;
  }
  if (out.rawEvidence) out.evidence = buildEvidenceReport(report, out.rawEvidence, snapshot, facts, { since: o.evidence!.since });

  if (o.processes) {
    progress({ step: 'processes' });
    const p = await leftoverProcesses(transport, report.findings, o);
    if (p === 'cancelled') return fail(CANCELLED);
    out.processes = p;
  }
  return ok(out);
}

async function askKube(lookup: KubeLookup, snapshot: Snapshot, node: NodeAddress | undefined, signal: AbortSignal): Promise<Result<KubeView, KubeError>> {
  const names = await nodeNamesOf(snapshot, node);
  if (signal.aborted) return fail({ code: 'cancelled', message: 'cancelled' });
  return lookup.lookUp(names, signal);
}

/**
 * The judgement a saved snapshot allows: the analysis run with empty facts, keeping exactly the
 * findings that need no live facts (FINDING_NEEDS), orphans "could not tell". The Kubernetes API's
 * view is of now, the snapshot of another time: the two are not mixed.
 */
function savedSnapshotInvestigation(snapshot: Snapshot, describedAs: string, o: InvestigationOptions): Investigation {
  const facts = interpretFacts({ found: [], missing: [] });
  const all = analyze(snapshot, facts, {
    graceSeconds: o.graceSeconds ?? INVESTIGATION_DEFAULTS.graceSeconds,
    ...(o.within !== undefined ? { within: o.within } : {}),
  });
  const findings = all.findings.filter((f) => FINDING_NEEDS[f.kind].from === 'snapshot');
  const counts: ForensicsReport['counts'] = {};
  for (const x of findings) counts[x.kind] = (counts[x.kind] ?? 0) + 1;
  const cause = rootCause(findings);
  const report: ForensicsReport = {
    findings,
    counts,
    ...(cause ? { rootCause: cause } : {}),
    orphansUndetermined: `${describedAs} holds no kubelet, runtime or crictl view of the pods; run on the live node`,
  };
  const skipped = `from ${describedAs}: skipped ${LIVE_CHECKS}: they need the live node's kubelet, containerd/CRI-O, crictl and systemd, which a snapshot does not hold`;
  return { snapshot, facts, report, skipped };
}

/** The processes left in orphans, keyed by container ID or pod UID; an unreadable listing is an empty map. */
async function leftoverProcesses(transport: Transport, findings: readonly Finding[], o: InvestigationOptions): Promise<Map<string, ProcessInfo[]> | 'cancelled'> {
  const out = new Map<string, ProcessInfo[]>();
  const wanted: { key: string; dir: string }[] = [];
  for (const f of findings) {
    if (!(f.processes && f.processes > 0) || f.podUid === undefined) continue;
    // The shallowest directory of the orphan in the hierarchy where it holds the most processes.
    const top = f.cgroups[f.cgroups.length - 1];
    if (!top) continue;
    const inTop = f.cgroups.filter((c) => c.path === top.path);
    const pick = inTop.find((c) => c.hierarchy === 'name=systemd') ?? inTop.find((c) => c.hierarchy === 'unified') ?? inTop[0]!;
    wanted.push({ key: f.containerId ?? f.podUid, dir: pick.dir });
  }
  if (!wanted.length) return out;
  const r = await inspectCgroups(
    transport,
    wanted.map((w) => w.dir),
    { recursive: true, signal: o.signal, ...(o.hostRoot !== undefined ? { hostRoot: o.hostRoot } : {}) },
  );
  if (!r.ok) return r.error.code === 'cancelled' ? 'cancelled' : out;
  for (const p of r.value.processes) {
    const w = wanted.find((x) => p.cgroupDir === x.dir || p.cgroupDir.startsWith(x.dir + '/'));
    if (!w) continue;
    const list = out.get(w.key) ?? [];
    list.push(p);
    out.set(w.key, list);
  }
  return out;
}
