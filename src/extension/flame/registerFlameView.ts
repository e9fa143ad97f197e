import * as vscode from 'vscode';
import type { Finding as CoreFinding } from '../../core/analysis/finding';
import type { Snapshot } from '../../core/model/snapshot';
import { isCancellation, UserError, withCancellableProgress } from '../commandWrapper';
import { Commands } from '../commands/commandIds';
import { executeCommand } from '../commands/executeCommand';
import { LOCAL_NODE } from '../nodes/nodeSpec';
import { verdictsOf } from './flameData';
import { FLAME_VIEW_TYPE, FlamePanel, type FlameHost, type FlameSource, type KeptSnapshots } from './flamePanel';

/** What other commands use of the flame view. */
export interface FlameViewApi {
  /**
   * The handler of Open Flame View and Show in Flame View (registered in registerCommands.ts):
   * opens (or reveals) the view of a tree element's node, with its cgroup focused; else of This machine.
   */
  open(arg?: unknown): Promise<FlamePanel | undefined>;
  /** Opens (or reveals) the view of a node, in compare mode against `baseline`. */
  openWithBaseline(nodeId: string, baseline: Snapshot): Promise<FlamePanel | undefined>;
}

/** What the flame view needs of the Nodes tree's node manager (structurally). */
export interface FlameNodes {
  state(id: string): { status: string; view?: { snapshot: Snapshot }; reason?: string; findings?: readonly { core: CoreFinding; cgroups: readonly { hierarchy: string; path: string }[] }[] };
  spec(id: string): { label: string } | undefined;
  label(id: string): string;
  refresh(id: string, signal: AbortSignal, report?: (message: string) => void): Promise<{ status: string; view?: { snapshot: Snapshot }; reason?: string }>;
  readonly onDidChange: vscode.Event<string | undefined>;
}

/** A Nodes tree element or anything carrying a node id (and, for a cgroup, hierarchy and path). */
interface TreeTarget {
  nodeId: string;
  hierarchy?: string;
  path?: string;
}

function treeTarget(arg: unknown): TreeTarget | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const a = arg as Record<string, unknown>;
  if (typeof a.nodeId !== 'string') return undefined;
  const t: TreeTarget = { nodeId: a.nodeId };
  if (typeof a.hierarchy === 'string') t.hierarchy = a.hierarchy;
  if (typeof a.path === 'string') t.path = a.path;
  return t;
}

/**
 * The flame view over the Nodes tree's node manager: any node's snapshot (This machine's too, so
 * the tree and the view share one and a cell can be revealed in the tree), refreshed through it.
 */
export function registerFlameView(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, nodes: FlameNodes, kept: KeptSnapshots, nodesView: { readonly visible: boolean }): FlameViewApi {
  const panels = new Map<string, FlamePanel>();
  const host: FlameHost = {
    log,
    bundleDir: vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'),
    kept,
    async reveal(nodeId, hierarchy, path) {
      await executeCommand(Commands.revealCgroup, { nodeId, ref: { hierarchy, path } });
    },
    nodesVisible: () => nodesView.visible,
  };

  const nodeSource = (id: string): FlameSource => ({
    id,
    label: nodes.label(id),
    async rescan() {
      const s = await withCancellableProgress(`Cgroup Forensics: scanning ${nodes.label(id)}`, (signal, report) => nodes.refresh(id, signal, report));
      if (s.status === 'failed') throw new Error(s.reason ?? 'the scan failed');
      return s.view?.snapshot;
    },
    verdicts(s) {
      const state = nodes.state(id);
      if (state.view?.snapshot !== s) return [];
      return verdictsOf(state.findings ?? []);
    },
  });

  /** The open panel of a node, or a new one; the node's later snapshots follow it there. */
  const panelFor = (source: FlameSource, existing?: vscode.WebviewPanel): FlamePanel => {
    const open = panels.get(source.id);
    if (open && !existing) {
      open.panel.reveal(undefined, false);
      return open;
    }
    const panel =
      existing ?? vscode.window.createWebviewPanel(FLAME_VIEW_TYPE, `Flame: ${source.label}`, vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [host.bundleDir] });
    const p = new FlamePanel(panel, source, host);
    panels.set(source.id, p);
    const sub = nodes.onDidChange((id) => {
      if (id !== undefined && id !== source.id) return;
      const s = nodes.state(source.id).view?.snapshot;
      if (s) p.setSnapshot(s);
    });
    p.onDidDispose(() => {
      sub.dispose();
      if (panels.get(source.id) === p) panels.delete(source.id);
    });
    return p;
  };

  /** Opens (or reveals) the view for a tree element's node, else for This machine. */
  const open = async (arg?: unknown): Promise<FlamePanel | undefined> => {
    const target = treeTarget(arg) ?? { nodeId: LOCAL_NODE.id };
    if (!nodes.spec(target.nodeId)) throw new UserError(`no node ${target.nodeId}`);
    const source = nodeSource(target.nodeId);
    const snapshot = nodes.state(target.nodeId).view?.snapshot ?? (await source.rescan());
    if (!snapshot) return undefined;
    const p = panelFor(source);
    p.setSnapshot(snapshot);
    if (target.hierarchy !== undefined) p.focus(target.hierarchy, target.path ?? '/');
    return p;
  };

  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(FLAME_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        // The snapshot is not persisted (it can be large and goes stale): the node's, or a new scan.
        const saved = (state as { source?: unknown } | undefined)?.source;
        const sourceId = typeof saved === 'string' && nodes.spec(saved) ? saved : LOCAL_NODE.id;
        const source = nodeSource(sourceId);
        const p = panelFor(source, panel);
        try {
          const snapshot = nodes.state(sourceId).view?.snapshot ?? (await source.rescan());
          if (snapshot) p.setSnapshot(snapshot);
        } catch (e) {
          if (!isCancellation(e)) log.warn(`flame view: restoring ${source.label}: ${e instanceof Error ? e.message : String(e)}`);
        }
      },
    }),
    { dispose: () => [...panels.values()].forEach((p) => p.dispose()) },
  );
  return {
    open,
    async openWithBaseline(nodeId, baseline) {
      const p = await open({ nodeId });
      if (p) await p.setBaseline(baseline);
      return p;
    },
  };
}
