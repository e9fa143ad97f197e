import { isIP } from 'node:net';
import { safeLogText } from '../analysis/logSignatures';
import { fail, ok, type Result } from '../result';
import type { KubeError } from './kubectl';
import type { KubeNode } from './kubeObjects';

/** What the node is called from our side: each name with where it came from. */
export interface NodeName {
  value: string;
  /** "hostname (probe)", "ssh alias", "ssh HostName", "resolved address of node-17" ... */
  source: string;
}

export interface NodeMatch {
  node: KubeNode;
  /** How it was matched, one line: "node name node-17 = hostname (probe) node-17". */
  matchedBy: string;
}

/** A node's names as the API gives them, each with the field it came from. */
function apiNamesOf(n: KubeNode): NodeName[] {
  const out: NodeName[] = [{ value: n.name, source: 'node name' }];
  if (n.hostnameLabel) out.push({ value: n.hostnameLabel, source: 'label kubernetes.io/hostname' });
  for (const a of n.addresses) out.push({ value: a.address, source: `address ${a.type}` });
  return out;
}

const norm = (s: string): string => s.trim().toLowerCase().replace(/\.$/, '');
const shortOf = (s: string): string => (isIP(s) ? s : s.split('.')[0]!);

/**
 * The Kubernetes node these names belong to. Names compare case-insensitively; a full name
 * matches exactly, and a host name also matches by its first label ("node-17" = "node-17.corp"),
 * but only when no node matched exactly. IP addresses match only exactly. Several nodes at the
 * same strength are ambiguous, said so rather than guessed.
 */
export function matchNode(nodes: readonly KubeNode[], names: readonly NodeName[]): Result<NodeMatch, KubeError> {
  const ours = names.filter((n) => n.value.trim() !== '').map((n) => ({ ...n, v: norm(n.value) }));
  const tried = [...new Set(ours.map((o) => safeLogText(o.value, 100)))].join(', ') || 'no names';
  if (!nodes.length) return fail({ code: 'node-not-found', message: `the cluster lists no nodes (looked for ${tried})` });
  for (const strength of ['exact', 'short'] as const) {
    const hits: NodeMatch[] = [];
    for (const node of nodes) {
      let hit: string | undefined;
      for (const api of apiNamesOf(node)) {
        const a = norm(api.value);
        for (const o of ours) {
          const same = strength === 'exact' ? a === o.v : !isIP(a) && !isIP(o.v) && shortOf(a) === shortOf(o.v);
          if (same) {
            hit ??= `${api.source} ${safeLogText(api.value, 100)} = ${o.source} ${safeLogText(o.value, 100)}${strength === 'short' ? ' (short names)' : ''}`;
          }
        }
      }
      if (hit) hits.push({ node, matchedBy: hit });
    }
    if (hits.length === 1) return ok(hits[0]!);
    if (hits.length > 1) {
      return fail({ code: 'ambiguous-node', message: `${hits.length} nodes match (${hits.map((h) => safeLogText(h.node.name, 100)).join(', ')}): name the node's host precisely` });
    }
  }
  return fail({ code: 'node-not-found', message: `no node of the cluster has the name or address ${tried} (${nodes.length} node(s) listed)` });
}
