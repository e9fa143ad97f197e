import * as vscode from 'vscode';
import { displayOf } from '../../core/model/bytes';
import { UserError, withCancellableProgress } from '../commandWrapper';
import { shownState, type ConnectedState, type NodeManager } from '../nodes/nodeManager';
import type { CgroupElement, NodesElement } from '../tree/elements';

/** A node id from a tree element (any element under a node) or undefined. */
export function nodeIdOf(arg: unknown): string | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const e = arg as Partial<NodesElement> & { nodeId?: unknown; parentId?: unknown };
  if (typeof e.nodeId === 'string') return e.nodeId;
  return undefined;
}

export function isCgroupElement(arg: unknown): arg is CgroupElement {
  return !!arg && typeof arg === 'object' && (arg as { type?: unknown }).type === 'cgroup';
}

/** The node a command is about: from the tree, else a quick pick (connected nodes first). */
export async function pickNode(nodes: NodeManager, arg: unknown, placeHolder = 'Which node?'): Promise<string> {
  const fromTree = nodeIdOf(arg);
  if (fromTree) return fromTree;
  const specs = nodes.nodes();
  const order = (id: string): number => (nodes.state(id).status === 'connected' ? 0 : 1);
  const items = [...specs].sort((a, b) => order(a.id) - order(b.id)).map((s) => ({
    label: s.label,
    description: nodes.state(s.id).status === 'disconnected' ? '' : nodes.state(s.id).status,
    id: s.id,
  }));
  if (items.length === 1) return items[0]!.id;
  const picked = await vscode.window.showQuickPick(items, { placeHolder, ignoreFocusOut: true });
  if (!picked) throw new vscode.CancellationError();
  return picked.id;
}

/**
 * The snapshot of a node, connecting and scanning first when there is none. While a refresh runs,
 * the snapshot shown meanwhile serves (starting another would abort the running one).
 */
export async function ensureSnapshot(nodes: NodeManager, nodeId: string): Promise<ConnectedState> {
  const shown = shownState(nodes.state(nodeId));
  if (shown) return shown;
  let state = nodes.state(nodeId);
  if (state.status !== 'connected') {
    const label = nodes.label(nodeId);
    state = await withCancellableProgress(`Cgroup Forensics: connecting to ${label}`, (signal, report) => nodes.refresh(nodeId, signal, report));
  }
  if (state.status === 'failed') throw new UserError(`${nodes.label(nodeId)}: ${state.reason}`);
  if (state.status !== 'connected') throw new vscode.CancellationError();
  return state;
}

/** The cgroup a command is about: from the tree, else node, hierarchy and cgroup quick picks. */
export async function pickCgroup(nodes: NodeManager, arg: unknown): Promise<CgroupElement> {
  if (isCgroupElement(arg)) return arg;
  const nodeId = await pickNode(nodes, arg);
  const { view } = await ensureSnapshot(nodes, nodeId);
  const hs = view.snapshot.hierarchies.filter((h) => h.tree.size > 1);
  if (hs.length === 0) throw new UserError('the node has no cgroups below its hierarchy roots');
  const hPick =
    hs.length === 1
      ? hs[0]!
      : (await vscode.window.showQuickPick(hs.map((h) => ({ label: h.name, description: `${h.tree.size} cgroups`, h })), { placeHolder: 'Which hierarchy?', ignoreFocusOut: true }))?.h;
  if (!hPick) throw new vscode.CancellationError();
  const t = hPick.tree;
  const ids = view.identities(hPick.name);
  const limit = Math.min(t.size, 20_000);
  const items: (vscode.QuickPickItem & { path: string })[] = [];
  for (let i = 1; i < limit; i++) {
    const path = t.path(i);
    const k = ids[i]?.k8s;
    items.push({ label: displayOf(path), description: k ? `${k.role}${k.podUid ? ` ${k.podUid}` : ''}` : '', path });
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder: `Which cgroup of ${hPick.name}?`, matchOnDescription: true, ignoreFocusOut: true });
  if (!picked) throw new vscode.CancellationError();
  return { type: 'cgroup', nodeId, hierarchy: hPick.name, path: picked.path };
}
