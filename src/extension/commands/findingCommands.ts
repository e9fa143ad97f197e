import * as vscode from 'vscode';
import { withCancellableProgress } from '../commandWrapper';
import { isOrphan } from '../../core/analysis/orphanVerdict';
import type { TreeCgroupRef } from '../findings/finding';
import type { NodeManager } from '../nodes/nodeManager';
import type { NodesElement } from '../tree/elements';
import { undeterminedText } from '../fixes/cleanupConfirmation';
import { Commands } from './commandIds';
import { executeCommand } from './executeCommand';
import { pickNode } from './pick';
import { showUndetermined } from './undeterminedMessage';

/** The handlers of Detect Orphans and of revealing a finding's cgroup (registered in registerCommands.ts). */
export function findingCommands(log: vscode.LogOutputChannel, nodes: NodeManager, nodesView: vscode.TreeView<NodesElement>) {
  /** Takes a fresh snapshot (orphans are about now) and shows the findings. */
  const detectOrphans = async (arg?: unknown) => {
    const id = await pickNode(nodes, arg, 'Detect orphans on which node?');
    const label = nodes.label(id);
    const state = await withCancellableProgress(`Cgroup Forensics: detecting orphans on ${label}`, (signal, report) => nodes.refresh(id, signal, report));
    if (state.status === 'failed') throw new Error(`${label}: ${state.reason}`);
    if (state.status !== 'connected') return;
    const orphans = state.findings.filter((f) => isOrphan(f.core));
    await executeCommand('cgroupForensics.findings.focus');
    if (state.report.orphansUndetermined) {
      log.info(undeterminedText(label, state.report.orphansUndetermined));
      // The whole reason and a way on (settings), not a toast cut mid-sentence.
      void showUndetermined(nodes, id, state.report.orphansUndetermined);
      return orphans.length;
    }
    const text = orphans.length ? `${orphans.length} orphaned cgroup${orphans.length === 1 ? '' : 's'} on ${label}.` : `No orphaned cgroups on ${label}.`;
    log.info(text);
    void vscode.window.showInformationMessage(text, ...(orphans.length ? ['Generate Cleanup Script'] : [])).then((choice) => {
      if (choice) void executeCommand(Commands.generateFix, { nodeId: id }, 'cleanup');
    });
    return orphans.length;
  };

  const revealCgroup = async (arg?: unknown) => {
    const a = arg as { nodeId?: string; ref?: TreeCgroupRef } | undefined;
    if (!a?.nodeId || !a.ref) return;
    const target: NodesElement =
      a.ref.path === '/' ? { type: 'hierarchy', nodeId: a.nodeId, hierarchy: a.ref.hierarchy } : { type: 'cgroup', nodeId: a.nodeId, hierarchy: a.ref.hierarchy, path: a.ref.path };
    await nodesView.reveal(target, { select: true, focus: false, expand: false });
  };

  return { detectOrphans, revealCgroup };
}
