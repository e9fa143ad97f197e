import type { KubectlOptions } from '../kube/kubectl';
import { runKubectl } from '../kube/kubectl';
import type { Logger } from '../logger';
import { KubeTransport } from '../transport/kube/kubeTransport';
import { KUBE_HOST_ROOT } from '../transport/kube/podManifest';
import type { FleetTarget, TargetSource } from './fleetTarget';

export interface KubeFleetOptions {
  /** The user's own kubectl, context and kubeconfig (absent: kubectl's current context). */
  kubectl: Pick<KubectlOptions, 'kubectl' | 'context' | 'kubeconfig' | 'env'>;
  /** A label selector (`kubectl get nodes -l`); absent: every node. */
  selector?: string;
  namespace?: string;
  image?: string;
  logger: Logger;
}

/**
 * The nodes of a Kubernetes cluster as a fleet: listed from the API with the user's kubectl
 * (`get nodes -l SELECTOR`), each reached through the Kubernetes transport (a short-lived pod on
 * the node; its programs read the node at /host). close() waits for every node's pod to be
 * deleted, so a command that ends does not leave them to their deadline.
 */
export function kubeClusterSource(o: KubeFleetOptions): TargetSource & { close(): Promise<void> } {
  const opened: KubeTransport[] = [];
  const where = o.kubectl.context !== undefined ? `context ${o.kubectl.context}` : "kubectl's current context";
  return {
    label: `the nodes of ${where}${o.selector !== undefined ? ` matching ${o.selector}` : ''}`,
    async list(signal) {
      const words = ['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}', ...(o.selector !== undefined ? ['-l', o.selector] : [])];
      const r = await runKubectl(words, { ...o.kubectl, signal });
      if (!r.ok) return { ok: false, message: `cannot list the nodes of ${where}: ${r.error.message}` };
      const names = r.value.split('\n').filter((n) => n !== '');
      return { ok: true, targets: names.map((name) => kubeTarget(name, o, opened)) };
    },
    async close() {
      await Promise.all(opened.map((t) => t.close()));
    },
  };
}

function kubeTarget(name: string, o: KubeFleetOptions, opened: KubeTransport[]): FleetTarget {
  return {
    name,
    via: 'kubectl',
    node: { kubeNode: name },
    hostRoot: KUBE_HOST_ROOT,
    async open() {
      const transport = new KubeTransport({
        node: name,
        kubectl: o.kubectl,
        ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
        ...(o.image !== undefined ? { image: o.image } : {}),
        logger: o.logger,
      });
      opened.push(transport);
      return { transport, reachedBy: `kubectl pod on ${name}${o.kubectl.context !== undefined ? ` (${o.kubectl.context})` : ''}` };
    },
  };
}
