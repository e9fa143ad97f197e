import * as vscode from 'vscode';
import { undeterminedGuidance } from '../fixes/cleanupConfirmation';
import type { NodeManager } from '../nodes/nodeManager';
import { executeCommand } from './executeCommand';

/**
 * Says that orphans on a node could not be judged, in a modal with the whole reason and buttons
 * to the settings that would let them be (cleanupConfirmation.ts makes the text). Resolves with
 * the button chosen, after opening its setting. Machine-scoped settings live under the Remote tab
 * in a remote window (code-server, SSH remotes): the User tab does not list them at all.
 */
export async function showUndetermined(nodes: NodeManager, nodeId: string, why: string): Promise<string | undefined> {
  const g = undeterminedGuidance(nodes.label(nodeId), why, nodes.spec(nodeId)?.kind !== 'snapshot');
  const choice = await vscode.window.showWarningMessage(g.message, { modal: true, detail: g.detail }, ...g.actions.map((a) => a.title));
  const action = g.actions.find((a) => a.title === choice);
  if (!action) return undefined;
  if (action.scope === 'machine' && vscode.env.remoteName) await executeCommand('workbench.action.openRemoteSettings', action.setting);
  else await executeCommand('workbench.action.openSettings', action.setting);
  return action.title;
}
