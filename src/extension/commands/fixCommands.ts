import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import * as vscode from 'vscode';
import { FixInputError, type FixDocument } from '../../core/fixes/fixDocument';
import { documentLanguage, FIX_CATALOG, FIX_KINDS, isFixKind, judgesOrphans, type FixKind, type FixOptions, type LanguageId } from '../../core/fixes/fixCatalog';
import { fixHeader, onlyNoChange } from '../../core/fixes/fixHeader';
import { fixesFor } from '../../core/fixes/fixPlan';
import type { ForensicsReport } from '../../core/analysis/forensics';
import type { RuntimeFacts } from '../../core/facts/nodeFacts';
import type { Snapshot } from '../../core/model/snapshot';
import { readNodeFile, runScript } from '../../core/node/runScript';
import { UserError, withCancellableProgress } from '../commandWrapper';
import { cleanupPlan, isOrphan } from '../../core/analysis/orphanVerdict';
import { confirmationText, planWhat, summariseDryRun } from '../fixes/cleanupConfirmation';
import { GeneratedDocuments } from '../documents/generatedDocuments';
import { fixTitle } from '../fixes/documentTitles';
import { showUndetermined } from './undeterminedMessage';
import type { NodeFileProvider } from '../fixes/nodeFileProvider';
import type { NodeManager } from '../nodes/nodeManager';
import { nodeHostRoot } from '../nodes/nodeSpec';
import { Commands } from './commandIds';
import { executeCommand } from './executeCommand';
import { ensureSnapshot, pickNode } from './pick';

/**
 * The last word before a removal: a short modal whose destructive button is never the default.
 * VS Code 1.100 (MainThreadMessageService._showModalMessage, dialogs/common/dialogs.ts getButtons,
 * base/browser/ui/dialog/dialog.ts) puts the items that are not close affordances first, in order,
 * and the close affordance last; the dialog focuses and styles as primary the FIRST item (so Enter
 * presses it), and Escape or the close box answer the close affordance. On Linux and macOS it then
 * shows them reversed, cancel beside the primary. So the first item is harmless ("Show Dry-Run
 * Output"), "Remove Cgroups" is second and never focused, and "Keep Cgroups" answers Escape.
 */
export const CONFIRM_ITEMS = {
  show: { title: 'Show Dry-Run Output' },
  remove: { title: 'Remove Cgroups' },
  keep: { title: 'Keep Cgroups', isCloseAffordance: true },
} as const satisfies Record<string, vscode.MessageItem>;

async function confirmRemoval(text: { message: string; detail: string }, showOutput: () => Thenable<unknown>): Promise<boolean> {
  const { show, remove, keep } = CONFIRM_ITEMS;
  // "Show Dry-Run Output" shows it and asks again (same modal, same safe default): looking at the
  // output must not end the flow and force a second dry run.
  for (;;) {
    const choice = await vscode.window.showWarningMessage<vscode.MessageItem>(text.message, { modal: true, detail: text.detail }, show, remove, keep);
    if (choice !== show) return choice === remove;
    await showOutput();
  }
}

/** A fix generator's FixInputError (a node file it must patch cannot be parsed) is the user's one-line error, not a failure with a stack. */
function generate(kind: FixKind, s: Snapshot, f: RuntimeFacts, r: ForensicsReport, o: FixOptions = {}): FixDocument[] {
  try {
    return fixesFor(kind, s, f, r, o);
  } catch (e) {
    if (e instanceof FixInputError) throw new UserError(e.message);
    throw e;
  }
}

/** Why a kind of fix cannot be made for a node read from a snapshot file (no transport, no facts), or undefined. */
function needsLiveNode(kind: FixKind, live: boolean): string | undefined {
  const need = FIX_CATALOG[kind].needs;
  return live || need.from !== 'live' ? undefined : `a ${kind} fix needs the live node (${need.why}); a snapshot file does not hold it: connect to the node`;
}

/** The bundled CLI installed with the extension (the .vsix ships dist/cli.js, .vscodeignore), for fix daemonset. */
async function bundledCli(context: vscode.ExtensionContext): Promise<string> {
  const uri = vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js');
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    throw new UserError(`the bundled CLI is not installed with the extension (${uri.fsPath}): a DaemonSet needs it in its ConfigMap`);
  }
}

