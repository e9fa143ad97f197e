import type * as vscode from 'vscode';
import type { ConnectedState, NodeManager } from '../nodes/nodeManager';
import { mergeEvidence, type GatheredEvidence } from './mergeEvidence';

/**
 * The evidence last gathered per node, merged into that node's findings through a findings hook
 * (so it stays attached across refreshes, correlated with the fresh findings). Dropped when the
 * node is disconnected.
 */
export class EvidenceStore implements vscode.Disposable {
  private readonly byNode = new Map<string, GatheredEvidence>();
  private readonly removeHook: () => void;
  private readonly sub: vscode.Disposable;

  constructor(private readonly nodes: NodeManager) {
    this.removeHook = nodes.findingsHooks.add('evidence', (findings, input) => mergeEvidence(findings, input, this.byNode.get(input.nodeId)));
    this.sub = nodes.onDidChange((id) => {
      if (id !== undefined && nodes.state(id).status === 'disconnected') this.byNode.delete(id);
    });
  }

  get(nodeId: string): GatheredEvidence | undefined {
    return this.byNode.get(nodeId);
  }

  /** Keeps what was gathered and merges it into the node's findings now. */
  set(nodeId: string, g: GatheredEvidence): ConnectedState | undefined {
    this.byNode.set(nodeId, g);
    return this.nodes.reapplyFindings(nodeId);
  }

  dispose(): void {
    this.removeHook();
    this.sub.dispose();
    this.byNode.clear();
  }
}
