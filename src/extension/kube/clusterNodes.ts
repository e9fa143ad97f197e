import { parseNodeList } from '../../core/kube/kubeObjects';
import { currentContext, runKubectl, type KubeError, type KubectlOptions } from '../../core/kube/kubectl';
import { fail, ok, type Result } from '../../core/result';

/** A Kubernetes object name (RFC 1123 subdomain): what the API names nodes, and all a pod's nodeName may be. */
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The context the cluster entry shows: the setting's when set, else kubectl's current one (no API call). */
export async function clusterContext(o: { context: string; kubectl: string; signal?: AbortSignal }): Promise<Result<string, KubeError>> {
  if (o.context) return ok(o.context);
  return currentContext({ ...(o.kubectl ? { kubectl: o.kubectl } : {}), ...(o.signal ? { signal: o.signal } : {}) });
}

/**
 * The cluster's nodes by name, from the API through the user's own kubectl (the core's runner):
 * sorted, names the API could not have given left out. A refusal (RBAC), an unreachable API or
 * a missing kubectl is the value's message, one line.
 */
export async function listClusterNodes(o: KubectlOptions): Promise<Result<string[], KubeError>> {
  const out = await runKubectl(['get', 'nodes', '-o', 'json'], o);
  if (!out.ok) return out;
  const nodes = parseNodeList(out.value);
  if (!nodes.ok) return fail(nodes.error);
  return ok([...new Set(nodes.value.map((n) => n.name).filter((n) => NODE_NAME.test(n)))].sort());
}
