import * as vscode from 'vscode';
import type { FleetNode } from '../../core/fleet/fleetNode';
import { fleetCells, fleetTotals } from '../../core/fleet/fleetText';
import { Commands } from '../commands/commandIds';
import { treeItemCommand } from '../commands/executeCommand';
import { FLEET_SORTS, sortFleet, type FleetSortKey } from './fleetSort';

/** A row of the Fleet view: one node of the last scan, by its name as the source listed it. */
export interface FleetRow {
  readonly type: 'fleetNode';
  readonly name: string;
}

/** What the last scan covered, for the view's message. */
export interface FleetScan {
  /** How the user named the nodes ("ssh_config hosts matching node-*"). */
  source: string;
  nodes: FleetNode[];
  interrupted: boolean;
  /** How the nodes were reached: a row's click opens the node the same way. */
  kind: 'ssh' | 'kube';
  /** The kube context of a cluster's nodes. */
  context?: string;
}

/**
 * The Fleet view: one row per node of the last scan (label the node, description the fleet
 * table's columns, as the core words them), in the core's order of attention unless the user
 * picked a column. A click opens the node in the Nodes tree with its findings.
 */
export class FleetTreeProvider implements vscode.TreeDataProvider<FleetRow>, vscode.Disposable {
  private scan: FleetScan | undefined;
  private sortKey: FleetSortKey = 'attention';
  private readonly emitter = new vscode.EventEmitter<FleetRow | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;

  get sortedBy(): FleetSortKey {
    return this.sortKey;
  }

  /** The last scan's nodes, in the shown order. */
  rows(): FleetNode[] {
    return this.scan ? sortFleet(this.scan.nodes, this.sortKey) : [];
  }

  /** The last scan, if any. */
  scanned(): FleetScan | undefined {
    return this.scan;
  }

  node(name: string): FleetNode | undefined {
    return this.scan?.nodes.find((n) => n.name === name);
  }

  /** The line above the rows: what was scanned and the totals (the CLI's last line). */
  message(): string | undefined {
    if (!this.scan) return undefined;
    return `${this.scan.interrupted ? 'Interrupted: ' : ''}${this.scan.source}: ${fleetTotals(this.scan.nodes)}. Sorted by ${FLEET_SORTS[this.sortKey]}.`;
  }

  show(scan: FleetScan): void {
    this.scan = scan;
    this.emitter.fire(undefined);
  }

  sortBy(key: FleetSortKey): void {
    this.sortKey = key;
    this.emitter.fire(undefined);
  }

  getChildren(e?: FleetRow): FleetRow[] {
    if (e) return [];
    return this.rows().map((n) => ({ type: 'fleetNode', name: n.name }));
  }

  getTreeItem(e: FleetRow): vscode.TreeItem {
    const n = this.node(e.name);
    if (!n) return new vscode.TreeItem(e.name);
    const c = fleetCells(n);
    const item = new vscode.TreeItem(c.name, vscode.TreeItemCollapsibleState.None);
    item.id = `fleet/${n.name}`;
    item.description = n.status === 'investigated' ? [c.layout, `${c.cgroups} cgroups`, `${c.dying} dying`, `${c.orphans} orphans`, c.worst, c.reached].join(' · ') : c.reached;
    item.tooltip = [
      c.name,
      `layout: ${c.layout}`,
      `cgroups: ${c.cgroups}`,
      `dying: ${c.dying}`,
      `orphans: ${c.orphans}`,
      `worst finding: ${n.summary?.worst ? `${c.worst}: ${n.summary.worst.title}` : c.worst}`,
      `kernel: ${c.kernel}`,
      `runtime: ${c.runtime}`,
      `${n.status === 'investigated' ? 'reached by' : 'not investigated'}: ${c.reached}`,
      'Click: open it in the Nodes view with its findings.',
    ].join('\n');
    item.iconPath = iconOf(n);
    item.contextValue = `fleetNode+${n.status}`;
    item.command = treeItemCommand('Open in Nodes', Commands.openFleetNode, e);
    return item;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** The row's icon follows the core's verdict of the node (never judged again here). */
function iconOf(n: FleetNode): vscode.ThemeIcon {
  if (n.status !== 'investigated') return new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
  if (n.verdict === 'actionable') {
    const critical = n.summary?.worst?.severity === 'critical';
    return new vscode.ThemeIcon('warning', new vscode.ThemeColor(critical ? 'errorForeground' : 'editorWarning.foreground'));
  }
  if (n.verdict === 'undetermined') return new vscode.ThemeIcon('question');
  return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
}
