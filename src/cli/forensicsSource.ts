import type { AnalysisOptions } from '../core/analysis/analysisOptions';
import type { Finding } from '../core/analysis/finding';
import { FINDING_NEEDS, LIVE_CHECKS } from '../core/analysis/findingNeeds';
import { analyze, rootCause, type ForensicsReport } from '../core/analysis/forensics';
import type { FactsOptions } from '../core/facts/factsCommand';
import { gatherFacts } from '../core/facts/gatherFacts';
import { interpretFacts, type RuntimeFacts } from '../core/facts/nodeFacts';
import { inspectCgroups } from '../core/inspect/inspectCgroups';
import type { ProcessInfo } from '../core/inspect/processInfo';
import type { Snapshot } from '../core/model/snapshot';
import type { ProbeError } from '../core/result';
import { byteStringOf } from '../core/model/bytes';
import { intOption, stringOption, UsageError, type CommandContext, type OptionSpec, type OptionValues } from './command';
import { KUBE_OPTIONS } from './kubeSource';
import { fromSnapshot, snapshotFrom, transportFor } from './snapshotSource';

/** Options of the commands that judge a node: where its runtime and kubelet keep their state. */
export const FACTS_OPTIONS: OptionSpec = {
  'containerd-address': { type: 'string' },
  'containerd-namespace': { type: 'string' },
  'containerd-config': { type: 'string' },
  'kubelet-dir': { type: 'string' },
  'cri-endpoint': { type: 'string' },
  grace: { type: 'string' },
  within: { type: 'string' },
};

export const FACTS_HELP = `  --containerd-address S  containerd socket (default /run/containerd/containerd.sock)
  --containerd-namespace N  containerd namespace (default k8s.io)
  --containerd-config F   containerd config file (default: the running containerd's, else
                          /etc/containerd/config.toml)
  --kubelet-dir DIR       kubelet root directory (default /var/lib/kubelet)
  --cri-endpoint E        crictl --runtime-endpoint (default: crictl's)
  --grace SECONDS         empty pod cgroups younger than this are not orphans (default 300)
  --within PATH           only judge cgroups at or below this cgroup path`;

export interface Forensics {
  snapshot: Snapshot;
  facts: RuntimeFacts;
  report: ForensicsReport;
  /** Set when the node is a saved snapshot (--from): the one line saying which checks were skipped and why. */
  skipped?: string;
}

export const SKIPPED_FROM_SNAPSHOT = `from a saved snapshot (--from): skipped ${LIVE_CHECKS}: they need the live node's kubelet, containerd/CRI-O, crictl and systemd, which a snapshot does not hold`;

/**
 * The judgement a saved snapshot allows: the analysis run with empty facts, keeping exactly the
 * findings that need no live facts (FINDING_NEEDS), orphans "could not tell".
 */
export function snapshotOnlyReport(s: Snapshot, o: OptionValues): ForensicsReport {
  const none = interpretFacts({ found: [], missing: [] });
  const all = analyze(s, none, analysisOptionsOf(o));
  const findings = all.findings.filter((f) => FINDING_NEEDS[f.kind].from === 'snapshot');
  const counts: ForensicsReport['counts'] = {};
  for (const x of findings) counts[x.kind] = (counts[x.kind] ?? 0) + 1;
  const cause = rootCause(findings);
  return {
    findings,
    counts,
    ...(cause ? { rootCause: cause } : {}),
    orphansUndetermined: 'a saved snapshot (--from) holds no kubelet, runtime or crictl view of the pods; run on the live node',
  };
}

