import * as vscode from 'vscode';
import type { Snapshot } from '../../core/model/snapshot';
import { formatBytes } from '../../core/report/format';
import { renderDiffText } from '../../core/trends/diffText';
import { diffSnapshots, type SnapshotDiff } from '../../core/trends/snapshotDiff';
import { UserError } from '../commandWrapper';
import type { KeptSnapshots } from '../flame/flamePanel';
import type { FlamePanel } from '../flame/flamePanel';
import type { FlameViewApi } from '../flame/registerFlameView';
import type { NodeManager } from '../nodes/nodeManager';
import { SnapshotStore, type StoredSnapshot } from '../nodes/snapshotStore';
import { readSettings } from '../settings';
import { ensureSnapshot, pickNode } from './pick';

export const DIFF_SCHEME = 'cgroup-forensics-diff';

/** The store under the extension's global storage, bounded by the snapshots.* settings (read at each save). */
export function createSnapshotStore(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): SnapshotStore {
  return new SnapshotStore(vscode.Uri.joinPath(context.globalStorageUri, 'snapshots').fsPath, () => {
    const s = readSettings();
    return { keep: s.snapshotsKeep, maxBytes: s.snapshotsMaxBytes };
  }, log);
}

/** The store as the flame view's baseline picker sees it. */
export function keptSnapshotsOf(store: SnapshotStore): KeptSnapshots {
  return {
    list: (nodeId) => store.list(nodeId),
    async load(nodeId, takenAt) {
      const entry = (await store.list(nodeId)).find((e) => e.takenAt === takenAt);
      if (!entry) throw new Error(`the snapshot of ${new Date(takenAt).toISOString()} is no longer kept`);
      const r = await store.load(entry);
      if (!r.ok) throw new Error(`cannot read the kept snapshot: ${r.error}`);
      return r.snapshot;
    },
  };
}

/** Read-only documents holding the text summaries of compares (content providers are read-only). */
class DiffDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private n = 0;

  put(text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: DIFF_SCHEME, path: `/compare-${++this.n}.txt` });
    this.texts.set(uri.toString(), text);
    // A long session keeps only the recent summaries.
    for (const k of [...this.texts.keys()].slice(0, Math.max(0, this.texts.size - 20))) this.texts.delete(k);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '(this summary is no longer kept: run Compare with Earlier Snapshot again)';
  }
}

/** What compareWithSnapshot resolves with (the extension-host tests read it). */
export interface CompareResult {
  nodeId: string;
  baseline: Snapshot;
  current: Snapshot;
  diff: SnapshotDiff;
  /** The read-only text summary. */
  summary: vscode.Uri;
  panel: FlamePanel | undefined;
}

function optionsOf(arg: unknown): Record<string, unknown> {
  return arg && typeof arg === 'object' ? (arg as Record<string, unknown>) : {};
}

/**
 * Keeping snapshots and comparing with them:
 * - every refresh of a live node that ends 'connected' is saved in the background;
 * - cgroupForensics.compareWithSnapshot(node?, { takenAt?: number }): the flame view of the node in
 *   compare mode against a kept snapshot, and a text summary of the differences. Without a node
 *   the node is picked; without takenAt (epoch ms, as SnapshotStore.list gives) the snapshot is.
 * - cgroupForensics.deleteSnapshots(node?, { confirmed?: true }): removes a node's kept snapshots
 *   after a modal confirmation, which `confirmed: true` skips (for scripts and tests).
 * Returns the commands' handlers (registered in registerCommands.ts).
 */
