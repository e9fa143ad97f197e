import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ok, type Result } from '../result';
import { currentContext, runKubectl, type KubeError, type KubectlOptions } from './kubectl';
import { parseNodeList, parsePodList, type KubeNode, type KubePod } from './kubeObjects';
import { matchNode, type NodeMatch, type NodeName } from './nodeMatch';

/** The Kubernetes API's view of one node: the node object and the pods bound to it. */
export interface KubeView {
  /** The kubectl context asked. */
  context: string;
  node: KubeNode;
  matchedBy: string;
  pods: KubePod[];
}

/**
 * Maps our node to its Kubernetes node and lists its pods: `kubectl config current-context`
 * (when no context is named); the node by name (`kubectl get nodes NAME... --ignore-not-found`:
 * one small GET per name we have, the common case where the node is called by its host name),
 * else `kubectl get nodes -o json` matched by names, labels and addresses (a list of every node,
 * large on a big cluster, so only when the names miss or `get` is not allowed); then `kubectl get
 * pods --all-namespaces --field-selector spec.nodeName=NAME -o json`. Every failure is a value.
 */
export async function gatherKubeView(names: readonly NodeName[], o: KubectlOptions = {}): Promise<Result<KubeView, KubeError>> {
  let context = o.context;
  if (context === undefined || context === '') {
    const c = await currentContext(o);
    if (!c.ok) return c;
    context = c.value;
  }
  const opts: KubectlOptions = { ...o, context };
  const m = (await nodeByName(names, opts)) ?? (await nodeFromList(names, opts));
  if (!m.ok) return m;
  // The node name came from the API: still only ever one argv word, never shell text.
  const podsOut = await runKubectl(['get', 'pods', '--all-namespaces', '--field-selector', `spec.nodeName=${m.value.node.name}`, '-o', 'json'], opts);
  if (!podsOut.ok) return podsOut;
  const pods = parsePodList(podsOut.value);
  if (!pods.ok) return pods;
  // A field selector the server ignored would list every pod: keep only this node's.
  const mine = pods.value.filter((p) => p.nodeName === undefined || p.nodeName === m.value.node.name);
  return ok({ context, node: m.value.node, matchedBy: m.value.matchedBy, pods: mine });
}

/** A node whose name is exactly one of ours, fetched by name; undefined when none is (or `get` fails). */
async function nodeByName(names: readonly NodeName[], opts: KubectlOptions): Promise<Result<NodeMatch, KubeError> | undefined> {
  const candidates = [...new Set(names.map((n) => n.value.trim().toLowerCase().replace(/\.$/, '')).filter((v) => v.length <= 253 && DNS_SUBDOMAIN.test(v)))];
  if (!candidates.length) return undefined;
  const out = await runKubectl(['get', 'nodes', ...candidates, '--ignore-not-found', '-o', 'json'], opts);
  // A user who may list nodes but not get them is asked the list; any other failure is the answer.
  if (!out.ok) return out.error.code === 'forbidden' ? undefined : out;
  const nodes = parseNodeList(out.value);
  if (!nodes.ok) return undefined;
  // Only a node called exactly by one of our names: any other match needs every node's labels and addresses.
  const exact = nodes.value.filter((n) => candidates.includes(n.name.toLowerCase()));
  if (exact.length !== 1) return undefined;
  const m = matchNode(exact, names);
  return m.ok ? m : undefined;
}

async function nodeFromList(names: readonly NodeName[], opts: KubectlOptions): Promise<Result<NodeMatch, KubeError>> {
  const nodesOut = await runKubectl(['get', 'nodes', '-o', 'json'], opts);
  if (!nodesOut.ok) return nodesOut;
  const nodes = parseNodeList(nodesOut.value);
  if (!nodes.ok) return nodes;
  return matchNode(nodes.value, names);
}

/** A Kubernetes object name (RFC 1123 subdomain), lower case: what `kubectl get nodes NAME` can take. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Our names for a node: the host name the probe read on it, and for an SSH node the alias, the
 * HostName ssh_config resolves it to, and that name's addresses (looked up here, bounded).
 */
export async function nodeNames(o: { hostname?: string; sshAlias?: string; sshHostName?: string; resolve?: boolean; signal?: AbortSignal }): Promise<NodeName[]> {
  const out: NodeName[] = [];
  if (o.hostname) out.push({ value: o.hostname, source: 'hostname (probe)' });
  const alias = o.sshAlias?.slice(o.sshAlias.lastIndexOf('@') + 1);
  if (alias) out.push({ value: alias, source: 'ssh alias' });
  if (o.sshHostName && o.sshHostName !== alias) out.push({ value: o.sshHostName, source: 'ssh HostName' });
  const host = o.sshHostName ?? alias;
  if (o.resolve !== false && host && !isIP(host)) {
    const addrs = await withTimeout(lookup(host, { all: true }), 3000).catch(() => []);
    for (const a of addrs ?? []) out.push({ value: a.address, source: `address of ${host}` });
  } else if (host && isIP(host) && !out.some((n) => n.value === host)) {
    out.push({ value: host, source: 'ssh address' });
  }
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve(undefined), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
