import type * as vscode from 'vscode';
import type { Finding as CoreFinding } from '../../core/analysis/finding';
import type { EvidenceReport } from '../../core/evidence/nodeEvidence';
import type { NodeManager } from '../nodes/nodeManager';
import { mergeEvidence, type GatheredEvidence } from './mergeEvidence';

/** The evidence report a node's findings now come from, and the findings it was merged into. */
export interface MergedEvidence {
  report: EvidenceReport;
  /** The findings the evidence was merged into (the engine's, as earlier hooks left them). */
  base: readonly CoreFinding[];
}

/**
 * The evidence last gathered per node, merged into that node's findings through a findings hook
 * (so it stays attached across refreshes, correlated with the fresh findings). Dropped when the
 * node is disconnected or its connection fails.
 */
export class EvidenceStore implements vscode.Disposable {
  private readonly byNode = new Map<string, GatheredEvidence>();
  /** The report of the last merge per node: what the Findings view shows, for the document. */
  private readonly merged = new Map<string, { report: EvidenceReport; base: readonly CoreFinding[] }>();
  private readonly removeHook: () => void;
  private readonly sub: vscode.Disposable;

  constructor(private readonly nodes: NodeManager) {
    this.removeHook = nodes.findingsHooks.add('evidence', (findings, input) => {
      const m = mergeEvidence(findings, input, this.byNode.get(input.nodeId));
      if (m.report) this.merged.set(input.nodeId, { report: m.report, base: findings });
      return m.findings;
    });
    this.sub = nodes.onDidChange((id) => {
      // Gone with the connection (a failed one too: a reconnect is a new look at the node).
      if (id === undefined) return;
      const status = nodes.state(id).status;
      if (status !== 'disconnected' && status !== 'failed') return;
      this.byNode.delete(id);
      this.merged.delete(id);
    });
  }

  /**
   * Keeps what was gathered and merges it into the node's findings now, or when a refresh that is
   * running ends (undefined: the node is not connected, or the refresh failed).
   */
  async set(nodeId: string, g: GatheredEvidence): Promise<MergedEvidence | undefined> {
    this.byNode.set(nodeId, g);
    this.merged.delete(nodeId);
    if (this.nodes.state(nodeId).status === 'connecting') {
      if (!(await this.refreshed(nodeId))) return undefined;
      // A refresh cancelled or replaced puts the previous state back without running the hooks.
      if (!this.merged.has(nodeId) && !this.nodes.reapplyFindings(nodeId)) return undefined;
    } else if (!this.nodes.reapplyFindings(nodeId)) return undefined;
    const m = this.merged.get(nodeId);
    if (!m) throw new Error('the evidence could not be merged into the findings (see the log)');
    return m;
  }

  /** Resolves when a node's refresh ends: true when it is connected (its hooks have run). */
  private refreshed(nodeId: string): Promise<boolean> {
    return new Promise((resolve) => {
      const sub = this.nodes.onDidChange((id) => {
        const status = this.nodes.state(nodeId).status;
        if (id !== nodeId || status === 'connecting') return;
        sub.dispose();
        resolve(status === 'connected');
      });
    });
  }

  dispose(): void {
    this.removeHook();
    this.sub.dispose();
    this.byNode.clear();
    this.merged.clear();
  }
}