export function factsOptionsOf(o: OptionValues): FactsOptions {
  const pick = (k: string): string | undefined => stringOption(o, k);
  const out: FactsOptions = {};
  const set = <K extends keyof FactsOptions>(k: K, v: string | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('hostRoot', pick('host-root'));
  set('containerdAddress', pick('containerd-address'));
  set('containerdNamespace', pick('containerd-namespace'));
  set('containerdConfig', pick('containerd-config'));
  set('kubeletDir', pick('kubelet-dir'));
  set('criEndpoint', pick('cri-endpoint'));
  return out;
}

export function analysisOptionsOf(o: OptionValues): AnalysisOptions {
  const grace = intOption(o, 'grace');
  const within = stringOption(o, 'within');
  return { ...(grace !== undefined ? { graceSeconds: grace } : {}), ...(within !== undefined ? { within: byteStringOf(within) } : {}) };
}

/**
 * A fresh snapshot, then the node's facts (in that order: whatever the snapshot shows was made
 * before the runtime was asked, so a live container cannot look unknown), then the analysis.
 */
export async function forensicsFrom(ctx: CommandContext): Promise<Forensics | ProbeError> {
  if (fromSnapshot(ctx.options)) {
    // Options that say where the live node keeps its state mean nothing for a saved snapshot;
    // the Kubernetes API's view is of now, the snapshot of another time: the two are not mixed.
    const live = ['containerd-address', 'containerd-namespace', 'containerd-config', 'kubelet-dir', 'cri-endpoint', ...Object.keys(KUBE_OPTIONS)].find((n) => ctx.options[n] !== undefined);
    if (live) throw new UsageError(`--${live} is about the live node: it cannot be combined with --from`);
  }
  const snapshot = await snapshotFrom(ctx.options, ctx.signal);
  if ('code' in snapshot) return snapshot;
  if (fromSnapshot(ctx.options)) {
    // No round trip: the facts are empty, and only what the snapshot proves is judged.
    process.stderr.write(`cgroup-forensics: ${SKIPPED_FROM_SNAPSHOT}\n`);
    return { snapshot, facts: interpretFacts({ found: [], missing: [] }), report: snapshotOnlyReport(snapshot, ctx.options), skipped: SKIPPED_FROM_SNAPSHOT };
  }
  const transport = await transportFor(ctx.options);
  try {
    const facts = await gatherFacts(transport, { ...factsOptionsOf(ctx.options), signal: ctx.signal });
    if (!facts.ok) return facts.error;
    const named = namedFileError(ctx.options, facts.value);
    if (named) return named;
    return { snapshot, facts: facts.value, report: analyze(snapshot, facts.value, analysisOptionsOf(ctx.options)) };
  } finally {
    transport.dispose();
  }
}

/**
 * A file the user named that the node does not have, or that cannot be read or parsed, is bad
 * input (exit 3, one line naming it), never a default silently used in its place.
 */
export function namedFileError(o: OptionValues, facts: RuntimeFacts): ProbeError | undefined {
  const file = stringOption(o, 'containerd-config');
  if (file === undefined) return undefined;
  const missing = facts.raw.missing.find((m) => m.key === 'containerd-config' && m.source === file);
  if (missing) return { code: 'bad-input', message: `--containerd-config ${file}: ${missing.reason === 'missing' ? 'no such file' : missing.reason === 'unreadable' ? 'exists but cannot be read' : `cannot read: ${missing.reason}`}` };
  const bad = facts.unreadable.find((u) => u.source === file);
  if (bad) return { code: 'bad-input', message: `--containerd-config ${file}: cannot read: ${bad.value}` };
  return undefined;
}

/** The processes left in orphans, keyed by container ID or pod UID; one more round trip. */
export async function leftoverProcesses(ctx: CommandContext, findings: readonly Finding[]): Promise<Map<string, ProcessInfo[]>> {
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
  const transport = await transportFor(ctx.options);
  try {
    const hostRoot = stringOption(ctx.options, 'host-root');
    const r = await inspectCgroups(
      transport,
      wanted.map((w) => w.dir),
      { recursive: true, signal: ctx.signal, ...(hostRoot !== undefined ? { hostRoot } : {}) },
    );
    if (!r.ok) return out;
    for (const p of r.value.processes) {
      const w = wanted.find((x) => p.cgroupDir === x.dir || p.cgroupDir.startsWith(x.dir + '/'));
      if (!w) continue;
      const list = out.get(w.key) ?? [];
      list.push(p);
      out.set(w.key, list);
    }
    return out;
  } finally {
    transport.dispose();
  }
}
