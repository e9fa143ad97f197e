import { DEFAULT_GRACE_SECONDS } from '../analysis/analysisOptions';
import { DEFAULT_BOUNDS } from '../probe/probeCommand';

/**
 * The defaults of an investigation, one set for both front ends: the CLI uses them when a flag is
 * absent, the extension's settings (package.json) declare the same values (a unit test holds them
 * together), and `investigate` applies them. The README's "Defaults" table lists each with its
 * flag and setting. Where the node itself decides (kubelet's directory, containerd's socket and
 * namespace, its config file, crictl's endpoint), nothing is chosen here: the facts program finds
 * them on the node (facts.sh) unless a flag or setting names them.
 */
export const INVESTIGATION_DEFAULTS = {
  /** An empty pod cgroup younger than this is not an orphan (kubelet makes pod cgroups first). CLI --grace, extension orphans.gracePeriodSeconds. */
  graceSeconds: DEFAULT_GRACE_SECONDS,
  /** Walk bound: the deepest level below a hierarchy root. CLI --max-depth, extension scan.maxDepth. */
  maxDepth: DEFAULT_BOUNDS.maxDepth,
  /** Walk bound: cgroups recorded per hierarchy. CLI --max-cgroups, extension scan.maxCgroups. */
  maxCgroups: DEFAULT_BOUNDS.maxCgroups,
  /**
   * How far back the node's logs are read for evidence. One day: kernel messages (a pids fork
   * rejection, an OOM kill) may be hours older than the leak they explain; the lines kept per
   * source are bounded either way. CLI evidence --since, extension evidence.since.
   */
  evidenceSince: '24h',
  /** The newest cgroup-related lines kept per log source. CLI evidence --max-lines. */
  evidenceMaxLines: 2000,
  /** Whether the Kubernetes API (the local kubectl) is asked about the node. CLI --no-kube, extension kubernetes.enabled. */
  kubernetes: true,
  /** kubectl --request-timeout for each request to the API, seconds. */
  kubeRequestTimeoutSeconds: 10,
  /** The longest one kubectl run may take before it is stopped, seconds. */
  kubeTimeoutSeconds: 30,
  /**
   * A cluster that did not answer (unreachable, timed out) is not asked again for this long, in
   * seconds: a stale kubectl context would otherwise add its timeout to every refresh of every
   * node in the extension (a CLI run asks once anyway).
   */
  kubeQuietSeconds: 300,
} as const;
