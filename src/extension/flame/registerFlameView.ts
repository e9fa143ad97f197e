import * as vscode from 'vscode';
import type { Snapshot } from '../../core/model/snapshot';
import { takeSnapshot } from '../../core/scan';
import { LocalTransport } from '../../core/transport/local';
import { FLAME_VIEW_TYPE, FlamePanel, type FlameHost, type FlameSource, type KeptSnapshots } from './flamePanel';

/** What other commands use of the flame view. */
export interface FlameViewApi {
  /** Opens (or reveals) the view of a node, in compare mode against `baseline`. */
  openWithBaseline(nodeId: string, baseline: Snapshot): Promise<FlamePanel | undefined>;
}

/**
 * What the flame view needs of the Nodes tree's node manager, structurally, so the view works
 * with it (snapshots of any node, refresh, reveal) and without it (a scan of this machine).
 */
export interface FlameNodes {
  state(id: string): { status: string; view?: { snapshot: Snapshot }; reason?: string };
  spec(id: string): { label: string } | undefined;
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

const LOCAL_ID = 'local';

export function registerFlameView(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, nodes?: FlameNodes, kept?: KeptSnapshots): FlameViewApi {
  const panels = new Map<string, FlamePanel>();
  const host: FlameHost = {
    log,
    bundleDir: vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'),
    ...(kept ? { kept } : {}),
    async reveal(nodeId, hierarchy, path) {
      // The Nodes tree owns reveal; without it (or without that node) selecting only selects.
      const commands = await vscode.commands.getCommands(true);
      if (!commands.includes('cgroupForensics.revealCgroup')) return;
      await vscode.commands.executeCommand('cgroupForensics.revealCgroup', { nodeId, ref: { hierarchy, path } });
    },
  };

  const withProgress = <T>(title: string, work: (signal: AbortSignal, report: (m: string) => void) => Promise<T>): Thenable<T> =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      return work(controller.signal, (message) => progress.report({ message })).finally(() => sub.dispose());
    });

  const localSource: FlameSource = {
    id: LOCAL_ID,
    label: 'This machine',
    async rescan() {
      const r = await withProgress('Cgroup Forensics: scanning this machine', (signal, report) =>
        takeSnapshot(new LocalTransport(), { signal, logger: log, onProgress: (p) => report(`${p.cgroups} cgroups (${p.hierarchy})`) }),
      );
      if (!r.ok) {
        if (r.error.code === 'cancelled') return undefined;
        throw new Error(r.error.message);
      }
      return r.value;
    },
  };

  const nodeSource = (n: FlameNodes, id: string): FlameSource => ({
    id,
    label: n.spec(id)?.label ?? id,
    async rescan() {
      const s = await withProgress(`Cgroup Forensics: scanning ${n.spec(id)?.label ?? id}`, (signal, report) => n.refresh(id, signal, report));
      if (s.status === 'failed') throw new Error(s.reason ?? 'the scan failed');
      return s.view?.snapshot;
    },
  });

  /** The open panel of a source, or a new one; a node's later snapshots follow it there. */
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
    const subs: vscode.Disposable[] = [];
    if (nodes && source !== localSource) {
      subs.push(
        nodes.onDidChange((id) => {
          if (id !== undefined && id !== source.id) return;
          const s = nodes.state(source.id).view?.snapshot;
          if (s) p.setSnapshot(s);
        }),
      );
    }
    p.onDidDispose(() => {
      for (const s of subs) s.dispose();
      if (panels.get(source.id) === p) panels.delete(source.id);
    });
    return p;
  };

  /**
   * Opens (or reveals) the view for a tree element's node, else for this machine. With the Nodes
   * tree's manager, this machine is its "local" node too, so the tree and the view share one
   * snapshot (and a cell can be revealed in the tree); without it, the view scans on its own.
   */
  const open = async (arg?: unknown): Promise<FlamePanel | undefined> => {
    const target = treeTarget(arg) ?? (nodes?.spec(LOCAL_ID) ? { nodeId: LOCAL_ID } : undefined);
    if (target && nodes && nodes.spec(target.nodeId)) {
      const source = nodeSource(nodes, target.nodeId);
      const snapshot = nodes.state(target.nodeId).view?.snapshot ?? (await source.rescan());
      if (!snapshot) return undefined;
      const p = panelFor(source);
      p.setSnapshot(snapshot);
      if (target.hierarchy !== undefined) p.focus(target.hierarchy, target.path ?? '/');
      return p;
    }
    const snapshot = panels.get(LOCAL_ID)?.snapshot() ?? (await localSource.rescan());
    if (!snapshot) return undefined;
    const p = panelFor(localSource);
    p.setSnapshot(snapshot);
    if (target?.hierarchy !== undefined) p.focus(target.hierarchy, target.path ?? '/');
    return p;
  };

  const guarded =
    (fn: (arg?: unknown) => Promise<unknown>) =>
    async (arg?: unknown): Promise<unknown> => {
      try {
        return await fn(arg);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        log.error(`flame view: ${message}`);
        void vscode.window.showErrorMessage(`Cgroup Forensics: ${message}`, 'Show Log').then((c) => {
          if (c === 'Show Log') log.show(true);
        });
        return undefined;
      }
    };

  context.subscriptions.push(
    vscode.commands.registerCommand('cgroupForensics.openFlameView', guarded(open)),
    // The tree's "Show in flame view": the same, with the cgroup focused.
    vscode.commands.registerCommand('cgroupForensics.showInFlameView', guarded(open)),
    vscode.window.registerWebviewPanelSerializer(FLAME_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        // The snapshot is not persisted (it can be large and goes stale): scan the same source again.
        const sourceId = typeof (state as { source?: unknown } | undefined)?.source === 'string' ? (state as { source: string }).source : LOCAL_ID;
        const source = nodes && nodes.spec(sourceId) ? nodeSource(nodes, sourceId) : localSource;
        const p = panelFor(source, panel);
        const snapshot = (nodes && source !== localSource ? nodes.state(sourceId).view?.snapshot : undefined) ?? (await guarded(() => source.rescan())());
        if (snapshot) p.setSnapshot(snapshot as Snapshot);
      },
    }),
    { dispose: () => [...panels.values()].forEach((p) => p.dispose()) },
  );
  return {
    async openWithBaseline(nodeId, baseline) {
      const p = await open({ nodeId });
      if (p) await p.setBaseline(baseline);
      return p;
    },
  };
}
