import * as vscode from 'vscode';
import { displayOf } from '../../core/model/bytes';
import { cgroupLabel } from '../../core/model/cgroupLabel';
import { cgroupPath } from '../../core/model/snapshot';
import { dirOf } from '../../core/analysis/cgroupIndex';
import { inspectCgroups } from '../../core/inspect/inspectCgroups';
import { renderProcess } from '../../core/report/findingsText';
import { UserError, withCancellableProgress } from '../commandWrapper';
import type { GeneratedDocuments } from '../documents/generatedDocuments';
import type { NodeManager } from '../nodes/nodeManager';
import { nodeHostRoot } from '../nodes/nodeSpec';
import { identityLines } from '../tree/cgroupPresentation';
import type { NodesElement } from '../tree/elements';
import { ensureSnapshot, pickCgroup } from './pick';

/** The handlers of the commands on one cgroup (registered in registerCommands.ts): copy its names, list its processes. */
export function cgroupCommands(nodes: NodeManager, documents: GeneratedDocuments, selection: () => readonly NodesElement[] = () => []) {
  /**
   * From the palette (no argument) a command is about what is selected in the Nodes view: the
   * cgroup, or a node or hierarchy to pick a cgroup under; quick picks only when nothing is.
   */
  const resolve = async (arg: unknown) => {
    const e = await pickCgroup(nodes, arg ?? selection()[0]);
    const { view } = await ensureSnapshot(nodes, e.nodeId);
    const h = view.hierarchy(e.hierarchy);
    const i = h?.tree.find(e.path);
    if (!h || i === undefined) throw new UserError(`${displayOf(e.path)} is not in the current snapshot`);
    return { e, view, h, i, id: view.identities(h.name)[i] };
  };

  const copy = async (text: string, what: string): Promise<string> => {
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`Copied ${what}`, 3000);
    return text;
  };

  const copyPath = async (arg?: unknown) => {
    const { e, h } = await resolve(arg);
    return copy(displayOf(cgroupPath(h, e.path)), 'the cgroup path');
  };
  const copyPodUid = async (arg?: unknown) => {
    const { id } = await resolve(arg);
    if (!id?.k8s?.podUid) throw new UserError('this cgroup belongs to no pod');
    return copy(id.k8s.podUid, 'the pod UID');
  };
  const copyContainerId = async (arg?: unknown) => {
    const { id } = await resolve(arg);
    if (!id?.k8s?.containerId) throw new UserError('this cgroup is not a container');
    return copy(id.k8s.containerId, 'the container ID');
  };

  const inspectProcesses = async (arg?: unknown) => {
    const { e, view, h, i, id } = await resolve(arg);
    const transport = nodes.transport(e.nodeId);
    if (!transport) throw new UserError('processes can only be read from a connected node (not a snapshot file)');
    const dir = dirOf(h, i);
    const result = await withCancellableProgress('Cgroup Forensics: reading processes', (signal) => inspectCgroups(transport, [dir], { signal, ...nodeHostRoot(nodes.spec(e.nodeId)) }));
    if (!result.ok) {
      if (result.error.code === 'cancelled') return;
      throw new Error(`reading the processes of ${displayOf(dir)}: ${result.error.message}`);
    }
    const nodeLabel = nodes.label(e.nodeId);
    const lines = [
      `Processes of ${displayOf(cgroupPath(h, e.path))} (${h.name}) on ${nodeLabel}`,
      `directory: ${displayOf(dir)}`,
      `read: ${new Date().toISOString()} (snapshot of ${new Date(view.snapshot.takenAt).toISOString()} counted ${h.tree.stat('procs', i)})`,
      ...identityLines(id),
      '',
    ];
    const ps = result.value.processes;
    if (ps.length === 0) lines.push('No process is in this cgroup itself (processes in child cgroups are listed on each child).');
    else lines.push(...ps.map((p) => renderProcess(p)));
    for (const u of result.value.unreadable) lines.push('', `could not read ${displayOf(u.dir)}: ${displayOf(u.what)}`);
    // A short tab title: the cgroup as a person recognises it ("containerd 3e23e816…"), not its
    // ~100-character name; the document's first line has the whole path.
    const name = (cgroupLabel(id, e.path.split('/').pop() || 'root').replace(/…/g, '').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'cgroup').slice(0, 40);
    await documents.show({ node: nodeLabel, name: `processes-${h.name}-${name}.txt`, content: lines.join('\n') + '\n', language: 'plaintext' });
    return ps.length;
  };

  return { copyPath, copyPodUid, copyContainerId, inspectProcesses };
}
