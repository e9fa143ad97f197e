import { KUBE_HOST_ROOT } from '../../core/transport/kube/podManifest';

/**
 * What the extension knows about a node before connecting: where it is and how to reach it.
 * No secrets here: these are persisted in globalState; passwords live in SecretStorage only.
 */
export type NodeSpec =
  | { kind: 'local'; id: 'local'; label: string; cgroupRoot?: string }
  | { kind: 'ssh'; id: string; label: string; destination: string; origin: 'ssh-config' | 'user' }
  | { kind: 'snapshot'; id: string; label: string; file: string }
  /** A node of the current kube context, listed from the API (never persisted: the cluster entry lists it again). */
  | { kind: 'kube'; id: string; label: string; node: string; context: string };

/**
 * Where a node's own filesystem is for its programs: a Kubernetes node is read in a pod that
 * mounts the node's / at KUBE_HOST_ROOT, through the host-root support every program has (as the
 * CLI's --kube-node does). Every program run on a node takes this.
 */
export function nodeHostRoot(spec: NodeSpec | undefined): { hostRoot?: string } {
  return spec?.kind === 'kube' ? { hostRoot: KUBE_HOST_ROOT } : {};
}

export const LOCAL_NODE: NodeSpec = { kind: 'local', id: 'local', label: 'This machine' };

export function sshNodeId(destination: string): string {
  return `ssh:${destination}`;
}

export function kubeNodeId(context: string, node: string): string {
  return `kube:${context}/${node}`;
}

export function snapshotNodeId(file: string): string {
  return `file:${file}`;
}

/**
 * A user-typed ssh destination: an alias of ~/.ssh/config or [user@]host (a port goes in the ssh
 * config, as for ssh itself). Anything that could be read as an option or carries shell or
 * whitespace characters is refused; the transport never passes it through a shell either.
 */
export function parseDestination(text: string): { user?: string; host: string } | undefined {
  const m = /^(?:([A-Za-z0-9._][A-Za-z0-9._-]*)@)?([A-Za-z0-9_][A-Za-z0-9._-]*)$/.exec(text.trim());
  if (!m) return undefined;
  return { ...(m[1] ? { user: m[1] } : {}), host: m[2]! };
}
