import type { KubeError } from '../kube/kubectl';
import type { KubeView } from '../kube/kubeView';
import type { NodeName } from '../kube/nodeMatch';
import type { Result } from '../result';

/**
 * Where the Kubernetes API's view of a node comes from: `investigate` asks it with the names it
 * has for the node and applies the answer. The core's implementation runs the local kubectl
 * (src/core/kube/kubectlLookup.ts); tests answer with a fixed view.
 */
export interface KubeLookup {
  /** The view of the node these names designate; every failure is a value (cancelled when the signal fired). */
  lookUp(names: readonly NodeName[], signal: AbortSignal): Promise<Result<KubeView, KubeError>>;
  /**
   * True when the user named which cluster to ask (a context or a kubeconfig): then a missing
   * kubectl or context is worth saying. Without it, such a machine does not use a cluster.
   */
  readonly named: boolean;
}

/** How the node is reached, as the user named it: the names the Kubernetes API may know it by. */
export interface NodeAddress {
  /** The ssh alias or [user@]host of an SSH node. */
  sshAlias?: string;
  /** The ssh_config file that resolves the alias (absent: ssh's own). */
  sshConfigFile?: string;
  /** The Kubernetes node's name, for a node reached through the API (the Kubernetes transport). */
  kubeNode?: string;
}
