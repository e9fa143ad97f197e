import * as vscode from 'vscode';
import { SEVERITY_RANK, type Severity } from '../../core/analysis/finding';
import { isOrphan, orphanVerdict } from '../../core/analysis/orphanVerdict';
import { Commands } from '../commands/commandIds';
import { treeItemCommand } from '../commands/executeCommand';
import type { NodeManager } from '../nodes/nodeManager';
import { podNameOf } from '../tree/podNames';
import { evidenceItems, type EvidenceItem } from './evidenceItems';
import { findingCgroupRow, findingRow } from './findingLabel';
import type { FindingItem, TreeCgroupRef } from './finding';

export type FindingsElement =
  | { type: 'node'; nodeId: string }
  | { type: 'finding'; nodeId: string; finding: FindingItem }
  /** `path`: the cgroup's path in its hierarchy (the core's), for what the row calls it. */
  | { type: 'cgroup'; nodeId: string; findingId: string; ref: TreeCgroupRef; path: string }
  | { type: 'evidence'; nodeId: string; findingId: string; index: number; item: EvidenceItem };

const EVIDENCE_ICONS = { log: 'output', fd: 'file-symlink-file', text: 'circle-small' } as const;

// The core's severity words; a critical finding wears the codicon named "error".
const SEVERITY_ICONS: Record<Severity, string> = { critical: 'error', warning: 'warning', info: 'info' };
const SEVERITY_COLORS: Record<Severity, string> = { critical: 'list.errorForeground', warning: 'list.warningForeground', info: 'foreground' };

/** The Findings view: per connected node, its findings by severity; each lists its cgroups. */
export class FindingsTreeProvider implements vscode.TreeDataProvider<FindingsElement>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<FindingsElement | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly nodes: NodeManager) {
    this.sub = nodes.onDidChange(() => this.emitter.fire(undefined));
  }

  getTreeItem(e: FindingsElement): vscode.TreeItem {
    switch (e.type) {
      case 'node': {
        const state = this.nodes.state(e.nodeId);
        const n = state.status === 'connected' ? state.findings.length : 0;
        // Orphans counted by the core's verdict, as `orphans` and the cleanup script count them.
        const orphans = state.status === 'connected' ? state.findings.filter((f) => isOrphan(f.core)).length : 0;
        const item = new vscode.TreeItem(this.nodes.label(e.nodeId), vscode.TreeItemCollapsibleState.Expanded);
        item.id = `fnode/${e.nodeId}`;
        item.description = n ? `${n} finding${n === 1 ? '' : 's'}${orphans ? ` · ${orphans} orphan${orphans === 1 ? '' : 's'}` : ''}` : 'no findings';
        if (state.status === 'connected' && state.report.orphansUndetermined) item.tooltip = `Orphans could not be judged: ${state.report.orphansUndetermined}`;
        item.iconPath = new vscode.ThemeIcon('vm');
        item.contextValue = 'findingsNode';
        return item;
      }
      case 'finding': {
        const f = e.finding;
        // An orphan-kind finding the verdict does not act on says why (the API knows its pod ...).
        const verdict = orphanVerdict(f.core);
        const notActed = !verdict.orphan && verdict.reason !== 'not-an-orphan-kind' ? verdict.why : undefined;
        const row = findingRow(f.core, f.detail, this.podName(e.nodeId), notActed);
        const item = new vscode.TreeItem(row.label, f.cgroups.length || f.core.evidence.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `f/${e.nodeId}\u0000${f.id}`;
        item.description = row.description;
        item.tooltip = row.tooltip;
        item.iconPath = new vscode.ThemeIcon(SEVERITY_ICONS[f.severity], new vscode.ThemeColor(SEVERITY_COLORS[f.severity]));
        item.contextValue = `finding+${f.kind}${f.fixes.length ? '+fixable' : ''}`;
        const first = f.cgroups[0];
        if (first) item.command = treeItemCommand('Reveal', Commands.revealCgroup, { nodeId: e.nodeId, ref: first });
        return item;
      }
      case 'cgroup': {
        const row = findingCgroupRow(e.ref.hierarchy, e.path, e.ref.path, this.podName(e.nodeId));
        const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
        item.id = `fc/${e.nodeId}\u0000${e.findingId}\u0000${e.ref.hierarchy}\u0000${e.ref.path}`;
        item.description = row.description;
        item.tooltip = row.tooltip;
        item.iconPath = new vscode.ThemeIcon('symbol-folder');
        item.command = treeItemCommand('Reveal', Commands.revealCgroup, { nodeId: e.nodeId, ref: e.ref });
        item.contextValue = 'findingCgroup';
        return item;
      }
      case 'evidence': {
        // Log lines are untrusted: a plain label and a plain-string tooltip, never markdown.
        const item = new vscode.TreeItem(e.item.label, vscode.TreeItemCollapsibleState.None);
        item.id = `fe/${e.nodeId}\u0000${e.findingId}\u0000${e.index}`;
        if (e.item.description) item.description = e.item.description;
        item.tooltip = e.item.tooltip;
        item.iconPath = new vscode.ThemeIcon(EVIDENCE_ICONS[e.item.kind]);
        item.contextValue = `findingEvidence+${e.item.kind}`;
        return item;
      }
    }
  }

  getChildren(e?: FindingsElement): FindingsElement[] {
    if (!e) return this.nodes.connected().map((c) => ({ type: 'node', nodeId: c.spec.id }));
    if (e.type === 'node') {
      const state = this.nodes.state(e.nodeId);
      const fs = state.status === 'connected' ? [...state.findings] : [];
      fs.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.title.localeCompare(b.title));
      return fs.map((finding) => ({ type: 'finding', nodeId: e.nodeId, finding }));
    }
    if (e.type === 'finding') {
      const { nodeId, finding } = e;
      return [
        ...finding.cgroups.map((ref, n): FindingsElement => ({ type: 'cgroup', nodeId, findingId: finding.id, ref, path: finding.core.cgroups[n]?.path ?? ref.path })),
        ...evidenceItems(finding.core).map((item, index): FindingsElement => ({ type: 'evidence', nodeId, findingId: finding.id, index, item })),
      ];
    }
    return [];
  }

  /** The Kubernetes API's names of the node's pods, where its state has them. */
  private podName(nodeId: string): (uid: string) => string | undefined {
    const state = this.nodes.state(nodeId);
    return podNameOf(state.status === 'connected' ? state.kube : undefined);
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}