/** VS Code ships no TOML mode: such documents open as INI, the nearest it has, unless one is installed. */
async function available(language: LanguageId): Promise<string> {
  const known = await vscode.languages.getLanguages();
  if (known.includes(language)) return language;
  return language === 'toml' && known.includes('ini') ? 'ini' : 'plaintext';
}

/** The file extension of a document's language (its Save As… name). */
const EXTENSION: Readonly<Record<string, string>> = { shellscript: 'sh', yaml: 'yaml', toml: 'toml', ini: 'toml', json: 'json', properties: 'conf', plaintext: 'txt' };

/** A fix document's name: its file on the node, else its kind's ("cleanup-fix.sh"). */
function fixFileName(fix: FixDocument, language: string): string {
  return fix.targetPath ? posix.basename(fix.targetPath) : `${fix.kind}-fix.${EXTENSION[language] ?? 'txt'}`;
}

/** The header document of one Generate Fix: each document's fixHeader, the same words the CLI prints. */
function headerText(kind: FixKind, label: string, docs: readonly FixDocument[]): string {
  const intro = [
    `${FIX_CATALOG[kind].label} for ${label}, generated ${new Date().toISOString()}: ${docs.length === 1 ? 'one document' : `${docs.length} documents`}.`,
    'Nothing here changes the node: review each document, then apply it as its steps say. The documents are read-only: Save As… (the editor title bar) keeps a copy.',
  ];
  return [...intro, ...docs.flatMap((d) => ['', ...fixHeader(d)])].join('\n') + '\n';
}

