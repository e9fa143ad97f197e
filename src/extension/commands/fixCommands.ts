import * as vscode from 'vscode';
import { readNodeFile, runScript } from '../../core/node/runScript';
import { UserError, registerCommand, withCancellableProgress } from '../commandWrapper';
import { FIX_KINDS, fixKind, type FixKind } from '../fixes/fixKinds';
import { generateFix } from '../fixes/fixSource';
import { isOrphan } from '../findings/finding';
import { cleanupFix } from '../fixes/interimFixes';
import type { NodeFileProvider } from '../fixes/nodeFileProvider';
import type { NodeManager } from '../nodes/nodeManager';
import { readSettings } from '../settings';
import { ensureSnapshot, pickNode } from './pick';

export function registerFixCommands(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, nodes: NodeManager, nodeFiles: NodeFileProvider): void {
  const reg = (id: string, run: (...args: unknown[]) => unknown): void => registerCommand(context, log, id, run);

  reg('cgroupForensics.generateFix', async (arg?: unknown, kindArg?: unknown) => {
    const nodeId = await pickNode(nodes, arg, 'Generate a fix for which node?');
    const view = await ensureSnapshot(nodes, nodeId);
    const state = nodes.state(nodeId);
    const findings = state.status === 'connected' ? state.findings : [];
    const fromFinding = (arg as { finding?: { fixes?: string[] } } | undefined)?.finding?.fixes;
    let kind: FixKind | undefined = typeof kindArg === 'string' ? fixKind(kindArg)?.id : undefined;
    if (!kind) {
      const suggested = new Set(fromFinding ?? findings.flatMap((f) => f.fixes));
      const items = FIX_KINDS.map((k) => ({ label: k.label, detail: k.detail, description: suggested.has(k.id) ? 'suggested by the findings' : '', id: k.id }));
      items.sort((a, b) => Number(suggested.has(b.id)) - Number(suggested.has(a.id)));
      kind = (await vscode.window.showQuickPick(items, { placeHolder: 'Which kind of fix?', matchOnDetail: true, ignoreFocusOut: true }))?.id;
    }
    if (!kind) return;
    const spec = nodes.spec(nodeId);
    const label = spec?.label ?? nodeId;
    const transport = nodes.transport(nodeId);
    const kubeletDir = readSettings().kubeletDir;
    const probe = generateFix(kind, { snapshot: view.snapshot, nodeLabel: label, findings, kubeletDir });
    if (!probe) throw new UserError(`no generator for "${fixKind(kind)?.label}" in this build yet`);
    let currentFile: string | undefined;
    if (probe.patches && transport) {
      const path = probe.patches.path;
      currentFile = await withCancellableProgress(`Cgroup Forensics: reading ${path} on ${label}`, (signal) => readNodeFile(transport, path, signal));
    }
    const fix = currentFile !== undefined ? generateFix(kind, { snapshot: view.snapshot, nodeLabel: label, findings, currentFile, kubeletDir })! : probe;
    const doc = await vscode.workspace.openTextDocument({ content: fix.content, language: fix.language });
    if (fix.patches && currentFile !== undefined) {
      const left = nodeFiles.put(label, fix.patches.path, currentFile);
      await vscode.commands.executeCommand('vscode.diff', left, doc.uri, `${fix.patches.path} on ${label} ↔ fix`);
    } else {
      await vscode.window.showTextDocument(doc, { preview: false });
      if (fix.patches) log.info(`${fix.patches.path} could not be read on ${label}: the fix is shown without a diff`);
    }
    return doc.uri.toString();
  });

  reg('cgroupForensics.runCleanup', async (arg?: unknown) => {
    if (!vscode.workspace.isTrusted) throw new UserError('running a cleanup script on a node needs a trusted workspace');
    const nodeId = await pickNode(nodes, arg, 'Clean up orphans on which node?');
    const view = await ensureSnapshot(nodes, nodeId);
    const state = nodes.state(nodeId);
    const transport = nodes.transport(nodeId);
    if (!transport) throw new UserError('a cleanup runs only on a connected node (not a snapshot file)');
    const label = nodes.spec(nodeId)?.label ?? nodeId;
    const findings = state.status === 'connected' ? state.findings : [];
    const cleanup = cleanupFix({ snapshot: view.snapshot, nodeLabel: label, findings });
    if (!findings.some(isOrphan) || cleanup.count === 0) {
      void vscode.window.showInformationMessage(`No orphaned cgroups on ${label}: nothing to clean up.`);
      return 'nothing';
    }
    const script = cleanup.content;
    const dry = await vscode.window.showWarningMessage(
      `Dry-run this script on ${label}? It only prints what it would remove.`,
      { modal: true, detail: script },
      'Dry Run',
    );
    if (dry !== 'Dry Run') return 'declined';
    const dryResult = await withCancellableProgress(`Cgroup Forensics: dry run on ${label}`, (signal) => runScript(transport, script, ['--dry-run'], signal));
    log.info(`cleanup dry run on ${label} (exit ${dryResult.exitCode}):\n${dryResult.stdout}${dryResult.stderr}`);
    const go = await vscode.window.showWarningMessage(
      `Run this script on ${label} for real? The dry run printed:\n\n${dryResult.stdout.trim() || '(nothing)'}`,
      { modal: true, detail: script },
      'Remove Cgroups',
    );
    if (go !== 'Remove Cgroups') return 'dry-run';
    const result = await withCancellableProgress(`Cgroup Forensics: cleaning up on ${label}`, (signal) => runScript(transport, script, ['--apply'], signal));
    log.info(`cleanup on ${label} (exit ${result.exitCode}):\n${result.stdout}${result.stderr}`);
    const doc = await vscode.workspace.openTextDocument({ content: `Cleanup on ${label}, exit status ${result.exitCode}\n\n${result.stdout}${result.stderr}`, language: 'plaintext' });
    await vscode.window.showTextDocument(doc, { preview: false });
    await vscode.commands.executeCommand('cgroupForensics.refresh', { nodeId });
    return 'run';
  });
}
