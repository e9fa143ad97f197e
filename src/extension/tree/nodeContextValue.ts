/**
 * The context value of a node row: what package.json's `viewItem =~ /…/` menu clauses read, so
 * each state offers only the actions that apply (Connect when disconnected or failed, Stop Trend
 * Sampling while sampling, Compare only with kept snapshots). Pure (no 'vscode'): a unit test
 * evaluates package.json's clauses against it for every state.
 *
 * Shape: `node+<kind>+<status>[+sampling][+snapshots][+removable]`, flags in that order, each
 * present only when true.
 */

export type NodeKind = 'local' | 'ssh' | 'kube' | 'snapshot';
export type NodeStatus = 'disconnected' | 'connecting' | 'connected' | 'failed';

/** Parts of a node's state other features keep (the trend sampler, the snapshot store). */
export type NodeFlag = 'sampling' | 'snapshots';

const FLAG_ORDER: readonly NodeFlag[] = ['sampling', 'snapshots'];

export function nodeContextValue(kind: NodeKind | 'unknown', status: NodeStatus, flags: ReadonlySet<NodeFlag>, removable: boolean): string {
  return ['node', kind, status, ...FLAG_ORDER.filter((f) => flags.has(f)), ...(removable ? ['removable'] : [])].join('+');
}
