import * as vscode from 'vscode';
import { displayOf } from '../../core/model/bytes';
import { layoutOf } from '../../core/model/snapshot';
import { isOrphan } from '../../core/analysis/orphanVerdict';
import type { FindingItem } from '../findings/finding';
import { shownState, type NodeManager, type NodeState } from '../nodes/nodeManager';
import type { NodeSpec } from '../nodes/nodeSpec';
import { sshNodeId } from '../nodes/nodeSpec';
import { sshConfigHosts } from '../nodes/sshConfigHosts';
import { ClusterEntry } from '../kube/clusterEntry';
import type { SnapshotView } from '../nodes/snapshotView';
import { readSettings } from '../settings';
import { cgroupLabel } from '../../core/model/cgroupLabel';
import type { CgroupTree } from '../../core/model/cgroupTree';
import { subtreeSums } from '../../core/model/subtreeSums';
import { KIND_ICONS, cgroupTooltip, identityShort, keyStat, kindOf } from './cgroupPresentation';
import { podNameOf } from './podNames';
import { elementId, joinPath, parentPath, type NodesElement } from './elements';
import { nodeContextValue, type NodeFlag } from './nodeContextValue';
import { Commands, type CommandCall } from '../commands/commandIds';
import { commandOf, executeCommand, treeItemCommand } from '../commands/executeCommand';

/** A part of a node's state another feature keeps (trend sampling, kept snapshots): flags of the node row's context value. */
export interface NodeFlagSource {
  flags(nodeId: string): readonly NodeFlag[];
  readonly onDidChange: vscode.Event<unknown>;
}

/**
 * The Nodes view: this machine, nodes the user added, and on demand the hosts of ~/.ssh/config.
 * Children are computed only when expanded; a wide level shows a page and a "load more" leaf.
 */
