import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { FixDocument } from '../../core/fixes/fixDocument';
import { fixesFor, type FixKind } from '../../core/fixes/fixPlan';
import { readNodeFile, runScript } from '../../core/node/runScript';
import { UserError, registerCommand, withCancellableProgress } from '../commandWrapper';
import { isOrphan } from '../findings/finding';
import { FIX_KINDS, fixKind, languageOf } from '../fixes/fixKinds';
import type { NodeFileProvider } from '../fixes/nodeFileProvider';
import type { NodeManager } from '../nodes/nodeManager';
import { ensureSnapshot, pickNode } from './pick';

/** Longer scripts are shown in a read-only editor beside the modal (which cannot scroll). */
const SCRIPT_LINES_IN_MODAL = 60;

/** The last lines of a long output, saying how many were left out (all of it is in the log). */
function tail(text: string, lines: number): string {
  const all = text.split('\n');
  return all.length <= lines ? text : [`(${all.length - lines} earlier lines are in the log)`, ...all.slice(-lines)].join('\n');
}

/** VS Code ships no TOML mode: such documents open as INI, the nearest it has, unless one is installed. */
async function available(language: string): Promise<string> {
  const known = await vscode.languages.getLanguages();
  if (known.includes(language)) return language;
  return language === 'toml' && known.includes('ini') ? 'ini' : 'plaintext';
}

export function registerFixCommands(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, nodes: NodeManager, nodeFiles: NodeFileProvider): void {
  const reg = (id: string, run: (...args: unknown[]) => unknown): void => registerCommand(context, log, id, run);

  /** The connected state of a node (connecting and scanning first when needed). */
  const connected = (nodeId: string) => ensureSnapshot(nodes, nodeId);

  /**
   * Opens the documents of one kind of fix (src/core/fixes) as untitled documents in their
   * language; a document that replaces a file on the node opens in a diff editor against the
   * node's file as read now. Returns the documents' URIs.
   */
  reg('cgroupForensics.generateFix', async (arg?: unknown, kindArg?: unknown) => {
    const nodeId = await pickNode(nodes, arg, 'Generate a fix for which node?');
    const state = await connected(nodeId);
    const fromFinding = (arg as { finding?: { fixes?: string[] } } | undefined)?.finding?.fixes;
    let kind: FixKind | undefined = typeof kindArg === 'string' ? fixKind(kindArg)?.id : undefined;
    if (!kind) {
      const suggested = new Set(fromFinding ?? state.findings.flatMap((f) => f.fixes));
      const items = FIX_KINDS.map((k) => ({ label: k.label, detail: k.detail, description: suggested.has(k.id) ? 'suggested by the findings' : '', id: k.id }));
      items.sort((a, b) => Number(suggested.has(b.id)) - Number(suggested.has(a.id)));
      kind = (await vscode.window.showQuickPick(items, { placeHolder: 'Which kind of fix?', matchOnDetail: true, ignoreFocusOut: true }))?.id;
    }
    if (!kind) return undefined;
    const label = nodes.label(nodeId);
    const docs = fixesFor(kind, state.view.snapshot, state.facts, state.report);
    const transport = nodes.transport(nodeId);
    const uris: string[] = [];
    // A document whose file already says what the fix would is not opened: one message says so.
    const unchanged = docs.filter((d) => d.noChange !== undefined);
    for (const fix of docs) if (fix.noChange === undefined) uris.push(await openFix(fix, label, transport ? (path, signal) => readNodeFile(transport, path, signal) : undefined));
    if (unchanged.length) void vscode.window.showInformationMessage(`${label}: no change needed: ${unchanged.map((d) => d.noChange).join('; ')}`);
    log.info(`${label}: ${kind} fix: ${docs.map((d) => (d.noChange !== undefined ? `${d.title} (no change: ${d.noChange})` : d.title)).join('; ')}`);
    return uris;
  });

  const openFix = async (fix: FixDocument, label: string, read: ((path: string, signal: AbortSignal) => Promise<string | undefined>) | undefined): Promise<string> => {
    const doc = await vscode.workspace.openTextDocument({ content: fix.content, language: await available(languageOf(fix.kind, fix.targetPath)) });
    const target = fix.targetPath;
    const current = target && read ? await withCancellableProgress(`Cgroup Forensics: reading ${target} on ${label}`, (signal) => read(target, signal)) : undefined;
    if (target && current !== undefined) {
      const left = nodeFiles.put(label, target, current);
      await vscode.commands.executeCommand('vscode.diff', left, doc.uri, `${target} on ${label} ↔ ${fix.title}`, { preview: false });
    } else {
      await vscode.window.showTextDocument(doc, { preview: false });
    }
    return doc.uri.toString();
  };

  /**
   * Runs the cleanup script on the node: only in a trusted workspace, only after a modal that
   * shows the exact script, and always a dry run first with its output shown before the real run.
   */
  reg('cgroupForensics.runCleanup', async (arg?: unknown) => {
    if (!vscode.workspace.isTrusted) throw new UserError('running a cleanup script on a node needs a trusted workspace');
    const nodeId = await pickNode(nodes, arg, 'Clean up orphans on which node?');
    const state = await connected(nodeId);
    const transport = nodes.transport(nodeId);
    if (!transport) throw new UserError('a cleanup runs only on a connected node (not a snapshot file)');
    const label = nodes.label(nodeId);
    const [fix] = fixesFor('cleanup', state.view.snapshot, state.facts, state.report);
    if (!fix || !state.findings.some(isOrphan) || fix.reasons.length === 0) {
      void vscode.window.showInformationMessage(`No orphaned cgroups on ${label}: nothing to clean up.`);
      return 'nothing';
    }
    const script = fix.content;
    // The exact bytes that will run: in the modal when they fit on a screen, and always in a
    // read-only editor (a modal cannot scroll a long script), tied to the modal by its SHA-256.
    const digest = createHash('sha256').update(script).digest('hex');
    const scriptUri = nodeFiles.put(label, `/cleanup-${digest.slice(0, 12)}.sh`, script);
    await vscode.window.showTextDocument(await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(scriptUri), 'shellscript'), { preview: false });
    const lines = script.split('\n').length;
    const detail =
      lines <= SCRIPT_LINES_IN_MODAL
        ? script
        : `The exact script (${lines} lines, SHA-256 ${digest}) is open read-only in the editor "${scriptUri.path}". Its first lines:\n\n${script.split('\n').slice(0, 12).join('\n')}\n…`;
    const dry = await vscode.window.showWarningMessage(`Dry-run this script on ${label}? It only prints what it would do.\nSHA-256 ${digest}`, { modal: true, detail }, 'Dry Run');
    if (dry !== 'Dry Run') return 'declined';
    const dryResult = await withCancellableProgress(`Cgroup Forensics: dry run on ${label}`, (signal) => runScript(transport, script, ['--dry-run'], signal));
    log.info(`cleanup dry run on ${label} (exit ${dryResult.exitCode}):\n${dryResult.stdout}${dryResult.stderr}`);
    const go = await vscode.window.showWarningMessage(
      `Run this script (SHA-256 ${digest}) on ${label} with --apply? The dry run printed:\n\n${tail(dryResult.stdout.trim() || '(nothing)', 20)}`,
      { modal: true, detail },
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
