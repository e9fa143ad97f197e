import { safeLogText } from '../../analysis/logSignatures';

/** What RBAC refused, as the API server's Forbidden message says it. */
export interface Refusal {
  user: string;
  verb: string;
  /** "pods", "pods/exec" */
  resource: string;
  /** Absent: at the cluster scope. */
  namespace?: string;
}

/**
 * The refusal in kubectl's standard error, from the API server's own words:
 * `pods is forbidden: User "u" cannot create resource "pods" in API group "" in the namespace "ns"`
 * (kubectl prints it after "Error from server (Forbidden): ", or for exec after
 * "error: unable to upgrade connection: "). Undefined when there is none.
 */
export function parseRefusal(stderr: string): Refusal | undefined {
  const m = /User "([^"]*)" cannot (\w+) resource "([^"]+)"(?: in API group "[^"]*")?(?: in the namespace "([^"]*)")?/.exec(stderr);
  if (!m) return undefined;
  return { user: m[1]!, verb: m[2]!, resource: m[3]!, ...(m[4] !== undefined ? { namespace: m[4] } : {}) };
}

/** The one line a refused user reads: the missing permission, and what the transport needs in all. */
export function refusalMessage(r: Refusal): string {
  const where = r.namespace !== undefined ? `in namespace ${safeLogText(r.namespace, 100)}` : 'at the cluster scope';
  return `the cluster does not let ${safeLogText(r.user, 100)} ${safeLogText(r.verb, 20)} ${safeLogText(r.resource, 60)} ${where} (RBAC); reading a node through Kubernetes needs create, get, list and delete on pods and create on pods/exec there (--kube-namespace picks another namespace)`;
}
