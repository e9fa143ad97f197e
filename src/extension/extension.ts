import * as vscode from 'vscode';
import { cgroupCommands } from './commands/cgroupCommands';
import { documentCommands } from './commands/documentCommands';
import { findingCommands } from './commands/findingCommands';
import { fixCommands } from './commands/fixCommands';
import { registerFlameView } from './flame/registerFlameView';
import { registerFleetView } from './fleet/registerFleetView';
import type { FleetRow, FleetTreeProvider } from './fleet/fleetTree';
import { nodeCommands } from './commands/nodeCommands';
import { registerCommands } from './commands/registerCommands';
import { reportCommands } from './commands/reportCommands';
import { evidenceCommands } from './commands/evidenceCommands';
import { createSnapshotStore, keptSnapshotsOf, snapshotCommands } from './commands/snapshotCommands';
import type { SnapshotStore } from './nodes/snapshotStore';
import { GeneratedDocuments } from './documents/generatedDocuments';
import { FindingsTreeProvider } from './findings/findingsTree';
import { NODE_FILE_SCHEME, NodeFileProvider } from './fixes/nodeFileProvider';
import { createLog } from './log';
import { credentialPrompt } from './nodes/credentialPrompt';
import { NodeManager } from './nodes/nodeManager';
import { KeptSnapshotsFlag } from './nodes/keptSnapshotsFlag';
import { startAutoRefresh } from './autoRefresh';
import { affectsSettings } from './settings';
import { NodesTreeProvider } from './tree/nodesTree';
import type { NodesElement } from './tree/elements';
import { createTrendSampler, trendSamplingCommands, type TrendSampler } from './trends/trendSampler';
import { registerTrendView } from './trends/registerTrendView';

/** What activate() hands back: the extension-host tests reach the live state through it. */
export interface CgroupForensicsApi {
  nodes: NodeManager;
  nodesTree: NodesTreeProvider;
  /** The Nodes view: its selection is what palette commands on a cgroup act on; whether it is visible decides if the flame view's clicks reveal there. */
  nodesView: vscode.TreeView<NodesElement>;
  findingsTree: FindingsTreeProvider;
  /** The snapshots kept per node (globalStorage/snapshots) for Compare with Earlier Snapshot. */
  snapshots: SnapshotStore;
  /** The background trend sampler: the samples per node (TrendHistory) for the trend chart. */
  trends: TrendSampler;
  /** The Fleet view's rows (the last Scan Fleet…). */
  fleetTree: FleetTreeProvider;
  fleetView: vscode.TreeView<FleetRow>;
}

/**
 * The editor front end: the Nodes and Findings views and the commands over the core. Activated
 * only by the views or a command (see package.json); everything is disposed with the context.
 */
export function activate(context: vscode.ExtensionContext): CgroupForensicsApi {
  const log = createLog();
  const nodes = new NodeManager(context.globalState, log, (destination) => credentialPrompt(context.secrets, destination));
  const nodesTree = new NodesTreeProvider(nodes);
  const findingsTree = new FindingsTreeProvider(nodes);
  const nodesView = vscode.window.createTreeView('cgroupForensics.nodes', { treeDataProvider: nodesTree, showCollapseAll: true });
  const findingsView = vscode.window.createTreeView('cgroupForensics.findings', { treeDataProvider: findingsTree });
  const nodeFiles = new NodeFileProvider();
  // Generated text opens read-only through it (never untitled: closing asks nothing).
  const documents = new GeneratedDocuments(nodeFiles);
  context.subscriptions.push(
    log,
    nodes,
    nodesTree,
    findingsTree,
    nodesView,
    findingsView,
    vscode.workspace.registerTextDocumentContentProvider(NODE_FILE_SCHEME, nodeFiles),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsSettings(e)) nodesTree.refresh();
    }),
    startAutoRefresh(nodes, log),
  );
  // Each feature makes its commands' handlers (and what they keep: stores, panels, content
  // providers); registerCommands.ts registers them all, in one table.
  const snapshots = createSnapshotStore(context, log);
  const flame = registerFlameView(context, log, nodes, keptSnapshotsOf(snapshots), nodesView);
  // Background trend sampling (off by default): samples per node for the trend chart, growth findings.
  const trends = createTrendSampler(context, log, nodes);
  // Node rows' menus follow what other features keep of a node (see tree/nodeContextValue.ts).
  const keptSnapshots = new KeptSnapshotsFlag((id) => snapshots.list(id), log);
  context.subscriptions.push(
    keptSnapshots,
    nodesTree.addNodeFlags(keptSnapshots),
    nodesTree.addNodeFlags({ flags: (id) => (trends.isSampling(id) ? ['sampling'] : []), onDidChange: trends.onDidChangeSampling }),
  );
  const fleet = registerFleetView(context, log, nodes, nodesView);
  registerCommands(context, log, {
    node: nodeCommands(context, log, nodes, nodesTree, documents, nodesView),
    cgroup: cgroupCommands(nodes, documents, () => nodesView.selection),
    finding: findingCommands(log, nodes, nodesView),
    fix: fixCommands(context, log, nodes, nodeFiles),
    report: reportCommands(nodes),
    evidence: evidenceCommands(context, log, nodes, nodeFiles),
    flame,
    snapshot: snapshotCommands(context, log, nodes, snapshots, flame, (id) => keptSnapshots.recount(id)),
    trendSampling: trendSamplingCommands(nodes, trends),
    trendView: registerTrendView(context, log, nodes, trends),
    document: documentCommands(),
    fleet,
  });
  stopping = async () => {
    nodes.dispose();
    await Promise.race([nodes.closed(), new Promise((r) => setTimeout(r, CLOSE_WAIT_MS).unref())]);
  };
  log.info(`activated (VS Code ${vscode.version}, workspace ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted: read-only'})`);
  return { nodes, nodesTree, findingsTree, trends, snapshots, nodesView, fleetTree: fleet.tree, fleetView: fleet.view };
}

/** What the extension's end waits for: a Kubernetes node's pod deleted (the rest is disposed through context.subscriptions). */
let stopping: (() => Promise<void>) | undefined;

/** Bound on waiting for kubectl to delete the pods when the extension ends (VS Code waits a few seconds at most). */
const CLOSE_WAIT_MS = 4_000;

export function deactivate(): Promise<void> | undefined {
  return stopping?.();
}