/** The handlers of Generate Fix and Run Cleanup Script (registered in registerCommands.ts). */
export function fixCommands(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, nodes: NodeManager, nodeFiles: NodeFileProvider) {
  const documents = new GeneratedDocuments(nodeFiles);
  /** The connected state of a node (connecting and scanning first when needed). */
  const connected = (nodeId: string) => ensureSnapshot(nodes, nodeId);

  /**
   * Opens the documents of one kind of fix (src/core/fixes) as read-only documents in their
   * language (GeneratedDocuments: closing them asks nothing; Save As… keeps a copy), after one
   * that says what each changes, where, why and how; a document that replaces a file on the node
   * opens in a diff editor against the node's file as read now. Returns the fix documents' URIs.
   */
  const generateFix = async (arg?: unknown, kindArg?: unknown) => {
    const nodeId = await pickNode(nodes, arg, 'Generate a fix for which node?');
    const state = await connected(nodeId);
    const fromFinding = (arg as { finding?: { fixes?: string[] } } | undefined)?.finding?.fixes;
    // A node read from a snapshot file has no transport and no facts: kinds made from the live
    // node (the catalog's needs) would be made from nothing (a "new" config.toml holding only the changed
    // keys would wipe the node's settings), so they are refused there, as the CLI refuses --from.
    const transport = nodes.transport(nodeId);
    const live = transport !== undefined;
    let kind: FixKind | undefined = typeof kindArg === 'string' && isFixKind(kindArg) ? kindArg : undefined;
    if (!kind) {
      const suggested = new Set(fromFinding ?? state.findings.flatMap((f) => f.fixes));
      const offered = FIX_KINDS.filter((k) => needsLiveNode(k, live) === undefined);
      const items = offered.map((k) => ({ label: FIX_CATALOG[k].label, detail: FIX_CATALOG[k].description, description: suggested.has(k) ? 'suggested by the findings' : '', id: k }));
      items.sort((a, b) => Number(suggested.has(b.id)) - Number(suggested.has(a.id)));
      const placeHolder = live ? 'Which kind of fix?' : 'Which kind of fix? (a snapshot file: those that need the live node are not offered)';
      kind = (await vscode.window.showQuickPick(items, { placeHolder, matchOnDetail: true, ignoreFocusOut: true }))?.id;
    }
    if (!kind) return undefined;
    const refused = needsLiveNode(kind, live);
    if (refused) throw new UserError(refused);
    const label = nodes.label(nodeId);
    // Orphans that could not be judged are said so, never "nothing to clean up".
    if (judgesOrphans(FIX_CATALOG[kind]) && state.report.orphansUndetermined) void showUndetermined(nodes, nodeId, state.report.orphansUndetermined);
    // The DaemonSet's ConfigMap carries the CLI: the one the .vsix ships beside the extension (dist/cli.js).
    const daemonSet = kind === 'daemonset' ? { daemonSet: { bundle: await bundledCli(context) } } : {};
    // From the findings the views show (hooks applied), so a fix and the views judge alike.
    const docs = generate(kind, state.view.snapshot, state.facts, { ...state.report, findings: state.findings.map((f) => f.core) }, { ...(live ? {} : { liveFacts: false }), ...daemonSet });
    const uris: string[] = [];
    // First what each document changes, where, why and how (fixHeader, the words the CLI prints),
    // "no change needed" said there too; the documents open after it, the last one in front.
    await documents.show({ node: label, name: `what-the-${kind}-fix-does.txt`, content: headerText(kind, label, docs), language: 'plaintext' });
    // A document whose file already says what the fix would is not opened: the header and one message say so.
    const unchanged = docs.filter((d) => d.noChange !== undefined);
    for (const fix of docs) if (!onlyNoChange(fix)) uris.push(await openFix(fix, label, transport ? (path, signal) => readNodeFile(transport, `${nodeHostRoot(nodes.spec(nodeId)).hostRoot ?? ''}${path}`, signal) : undefined));
    if (unchanged.length) void vscode.window.showInformationMessage(`${label}: no change needed: ${unchanged.map((d) => d.noChange).join('; ')}`);
    log.info(`${label}: ${kind} fix: ${docs.map((d) => (d.noChange !== undefined ? `${d.title} (no change: ${d.noChange})` : d.title)).join('; ')}`);
    return uris;
  };

  const openFix = async (fix: FixDocument, label: string, read: ((path: string, signal: AbortSignal) => Promise<string | undefined>) | undefined): Promise<string> => {
    const language = await available(documentLanguage(fix));
    const doc = await documents.open({ node: label, name: fixFileName(fix, language), content: fix.content, language });
    const target = fix.targetPath;
    const current = target && read ? await withCancellableProgress(`Cgroup Forensics: reading ${target} on ${label}`, (signal) => read(target, signal)) : undefined;
    if (target && current !== undefined) {
      const left = nodeFiles.put(label, target, current);
      // A short tab title (what and where); the file and the fix's full title are in the document.
      await executeCommand('vscode.diff', left, doc.uri, fixTitle(fix.kind, label), { preview: false });
    } else {
      await vscode.window.showTextDocument(doc, { preview: false });
    }
    return doc.uri.toString();
  };

  /**
   * Runs the cleanup script on the node: only in a trusted workspace, only after a modal naming the
   * exact script (open read-only beside it, by its SHA-256), always a dry run first, and then a
   * short confirmation whose destructive button is never the default (see confirmRemoval).
   */
  const runCleanup = async (arg?: unknown) => {
    if (!vscode.workspace.isTrusted) throw new UserError('running a cleanup script on a node needs a trusted workspace');
    const nodeId = await pickNode(nodes, arg, 'Clean up orphans on which node?');
    // Its pod reads the node and may change nothing (the node's / is mounted read-only); the script
    // names the node's own paths, to be run on the node (Generate Fix… → cleanup says how).
    if (nodes.spec(nodeId)?.kind === 'kube') throw new UserError(`${nodes.label(nodeId)} is read through a read-only pod, which cannot run a cleanup: open the script with Generate Fix… (cleanup) and run it on the node as its header says`);
    const state = await connected(nodeId);
    const transport = nodes.transport(nodeId);
    if (!transport) throw new UserError('a cleanup runs only on a connected node (not a snapshot file)');
    const label = nodes.label(nodeId);
    // The findings the views show (hooks applied): the script, the counts and the icons share one verdict.
    const findings = state.findings.map((f) => f.core);
    const plan = cleanupPlan(findings);
    const [fix] = generate('cleanup', state.view.snapshot, state.facts, { ...state.report, findings });
    if (!fix || plan.targets.length === 0) {
      if (state.report.orphansUndetermined) {
        void showUndetermined(nodes, nodeId, state.report.orphansUndetermined);
        return 'undetermined';
      }
      const left = plan.leftOut.length ? ` (${plan.leftOut.length} left alone: ${plan.leftOut.map((l) => l.why).filter((w, i, a) => a.indexOf(w) === i).join('; ')})` : '';
      void vscode.window.showInformationMessage(`No orphaned cgroups on ${label}: nothing to clean up${left}.`);
      return 'nothing';
    }
    const script = fix.content;
    // The exact bytes that will run, in a read-only editor tied to the modals by their SHA-256.
    const digest = createHash('sha256').update(script).digest('hex');
    const scriptUri = nodeFiles.put(label, `/cleanup-${digest.slice(0, 12)}.sh`, script);
    await vscode.window.showTextDocument(await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(scriptUri), await available(documentLanguage(fix))), { preview: false });
    const scriptName = scriptUri.path.slice(1);
    const orphans = plan.targets.filter(isOrphan).length;
    const leftovers = plan.targets.length - orphans;
    const what = planWhat(orphans, leftovers);
    const dry = await vscode.window.showWarningMessage(
      `Dry-run the cleanup script on ${label}? It only prints what it would do.`,
      {
        modal: true,
        detail: [
          `It cleans up ${what}${plan.leftOut.length ? `; ${plan.leftOut.length} left alone (${[...new Set(plan.leftOut.map((l) => l.why))].join('; ')})` : ''}.`,
          `The exact script is open read-only in the editor: ${scriptName}, SHA-256 ${digest.slice(0, 16)}…`,
        ].join('\n'),
      },
      'Dry Run',
    );
    if (dry !== 'Dry Run') return 'declined';
    const dryResult = await withCancellableProgress(`Cgroup Forensics: dry run on ${label}`, (signal) => runScript(transport, script, ['--dry-run'], signal));
    log.info(`cleanup dry run on ${label} (exit ${dryResult.exitCode}):\n${dryResult.stdout}${dryResult.stderr}`);
    const output = `Dry run of ${scriptName} (SHA-256 ${digest}) on ${label}, exit status ${dryResult.exitCode}\n\n${dryResult.stdout}${dryResult.stderr}`;
    const outputUri = nodeFiles.put(label, `/cleanup-${digest.slice(0, 12)}.dry-run.txt`, output);
    const outputDoc = await vscode.workspace.openTextDocument(outputUri);
    const outputEditor = await vscode.window.showTextDocument(outputDoc, { preview: false, viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
    const summary = summariseDryRun(dryResult.stdout);
    if (!summary) throw new UserError(`the dry run on ${label} did not finish (exit status ${dryResult.exitCode}): its output is open in ${outputUri.path.slice(1)}`);
    if (summary.cgroups === 0 && summary.units === 0) {
      void vscode.window.showInformationMessage(`The dry run on ${label} would remove nothing (${summary.skipped} skipped, still in use): see ${outputUri.path.slice(1)}.`);
      return 'dry-run';
    }
    const text = confirmationText({ label, summary, orphans, leftovers, digest, scriptName, outputName: outputUri.path.slice(1) });
    // "Show Dry-Run Output" focuses the document where it already is (beside), not a second copy.
    const showOutput = (): Thenable<unknown> => vscode.window.showTextDocument(outputDoc, { preview: false, ...(outputEditor.viewColumn !== undefined ? { viewColumn: outputEditor.viewColumn } : {}) });
    if (!(await confirmRemoval(text, showOutput))) return 'dry-run';
    const result = await withCancellableProgress(`Cgroup Forensics: cleaning up on ${label}`, (signal) => runScript(transport, script, ['--apply'], signal));
    log.info(`cleanup on ${label} (exit ${result.exitCode}):\n${result.stdout}${result.stderr}`);
    await documents.show({ node: label, name: `cleanup-${digest.slice(0, 12)}.output.txt`, content: `Cleanup on ${label}, exit status ${result.exitCode}\n\n${result.stdout}${result.stderr}`, language: 'plaintext' });
    await executeCommand(Commands.refresh, { nodeId });
    return 'run';
  };

  return { generateFix, runCleanup };
}
