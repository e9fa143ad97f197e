import * as vscode from 'vscode';
import { summarize } from '../../core/analysis/summary';
import { renderSummaryText } from '../../core/report/summaryText';
import { withCancellableProgress } from '../commandWrapper';
import type { GeneratedDocuments } from '../documents/generatedDocuments';
import { forgetCredentials } from '../nodes/credentialPrompt';
import type { NodeManager } from '../nodes/nodeManager';
import { parseDestination, snapshotNodeId, sshNodeId, type NodeSpec } from '../nodes/nodeSpec';
import type { NodesTreeProvider } from '../tree/nodesTree';
import type { NodesElement } from '../tree/elements';
import { ensureSnapshot, pickNode } from './pick';

/** The handlers of the node commands (registered in registerCommands.ts): adding, connecting and removing nodes. */
export function nodeCommands(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, nodes: NodeManager, tree: NodesTreeProvider, documents: GeneratedDocuments, nodesView: Pick<vscode.TreeView<NodesElement>, 'reveal'>) {
  const addNode = async (kindArg?: unknown, valueArg?: unknown) => {
    const choices: (vscode.QuickPickItem & { nodeKind: 'ssh' | 'snapshot' })[] = [
      { label: '$(remote) SSH host', description: 'an alias of your ssh config, or [user@]host', nodeKind: 'ssh' },
      { label: '$(file) Snapshot file', description: 'saved with `cgroup-forensics scan --json`', nodeKind: 'snapshot' },
    ];
    const kind = kindArg === 'ssh' || kindArg === 'snapshot' ? kindArg : (await vscode.window.showQuickPick(choices, { placeHolder: 'Add a node', ignoreFocusOut: true }))?.nodeKind;
    if (!kind) return;
    let spec: NodeSpec;
    if (kind === 'ssh') {
      const text =
        typeof valueArg === 'string'
          ? valueArg
          : await vscode.window.showInputBox({
              prompt: 'SSH destination: an alias of your ssh config, or [user@]host (ports and keys go in the ssh config)',
              placeHolder: 'root@node-1.example.com',
              ignoreFocusOut: true,
              validateInput: (v) => (parseDestination(v) ? undefined : 'Not a destination: [user@]host, letters, digits, . _ - only'),
            });
      if (text === undefined) return;
      if (!parseDestination(text)) throw new Error(`not an ssh destination: ${text}`);
      const destination = text.trim();
      spec = { kind: 'ssh', id: sshNodeId(destination), label: destination, destination, origin: 'user' };
    } else {
      const file =
        typeof valueArg === 'string'
          ? vscode.Uri.file(valueArg)
          : (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Cgroup Forensics snapshot': ['json'] }, openLabel: 'Add snapshot' }))?.[0];
      if (!file) return;
      spec = { kind: 'snapshot', id: snapshotNodeId(file.fsPath), label: file.path.slice(file.path.lastIndexOf('/') + 1), file: file.fsPath };
    }
    await nodes.addNode(spec);
    log.info(`added node ${spec.label}`);
    // Connect at once: adding a node is asking to see it. A failure stays on its row (with a
    // Reconnect leaf) and is said here too, in full; a cancel leaves it added, not connected.
    try {
      const state = await withCancellableProgress(`Cgroup Forensics: connecting to ${spec.label}`, (signal, report) => nodes.refresh(spec.id, signal, report));
      if (state.status === 'failed') void vscode.window.showErrorMessage(`Cgroup Forensics: ${spec.label} was added but could not be read: ${state.reason}`, 'Show Log').then((c) => c && log.show());
    } catch (e) {
      if (!(e instanceof vscode.CancellationError)) throw e;
    }
    // The result where it is: the new row selected and open (its hierarchies, or why it failed),
    // even when Add Node came from the palette with the Nodes view closed. Not revealed is not a
    // failure of Add Node: the node is added and connected either way.
    await nodesView.reveal({ type: 'node', nodeId: spec.id }, { select: true, focus: false, expand: true }).then(undefined, (e: unknown) => log.warn(`added node ${spec.label} not revealed: ${e instanceof Error ? e.message : String(e)}`));
    return spec.id;
  };

  /**
   * Removes a node you added, after a modal saying what goes with it (the same for every kind):
   * its row and connection, what this machine keeps about it (snapshots, trend samples), an SSH
   * node's saved password or passphrase. `{ confirmed: true }` as the second argument skips the
   * modal (scripts, tests). Nodes of the ssh config stay listed, and so does their data.
   */
  const removeNode = async (arg?: unknown, opts?: unknown) => {
    const id = await pickNode(nodes, arg, 'Remove which node?');
    const spec = nodes.spec(id);
    if (!spec || spec.kind === 'local' || !nodes.userNodes().some((n) => n.id === id)) return;
    const kept = await nodes.keptDataOf(id);
    if ((opts as { confirmed?: unknown } | undefined)?.confirmed !== true) {
      const answer = await vscode.window.showWarningMessage(`Remove ${spec.label} from the Nodes view?`, { modal: true, detail: removalDetail(spec, kept) }, 'Remove');
      if (answer !== 'Remove') return;
    }
    await nodes.removeNode(id);
    await nodes.forgetKeptData(id);
    if (spec.kind === 'ssh') await forgetCredentials(context.secrets, spec.destination);
    log.info(`${spec.label}: removed${kept.length ? `, with ${kept.join(', ')}` : ''}`);
  };

  const connect = async (arg?: unknown) => {
    const id = await pickNode(nodes, arg, 'Connect to which node?');
    const label = nodes.label(id);
    const state = await withCancellableProgress(`Cgroup Forensics: ${label}`, (signal, report) => nodes.refresh(id, signal, report));
    // A failure is shown where it belongs, as a leaf under the node; here only one quiet line.
    if (state.status === 'failed') vscode.window.setStatusBarMessage(`Cgroup Forensics: ${label} failed: ${state.reason}`, 5000);
    return state.status;
  };

  const refresh = async (arg?: unknown) => {
    const id = await pickNode(nodes, arg, 'Refresh which node?');
    const label = nodes.label(id);
    const state = await withCancellableProgress(`Cgroup Forensics: refreshing ${label}`, (signal, report) => nodes.refresh(id, signal, report));
    return state.status;
  };

  const disconnect = async (arg?: unknown) => {
    const id = await pickNode(nodes, arg, 'Disconnect which node?');
    nodes.disconnect(id);
  };

  const loadMore = (arg?: unknown) => {
    const e = arg as NodesElement | undefined;
    if (e?.type === 'more') tree.loadMore(e);
  };

  const showLog = () => log.show();

  const scanLocal = async (arg?: unknown) => {
    const id = await pickNode(nodes, arg ?? { nodeId: 'local' });
    const { view } = await ensureSnapshot(nodes, id);
    await documents.show({ node: nodes.label(id), name: 'summary.txt', content: renderSummaryText(summarize(view.snapshot)), language: 'plaintext' }, { preview: true });
  };

  return { addNode, removeNode, connect, refresh, disconnect, loadMore, showLog, scanLocal };
}

/** What Remove Node's modal says goes with a node, and what stays (nothing on the node is touched). */
export function removalDetail(spec: NodeSpec, kept: readonly string[]): string {
  const gone = [
    spec.kind === 'ssh' ? `its connection (ssh ${spec.destination}) is closed` : spec.kind === 'snapshot' ? 'its snapshot is closed' : '',
    kept.length ? `kept on this machine for it and deleted: ${kept.join(', ')}` : 'nothing is kept on this machine for it',
    spec.kind === 'ssh' ? 'a password or passphrase saved for it is forgotten' : '',
  ].filter(Boolean);
  const stays = spec.kind === 'snapshot' ? `The file ${spec.file} stays.` : 'Nothing on the node is touched.';
  return `${gone.map((g) => `${g[0]!.toUpperCase()}${g.slice(1)}.`).join(' ')} ${stays} Add Node… brings it back.`;
}
