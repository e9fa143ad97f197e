import { INVESTIGATION_DEFAULTS } from '../core/investigation/defaults';
import { investigate, type Investigation, type InvestigationOptions } from '../core/investigation/investigate';
import type { FactsOptions } from '../core/facts/factsCommand';
import type { RuntimeFacts } from '../core/facts/nodeFacts';
import { byteStringOf } from '../core/model/bytes';
import type { ProbeError } from '../core/result';
import { intOption, stringOption, UsageError, type CommandContext, type OptionSpec, type OptionValues } from './command';
import { kubeLookupFrom, KUBE_OPTIONS, sayKubeNote } from './kubeSource';
import { cgroupRootOf, hostRootOf, savedSnapshotFrom, scanProgress } from './snapshotSource';
import { stderrLogger } from './stderrLogger';

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
  --grace SECONDS         empty pod cgroups younger than this are not orphans (default ${INVESTIGATION_DEFAULTS.graceSeconds})
  --within PATH           only judge cgroups at or below this cgroup path`;

/** What a command asks of the investigation beyond the findings. */
export interface Asked {
  /** The Kubernetes API's view (KUBE_OPTIONS); never for a saved snapshot. */
  kube?: boolean;
  evidence?: { since: number; maxLines?: number };
  /** The processes left in orphans. */
  processes?: boolean;
}

/**
 * The command's flags mapped onto the core's investigation (src/core/investigation), over the
 * run's one transport or the snapshot --from names. What the CLI adds is how it speaks: the
 * scan's progress on a terminal, the notes on standard error, and the exit status of a failure.
 * The node's facts that cannot be read fail the command (a verdict without them would mislead a
 * script); so does evidence asked for and not had.
 */
export async function forensicsFrom(ctx: CommandContext, asked: Asked = {}): Promise<Investigation | ProbeError> {
  const o = ctx.options;
  if (stringOption(o, 'from') !== undefined) {
    // Options that say where the live node keeps its state mean nothing for a saved snapshot;
    // the Kubernetes API's view is of now, the snapshot of another time: the two are not mixed.
    const live = ['containerd-address', 'containerd-namespace', 'containerd-config', 'kubelet-dir', 'cri-endpoint', ...Object.keys(KUBE_OPTIONS)].find((n) => o[n] !== undefined);
    if (live) throw new UsageError(`--${live} is about the live node: it cannot be combined with --from`);
  }
  const saved = savedSnapshotFrom(o);
  if (saved && 'code' in saved) return saved;
  const kube = asked.kube && !saved ? kubeLookupFrom(o) : undefined;
  const maxDepth = intOption(o, 'max-depth');
  const maxCgroups = intOption(o, 'max-cgroups');
  const grace = intOption(o, 'grace');
  const within = stringOption(o, 'within');
  const hostRoot = hostRootOf(o);
  const cgroupRoot = cgroupRootOf(o);
  const host = stringOption(o, 'host');
  const kubeNode = stringOption(o, 'kube-node');
  const sshConfigFile = stringOption(o, 'ssh-config');
  const progress = saved ? undefined : scanProgress();
  const options: InvestigationOptions = {
    signal: ctx.signal,
    ...(o.verbose ? { logger: stderrLogger } : {}),
    ...(progress ? { onProgress: (p) => (p.scan ? progress.update(p.scan) : p.step !== 'snapshot' && progress.done()) } : {}),
    ...(hostRoot !== undefined ? { hostRoot } : {}),
    ...(cgroupRoot !== undefined ? { cgroupRoot } : {}),
    ...(maxDepth !== undefined ? { maxDepth } : {}),
    ...(maxCgroups !== undefined ? { maxCgroups } : {}),
    facts: factsOptionsOf(o),
    ...(grace !== undefined ? { graceSeconds: grace } : {}),
    ...(within !== undefined ? { within: byteStringOf(within) } : {}),
    ...(kube ? { kube } : {}),
    ...(host !== undefined ? { node: { sshAlias: host, ...(sshConfigFile !== undefined ? { sshConfigFile } : {}) } } : {}),
    ...(kubeNode !== undefined ? { node: { kubeNode } } : {}),
    ...(asked.evidence ? { evidence: asked.evidence } : {}),
    ...(asked.processes ? { processes: true } : {}),
  };
  let r;
  try {
    r = await investigate(saved ? { snapshot: saved, describedAs: 'a saved snapshot (--from)' } : { transport: await ctx.transport() }, options);
  } finally {
    progress?.done();
  }
  if (!r.ok) return r.error;
  const i = r.value;
  // No round trip for a saved snapshot: the facts are empty, and only what it proves is judged.
  if (i.skipped) process.stderr.write(`cgroup-forensics: ${i.skipped}\n`);
  if (i.factsError) return i.factsError;
  const named = namedFileError(o, i.facts);
  if (named) return named;
  if (i.evidenceError) return i.evidenceError;
  if (i.kubeNote) sayKubeNote(i.kubeNote);
  return i;
}

/** The node-state flags (--containerd-address ...) as the facts program's options: one map for every command. */
export function factsOptionsOf(o: OptionValues): Omit<FactsOptions, 'hostRoot'> {
  const out: Omit<FactsOptions, 'hostRoot'> = {};
  const set = <K extends keyof typeof out>(k: K, flag: string): void => {
    const v = stringOption(o, flag);
    if (v !== undefined) out[k] = v;
  };
  set('containerdAddress', 'containerd-address');
  set('containerdNamespace', 'containerd-namespace');
  set('containerdConfig', 'containerd-config');
  set('kubeletDir', 'kubelet-dir');
  set('criEndpoint', 'cri-endpoint');
  return out;
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
