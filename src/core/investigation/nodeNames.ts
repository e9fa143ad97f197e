import { nodeNames } from '../kube/kubeView';
import type { NodeName } from '../kube/nodeMatch';
import type { Snapshot } from '../model/snapshot';
import { resolveRoute } from '../transport/ssh/resolveRoute';
import type { NodeAddress } from './kubeLookup';

/**
 * An SSH node's names (alias, ssh_config HostName, its addresses), once per NodeAddress: a front
 * end keeps one address per connection, so `ssh -G` and DNS are not asked again on every refresh.
 */
const sshNamesOf = new WeakMap<NodeAddress, Promise<NodeName[]>>();

/** Our names for a node: its Kubernetes name when reached through the API, the host name the probe read on it, then those of the SSH address it was reached by. */
export async function nodeNamesOf(snapshot: Snapshot, node: NodeAddress | undefined): Promise<NodeName[]> {
  const probed: NodeName[] = snapshot.node.hostname ? [{ value: snapshot.node.hostname, source: 'hostname (probe)' }] : [];
  // Reached through the API: the node's own name comes first.
  const hostname: NodeName[] = node?.kubeNode !== undefined ? [{ value: node.kubeNode, source: 'kube node' }, ...probed] : probed;
  if (node?.sshAlias === undefined) return hostname;
  let ssh = sshNamesOf.get(node);
  if (!ssh) {
    ssh = sshNames(node.sshAlias, node.sshConfigFile);
    sshNamesOf.set(node, ssh);
  }
  return [...hostname, ...(await ssh)];
}

async function sshNames(alias: string, configFile: string | undefined): Promise<NodeName[]> {
  let sshHostName: string | undefined;
  try {
    sshHostName = (await resolveRoute(alias, configFile ? { configFile } : {})).target.hostName;
  } catch {
    // the node was reached by this alias, so it resolved once; without HostName the alias still counts
  }
  return nodeNames({ sshAlias: alias, ...(sshHostName !== undefined ? { sshHostName } : {}) });
}
