import factsScript from './facts.sh';
import { nodeProgram } from '../nodeScript/nodeProgram';

/** Where the node's runtime and kubelet keep what the facts program reads; "" means the default. */
export interface FactsOptions {
  /** A directory holding the node's root filesystem (a debug pod's /host). */
  hostRoot?: string;
  /** containerd's socket (default: the one kubelet's --container-runtime-endpoint names, else /run/containerd/containerd.sock or k3s's). */
  containerdAddress?: string;
  /** containerd namespace of Kubernetes' containers (default k8s.io). */
  containerdNamespace?: string;
  /** kubelet's root directory (default /var/lib/kubelet). */
  kubeletDir?: string;
  /** containerd's config file (default: the running containerd's --config, else /etc/containerd/config.toml). */
  containerdConfig?: string;
  /** crictl --runtime-endpoint (default: crictl's own). */
  criEndpoint?: string;
}

/** The facts program's text: constant, the same bytes for every node and every call. */
export const FACTS_SCRIPT: string = nodeProgram(factsScript);

/** `sh -c PROGRAM NAME ARGS...`: values travel as positional arguments, never inside the program. */
export function factsArgv(o: FactsOptions = {}): string[] {
  return [
    'sh',
    '-c',
    FACTS_SCRIPT,
    'cgroup-forensics-facts',
    o.hostRoot ?? '',
    o.containerdAddress ?? '',
    o.containerdNamespace ?? '',
    o.kubeletDir ?? '',
    o.containerdConfig ?? '',
    o.criEndpoint ?? '',
  ];
}
