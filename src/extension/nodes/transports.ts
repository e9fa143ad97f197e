import type { Logger } from '../../core/logger';
import { KubeTransport } from '../../core/transport/kube/kubeTransport';
import { LocalTransport } from '../../core/transport/local';
import type { Transport } from '../../core/transport/transport';
import type { NodeSpec } from './nodeSpec';
import { connectSsh } from './sshFactory';

/** How a transport asks the user for a secret (the extension answers with an input box). */
export interface CredentialPrompt {
  /** Resolves undefined when the user cancels. */
  ask(kind: 'password' | 'passphrase', prompt: string): Promise<string | undefined>;
}

export interface SshConnectOptions {
  /** The ssh alias or [user@]host[:port] as the user gave it. */
  destination: string;
  /** The ssh config file that resolves aliases (empty: ~/.ssh/config). */
  configPath: string;
  /** Run the probe under `sudo -n`. */
  sudo: boolean;
  signal: AbortSignal;
  logger: Logger;
  prompt: CredentialPrompt;
}

export interface OpenOptions {
  configPath: string;
  sudoHosts: readonly string[];
  signal: AbortSignal;
  logger: Logger;
  prompt: CredentialPrompt;
  /** A Kubernetes node's: the user's kubectl (empty: on PATH) and the pod's image (empty: the core's default). */
  kubectlPath?: string;
  kubeImage?: string;
}

export async function openTransport(spec: NodeSpec, o: OpenOptions): Promise<Transport> {
  switch (spec.kind) {
    case 'local':
      return new LocalTransport();
    case 'ssh':
      return connectSsh({
        destination: spec.destination,
        configPath: o.configPath,
        sudo: o.sudoHosts.includes(spec.destination),
        signal: o.signal,
        logger: o.logger,
        prompt: o.prompt,
      });
    case 'kube':
      // The node's programs in a short-lived pod on it, through the user's kubectl and context;
      // the pod is deleted when the transport is disposed (Disconnect, the extension's end).
      return new KubeTransport({
        node: spec.node,
        kubectl: { context: spec.context, ...(o.kubectlPath ? { kubectl: o.kubectlPath } : {}) },
        ...(o.kubeImage ? { image: o.kubeImage } : {}),
        logger: o.logger,
      });
    case 'snapshot':
      throw new Error('a snapshot file has no transport');
  }
}
