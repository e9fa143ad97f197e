import * as vscode from 'vscode';
import { displayOf } from '../../core/model/bytes';
import type { NodeManager } from '../nodes/nodeManager';
import { kubeNodeId, type NodeSpec } from '../nodes/nodeSpec';
import { readSettings } from '../settings';
import { elementId, type NodesElement } from '../tree/elements';
import { clusterContext, listClusterNodes } from './clusterNodes';

/** How long the current context is believed before kubectl is asked again, in the background (the tree asks for its top often). */
const CONTEXT_TTL_MS = 5_000;

/**
 * The cluster entry of the Nodes view: one group row for the current kube context
 * (cgroupForensics.kubernetes.context, else kubectl's current context; hidden when
 * cgroupForensics.kubernetes.enabled is false or there is no context), whose children are the
 * cluster's nodes listed from the API through the user's kubectl when it is expanded. Each node is
 * reached like an SSH node, through the Kubernetes transport (a pod on it); a list that fails is
 * a row saying why (an RBAC refusal names the permission the API refused).
 */
export class ClusterEntry {
  private cached: { key: string; at: number; context: string | undefined } | undefined;
  private asking: Promise<string | undefined> | undefined;

  /** changed: the row appeared, went or names another context (the tree's top is asked again). */
  constructor(
    private readonly nodes: NodeManager,
    private readonly changed: () => void,
  ) {}

  /** The group row, or undefined when it is hidden. */
  async row(): Promise<NodesElement | undefined> {
    return (await this.context()) !== undefined ? { type: 'cluster' } : undefined;
  }

  /**
   * The context the row shows. What kubectl said is answered at once while the settings and
   * KUBECONFIG stay the same, and asked again in the background once it is older than a few
   * seconds (the tree's top is asked on every change of a node, and must not wait on kubectl).
   */
  async context(): Promise<string | undefined> {
    const s = readSettings();
    if (!s.kubernetesEnabled) return undefined;
    const key = `${s.kubectlPath}\n${s.kubernetesContext}\n${process.env.KUBECONFIG ?? ''}\n${process.env.HOME ?? ''}`;
    if (this.cached?.key === key) {
      if (Date.now() - this.cached.at >= CONTEXT_TTL_MS && !this.asking) void this.ask(key, s.kubernetesContext, s.kubectlPath);
      return this.cached.context;
    }
    return this.ask(key, s.kubernetesContext, s.kubectlPath);
  }

  private ask(key: string, context: string, kubectl: string): Promise<string | undefined> {
    const asking = (async () => {
      const r = await clusterContext({ context, kubectl });
      const before = this.cached;
      this.cached = { key, at: Date.now(), context: r.ok ? r.value : undefined };
      if (before?.key === key && before.context !== this.cached.context) this.changed();
      return this.cached.context;
    })().finally(() => {
      if (this.asking === asking) this.asking = undefined;
    });
    this.asking = asking;
    return asking;
  }

  item(): vscode.TreeItem {
    const context = this.cached?.context ?? '';
    const item = new vscode.TreeItem(`Kubernetes: ${displayOf(context)}`, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = elementId({ type: 'cluster' });
    item.iconPath = new vscode.ThemeIcon('cloud');
    item.tooltip = `The nodes of kube context ${displayOf(context)}, listed by your kubectl: expand to list them. A node is read in a short-lived pod on it (no SSH), deleted when you disconnect.`;
    item.contextValue = 'cluster';
    return item;
  }

  async children(): Promise<NodesElement[]> {
    const context = await this.context();
    if (context === undefined) return [];
    const s = readSettings();
    const listed = await listClusterNodes({ context, ...(s.kubectlPath ? { kubectl: s.kubectlPath } : {}) });
    if (!listed.ok) return [{ type: 'message', parentId: 'cluster', key: 'error', tone: 'error', text: `Cannot list the nodes of ${displayOf(context)}: ${listed.error.message}` }];
    if (!listed.value.length) return [{ type: 'message', parentId: 'cluster', key: 'none', tone: 'info', text: 'No nodes in this cluster' }];
    return listed.value.map((node) => {
      const spec: NodeSpec = { kind: 'kube', id: kubeNodeId(context, node), label: node, node, context };
      this.nodes.remember(spec);
      return { type: 'node', nodeId: spec.id };
    });
  }
}