export function snapshotCommands(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  nodes: NodeManager,
  store: SnapshotStore,
  flame: FlameViewApi,
  /** The store changed for a node (the node row's menus follow whether it has kept snapshots). */
  storeChanged: (nodeId: string) => void = () => undefined,
) {
  const docs = new DiffDocuments();
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, docs),
    // Kept snapshots go with a removed node (Remove Node names them first).
    nodes.registerKeptData({
      describe: async (id) => {
        const n = (await store.list(id)).length;
        return n ? `${n} kept snapshot${n === 1 ? '' : 's'}` : undefined;
      },
      forget: async (id) => {
        await store.deleteAll(id);
        storeChanged(id);
      },
    }),
    nodes.onDidScan(({ id, snapshot }) => {
      // A snapshot-file node re-reads its own file: nothing new to keep.
      if (nodes.spec(id)?.kind === 'snapshot') return;
      // Off the refresh's path: the tree updates first, the file is written afterwards.
      setImmediate(() => {
        store
          .save(id, snapshot)
          .then(() => storeChanged(id))
          .catch((e: unknown) => log.warn(`snapshots: keeping ${id} failed: ${e instanceof Error ? e.message : String(e)}`));
      });
    }),
  );


  const compareWithSnapshot = async (arg?: unknown, opts?: unknown): Promise<CompareResult> => {
    const nodeId = await pickNode(nodes, arg, 'Compare which node with an earlier snapshot?');
    const current = (await ensureSnapshot(nodes, nodeId)).view.snapshot;
    const kept = (await store.list(nodeId)).filter((e) => e.takenAt !== current.takenAt);
    if (kept.length === 0) throw new UserError(`no earlier snapshot of ${nodes.label(nodeId)} is kept yet: each refresh keeps one (setting cgroupForensics.snapshots.keep)`);
    const want = optionsOf(opts).takenAt;
    let entry: StoredSnapshot | undefined;
    if (typeof want === 'number') {
      entry = kept.find((e) => e.takenAt === want);
      if (!entry) throw new UserError(`no kept snapshot of ${nodes.label(nodeId)} was taken at ${new Date(want).toISOString()}`);
    } else {
      const items = kept.map((e) => ({
        label: new Date(e.takenAt).toLocaleString(),
        description: `${e.cgroups} cgroups · ${formatBytes(e.bytes)}`,
        entry: e,
      }));
      entry = (await vscode.window.showQuickPick(items, { placeHolder: `Compare ${nodes.label(nodeId)} now with…`, ignoreFocusOut: true }))?.entry;
      if (!entry) throw new vscode.CancellationError();
    }
    const chosen = entry;
    // Reading back and diffing 100,000 cgroups takes a second or two: say so meanwhile.
    const { baseline, diff } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Cgroup Forensics: comparing ${nodes.label(nodeId)} with its snapshot of ${new Date(chosen.takenAt).toLocaleString()}` }, async () => {
      const loaded = await store.load(chosen);
      if (!loaded.ok) throw new UserError(`the kept snapshot cannot be read (see the log): ${loaded.error}`);
      return { baseline: loaded.snapshot, diff: diffSnapshots(loaded.snapshot, current) };
    });
    const text = `${nodes.label(nodeId)}: the snapshot kept at ${new Date(baseline.takenAt).toLocaleString()} compared with the one shown now\n\n${renderDiffText(diff)}`;
    const panel = await flame.openWithBaseline(nodeId, baseline);
    const summary = docs.put(text);
    const doc = await vscode.workspace.openTextDocument(summary);
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false, preserveFocus: true });
    log.info(`compared ${nodes.label(nodeId)} with its snapshot of ${new Date(baseline.takenAt).toISOString()}`);
    return { nodeId, baseline, current, diff, summary, panel };
  };

  const deleteSnapshots = async (arg?: unknown, opts?: unknown): Promise<number | undefined> => {
    const nodeId = await pickNode(nodes, arg, 'Delete the kept snapshots of which node?');
    const kept = await store.list(nodeId);
    if (kept.length === 0) {
      void vscode.window.showInformationMessage(`Cgroup Forensics: no snapshot of ${nodes.label(nodeId)} is kept.`);
      return 0;
    }
    if (optionsOf(opts).confirmed !== true) {
      const bytes = kept.reduce((a, e) => a + e.bytes, 0);
      const choice = await vscode.window.showWarningMessage(
        `Delete the ${kept.length} kept snapshot(s) of ${nodes.label(nodeId)}?`,
        { modal: true, detail: `${formatBytes(bytes)}, from ${new Date(kept[kept.length - 1]!.takenAt).toLocaleString()} to ${new Date(kept[0]!.takenAt).toLocaleString()}. Compare with Earlier Snapshot will have only the snapshots taken from now on.` },
        'Delete',
      );
      if (choice !== 'Delete') return undefined;
    }
    const n = await store.deleteAll(nodeId);
    storeChanged(nodeId);
    void vscode.window.showInformationMessage(`Cgroup Forensics: deleted ${n} kept snapshot(s) of ${nodes.label(nodeId)}.`);
    return n;
  };

  return { compareWithSnapshot, deleteSnapshots };
}
