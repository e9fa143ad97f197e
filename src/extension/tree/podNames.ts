import type { KubeEvidence } from '../../core/kube/kubeEvidence';
import { normalisePodUid } from '../../core/model/k8sIdentity';

const cache = new WeakMap<KubeEvidence, Map<string, string>>();

/**
 * The Kubernetes API's "namespace/name" of a pod UID on the node, when the node's state carries
 * the API's view (cgroupForensics.kubernetes.*); undefined otherwise. The names are already
 * display-safe (kubeEvidence made them with podName).
 */
export function podNameOf(kube: KubeEvidence | undefined): (uid: string) => string | undefined {
  if (!kube) return () => undefined;
  let byUid = cache.get(kube);
  if (!byUid) {
    byUid = new Map(kube.pods.map((p) => [normalisePodUid(p.uid), p.pod]));
    cache.set(kube, byUid);
  }
  const names = byUid;
  return (uid) => names.get(normalisePodUid(uid));
}