export class NodesTreeProvider implements vscode.TreeDataProvider<NodesElement>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<NodesElement | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  /** How many children are shown per expanded level, keyed by the parent's id. */
  private readonly shown = new Map<string, number>();
  private readonly findingIndex = new WeakMap<FindingItem[], Map<string, FindingItem[]>>();
  /** Each tree's processes summed over subtrees, computed once per snapshot. */
  private readonly procsSubtree = new WeakMap<CgroupTree, Float64Array>();
  private readonly sub: vscode.Disposable;
  private readonly flagSources: NodeFlagSource[] = [];

  private readonly cluster: ClusterEntry;

  constructor(private readonly nodes: NodeManager) {
    this.cluster = new ClusterEntry(nodes, () => this.emitter.fire(undefined));
    this.sub = nodes.onDidChange(() => this.emitter.fire(undefined));
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  /** Adds flags to node rows' context values (menus follow them); the rows update when the source changes. */
  addNodeFlags(source: NodeFlagSource): vscode.Disposable {
    this.flagSources.push(source);
    const sub = source.onDidChange(() => this.emitter.fire(undefined));
    return new vscode.Disposable(() => {
      sub.dispose();
      this.flagSources.splice(this.flagSources.indexOf(source), 1);
    });
  }

  /** Shows another page of the level a "load more" leaf belongs to. */
  loadMore(e: Extract<NodesElement, { type: 'more' }>): void {
    const key = parentKey(e.nodeId, e.hierarchy, e.parentPath);
    this.shown.set(key, e.shown + readSettings().pageSize);
    this.emitter.fire(undefined);
  }

  getTreeItem(e: NodesElement): vscode.TreeItem {
    switch (e.type) {
      case 'node':
        return this.nodeItem(e.nodeId);
      case 'sshConfig': {
        const item = new vscode.TreeItem('SSH config hosts', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = elementId(e);
        item.iconPath = new vscode.ThemeIcon('remote-explorer');
        item.tooltip = `Hosts of ${readSettings().sshConfigPath || '~/.ssh/config'}: expand to list them, connect one at a time.`;
        item.contextValue = 'sshConfig';
        return item;
      }
      case 'cluster':
        return this.cluster.item();
      case 'message': {
        const item = new vscode.TreeItem(e.text, vscode.TreeItemCollapsibleState.None);
        item.id = elementId(e);
        item.tooltip = e.text;
        const icons = { info: 'info', error: 'error', progress: 'loading~spin', warning: 'warning', action: 'debug-restart' } as const;
        item.iconPath = new vscode.ThemeIcon(icons[e.tone], e.tone === 'error' ? new vscode.ThemeColor('errorForeground') : undefined);
        item.contextValue = `message+${e.tone}`;
        if (e.command) item.command = commandOf(e.command, e.text);
        return item;
      }
      case 'hierarchy':
        return this.hierarchyItem(e);
      case 'cgroup':
        return this.cgroupItem(e);
      case 'more': {
        const item = new vscode.TreeItem(`Load more (${e.total - e.shown} not shown)`, vscode.TreeItemCollapsibleState.None);
        item.id = elementId(e);
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = treeItemCommand('Load more', Commands.loadMore, e);
        item.contextValue = 'loadMore';
        return item;
      }
    }
  }

  async getChildren(e?: NodesElement): Promise<NodesElement[]> {
    if (!e) {
      const top: NodesElement[] = this.nodes.nodes().map((n) => ({ type: 'node', nodeId: n.id }));
      top.push({ type: 'sshConfig' });
      const cluster = await this.cluster.row();
      if (cluster) top.push(cluster);
      return top;
    }
    switch (e.type) {
      case 'sshConfig':
        return this.sshConfigChildren();
      case 'cluster':
        return this.cluster.children();
      case 'node':
        return this.nodeChildren(e.nodeId);
      case 'hierarchy':
        return this.cgroupChildren(e.nodeId, e.hierarchy, '/');
      case 'cgroup':
        return this.cgroupChildren(e.nodeId, e.hierarchy, e.path);
      default:
        return [];
    }
  }

  getParent(e: NodesElement): NodesElement | undefined {
    switch (e.type) {
      case 'node': {
        const spec = this.nodes.spec(e.nodeId);
        const listed = this.nodes.nodes().some((n) => n.id === e.nodeId);
        if (spec?.kind === 'kube') return { type: 'cluster' };
        return spec && !listed ? { type: 'sshConfig' } : undefined;
      }
      case 'sshConfig':
      case 'cluster':
        return undefined;
      case 'message':
        return undefined;
      case 'hierarchy':
        return { type: 'node', nodeId: e.nodeId };
      case 'cgroup': {
        const p = parentPath(e.path);
        return p === '/' ? { type: 'hierarchy', nodeId: e.nodeId, hierarchy: e.hierarchy } : { type: 'cgroup', nodeId: e.nodeId, hierarchy: e.hierarchy, path: p };
      }
      case 'more':
        return e.parentPath === '/' ? { type: 'hierarchy', nodeId: e.nodeId, hierarchy: e.hierarchy } : { type: 'cgroup', nodeId: e.nodeId, hierarchy: e.hierarchy, path: e.parentPath };
    }
  }

  private async sshConfigChildren(): Promise<NodesElement[]> {
    let hosts: string[];
    try {
      hosts = await sshConfigHosts(readSettings().sshConfigPath);
    } catch (err) {
      return [{ type: 'message', parentId: 'ssh-config', key: 'error', tone: 'error', text: `Cannot read the ssh config: ${err instanceof Error ? err.message : String(err)}` }];
    }
    const added = new Set(this.nodes.nodes().map((n) => n.id));
    const out: NodesElement[] = [];
    for (const host of hosts) {
      const spec: NodeSpec = { kind: 'ssh', id: sshNodeId(host), label: host, destination: host, origin: 'ssh-config' };
      if (added.has(spec.id)) continue;
      this.nodes.remember(spec);
      out.push({ type: 'node', nodeId: spec.id });
    }
    if (out.length === 0) out.push({ type: 'message', parentId: 'ssh-config', key: 'none', tone: 'info', text: hosts.length ? 'All hosts are already in the list' : 'No hosts in the ssh config' });
    return out;
  }

  private nodeItem(nodeId: string): vscode.TreeItem {
    const spec = this.nodes.spec(nodeId);
    const state = this.nodes.state(nodeId);
    const item = new vscode.TreeItem(spec?.label ?? nodeId, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = elementId({ type: 'node', nodeId });
    const base = spec?.kind === 'local' ? 'vm' : spec?.kind === 'snapshot' ? 'file' : spec?.kind === 'kube' ? 'server' : 'remote';
    item.iconPath = new vscode.ThemeIcon(
      state.status === 'connecting' ? 'loading~spin' : state.status === 'failed' ? 'error' : base,
      state.status === 'connected' ? new vscode.ThemeColor('testing.iconPassed') : state.status === 'failed' ? new vscode.ThemeColor('errorForeground') : undefined,
    );
    item.description = stateText(state);
    const lines = [spec?.kind === 'ssh' ? `ssh ${spec.destination}` : spec?.kind === 'snapshot' ? `snapshot file ${spec.file}` : spec?.kind === 'kube' ? `a pod on node ${spec.node} (kube context ${displayOf(spec.context)})` : 'this machine (local processes)'];
    const shown = shownState(state);
    if (shown) {
      const s = shown.view.snapshot;
      if (s.node.hostname) lines.push(`host: ${displayOf(s.node.hostname)}`);
      if (s.node.kernel) lines.push(`kernel: ${s.node.kernel}`);
      lines.push(`layout: ${layoutOf(s)}`, `snapshot: ${new Date(s.takenAt).toLocaleString()}`);
    } else if (state.status === 'failed') lines.push(`failed: ${state.reason}`);
    item.tooltip = lines.join('\n');
    const removable = !!spec && spec.kind !== 'local' && this.nodes.userNodes().some((n) => n.id === nodeId);
    item.contextValue = nodeContextValue(spec?.kind ?? 'unknown', state.status, new Set(this.flagSources.flatMap((f) => f.flags(nodeId))), removable);
    return item;
  }

  private nodeChildren(nodeId: string): NodesElement[] {
    const state = this.nodes.state(nodeId);
    const msg = (key: string, tone: Extract<NodesElement, { type: 'message' }>['tone'], text: string, command?: CommandCall): NodesElement => ({
      type: 'message',
      parentId: nodeId,
      key,
      tone,
      text,
      ...(command ? { command } : {}),
    });
    switch (state.status) {
      case 'disconnected':
        // Disconnected by the user: it stays so (a refresh of the view re-expands it) until asked.
        if (state.byUser) return [msg('state', 'info', 'Disconnected'), msg('connect', 'action', 'Connect', { id: Commands.connect, args: [{ type: 'node', nodeId }] })];
        // Expanding a node never connected is the user asking to see it: connect now.
        void executeCommand(Commands.connect, { type: 'node', nodeId });
        return [msg('state', 'progress', 'Connecting…')];
      case 'connecting':
        if (state.previous) return this.snapshotChildren(nodeId, state.previous.view, msg);
        return [msg('state', 'progress', `${state.message[0]!.toUpperCase()}${state.message.slice(1)}…`)];
      case 'failed':
        return [msg('state', 'error', `Failed: ${state.reason}`), msg('retry', 'action', 'Reconnect', { id: Commands.connect, args: [{ type: 'node', nodeId }] })];
      case 'connected':
        return this.snapshotChildren(nodeId, state.view, msg);
    }
  }

  private snapshotChildren(nodeId: string, view: SnapshotView, msg: (key: string, tone: 'warning' | 'info', text: string) => NodesElement): NodesElement[] {
    const s = view.snapshot;
    const out: NodesElement[] = s.warnings.map((w, k) => msg(`warning${k}`, 'warning', displayOf(w)));
    if (s.hierarchies.length === 0) out.push(msg('empty', 'info', 'No cgroup hierarchy found'));
    for (const h of s.hierarchies) out.push({ type: 'hierarchy', nodeId, hierarchy: h.name });
    return out;
  }

  private hierarchyItem(e: Extract<NodesElement, { type: 'hierarchy' }>): vscode.TreeItem {
    const view = this.viewOf(e.nodeId);
    const h = view?.hierarchy(e.hierarchy);
    const item = new vscode.TreeItem(e.hierarchy, h && h.tree.size > 1 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = elementId(e);
    item.iconPath = new vscode.ThemeIcon('type-hierarchy');
    item.contextValue = 'hierarchy';
    if (h) {
      const dying = h.kind === 'v2' ? h.tree.stat('nrDying', 0) : NaN;
      item.description = [h.kind === 'v2' ? 'cgroup2' : 'v1', `${h.tree.size} cgroups`, dying > 0 ? `${dying} dying` : ''].filter(Boolean).join(' · ');
      item.tooltip = [
        `${h.name} (${h.kind === 'v2' ? 'cgroup v2' : `cgroup v1: ${h.controllers.join(', ')}`})`,
        `mounted at ${displayOf(h.mountPoint)}`,
        `walked from ${displayOf(h.walkRoot)}`,
        `${h.tree.size} cgroups`,
        ...(dying > 0 ? [`${dying} dying cgroups (removed, not yet freed by the kernel)`] : []),
        ...h.bounds.map((b) => `the walk stopped at the ${b.bound} bound (${b.limit})`),
        ...(h.vanished.length ? [`${h.vanished.length} cgroups vanished during the walk`] : []),
      ].join('\n');
    }
    return item;
  }

  private cgroupItem(e: Extract<NodesElement, { type: 'cgroup' }>): vscode.TreeItem {
    const state = this.nodes.state(e.nodeId);
    const shown = shownState(state);
    const view = shown?.view;
    const h = view?.hierarchy(e.hierarchy);
    const i = h?.tree.find(e.path);
    const name = e.path.slice(e.path.lastIndexOf('/') + 1);
    if (!view || !h || i === undefined) {
      const gone = new vscode.TreeItem(displayOf(name), vscode.TreeItemCollapsibleState.None);
      gone.id = elementId(e);
      gone.description = 'gone in this snapshot';
      gone.iconPath = new vscode.ThemeIcon('circle-slash');
      return gone;
    }
    const t = h.tree;
    const id = view.identities(h.name)[i];
    const kind = kindOf(id);
    const findings = shown ? this.findingsAt(shown.findings, h.name, e.path) : [];
    const children = t.children(i).length;
    // Kind and short identity first ("pod 2c3d4e5f… burstable"): a narrow side bar cuts the
    // full name (kubepods-burstable-pod2c3d4e5f_6071_….slice) before the part that tells pods apart.
    const label = cgroupLabel(id, name, podNameOf(shown?.kube));
    const fullName = displayOf(name);
    const item = new vscode.TreeItem(label, children ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = elementId(e);
    const dying = t.stat('nrDying', i);
    const orphan = findings.some((f) => isOrphan(f.core));
    const procs = this.procsSubtree.get(t) ?? subtreeSums(t, 'procs');
    this.procsSubtree.set(t, procs);
    const desc = [
      orphan ? 'orphan' : '',
      keyStat(h, i, readSettings().treeStat, procs[i]),
      label === fullName ? identityShort(id) : '',
      dying > 0 ? `${dying} dying` : '',
      children ? cgroupsBelow(view.descendants(h.name)[i]!) : '',
      label === fullName ? '' : fullName,
    ];
    item.description = desc.filter(Boolean).join(' · ');
    const now = view.snapshot.node.now;
    item.tooltip = cgroupTooltip(h, i, id, now, findings.map((f) => f.title));
    item.iconPath = orphan
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
      : dying > 0 && kind !== 'kubepods'
        ? new vscode.ThemeIcon(KIND_ICONS[kind], new vscode.ThemeColor('list.deemphasizedForeground'))
        : new vscode.ThemeIcon(KIND_ICONS[kind]);
    const flags = [kind === 'pod' || kind === 'container' ? kind : '', id?.k8s?.podUid ? 'poduid' : '', id?.k8s?.containerId ? 'containerid' : '', orphan ? 'orphan' : '', findings.some((f) => f.fixes.length) ? 'fixable' : '', dying > 0 ? 'dying' : ''];
    item.contextValue = ['cgroup', ...flags.filter(Boolean)].join('+');
    return item;
  }

  private cgroupChildren(nodeId: string, hierarchy: string, path: string): NodesElement[] {
    const h = this.viewOf(nodeId)?.hierarchy(hierarchy);
    const i = h?.tree.find(path);
    if (!h || i === undefined) return [];
    const kids = h.tree.children(i);
    const key = parentKey(nodeId, hierarchy, path);
    const page = readSettings().pageSize;
    const shown = Math.min(kids.length, this.shown.get(key) ?? page);
    // Children in name order so a refresh does not shuffle them (the walk order is the kernel's).
    const names = Array.from(kids, (c) => h.tree.names[c]!).sort();
    const out: NodesElement[] = names.slice(0, shown).map((n) => ({ type: 'cgroup', nodeId, hierarchy, path: joinPath(path, n) }));
    if (shown < kids.length) out.push({ type: 'more', nodeId, hierarchy, parentPath: path, shown, total: kids.length });
    return out;
  }

  private viewOf(nodeId: string): SnapshotView | undefined {
    const s = this.nodes.state(nodeId);
    return shownState(s)?.view;
  }

  private findingsAt(all: FindingItem[] | undefined, hierarchy: string, path: string): FindingItem[] {
    if (!all) return [];
    let index = this.findingIndex.get(all);
    if (!index) {
      index = new Map();
      for (const f of all) {
        for (const c of f.cgroups) {
          const k = `${c.hierarchy}\u0000${c.path}`;
          index.set(k, [...(index.get(k) ?? []), f]);
        }
      }
      this.findingIndex.set(all, index);
    }
    return index.get(`${hierarchy}\u0000${path}`) ?? [];
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}

/** "8 cgroups below": named, since the processes beside it say "below" too. */
function cgroupsBelow(n: number): string {
  return `${n} cgroup${n === 1 ? '' : 's'} below`;
}

function parentKey(nodeId: string, hierarchy: string, path: string): string {
  return `${nodeId}\u0000${hierarchy}\u0000${path}`;
}

export function stateText(state: NodeState): string {
  switch (state.status) {
    case 'disconnected':
      return state.byUser ? 'disconnected' : '';
    case 'connecting':
      return `${state.message}…`;
    case 'failed':
      return 'failed';
    case 'connected':
      return `${layoutOf(state.view.snapshot)} · ${state.view.totalCgroups()} cgroups${state.findings.length ? ` · ${state.findings.length} findings` : ''}`;
  }
}
