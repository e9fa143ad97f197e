import * as vscode from 'vscode';
import { gatherEvidence } from '../../core/evidence/gatherEvidence';
import { INVESTIGATION_DEFAULTS } from '../../core/investigation/defaults';
import { SINCE_FORMS, sinceSeconds } from '../../core/evidence/since';
import { renderKubeText } from '../../core/kube/kubeText';
import { renderChurnReport } from '../../core/report/churnText';
import { renderEvidenceText } from '../../core/report/evidenceText';
import { UserError, withCancellableProgress } from '../commandWrapper';
import { CHURN_SECONDS, churnSeconds, measureChurn, type ChurnMethod } from '../evidence/churnMeasure';
import { EvidenceStore } from '../evidence/evidenceStore';
import { evidenceSummary } from '../evidence/mergeEvidence';
import { GeneratedDocuments } from '../documents/generatedDocuments';
import { documentFileName, documentTitle } from '../fixes/documentTitles';
import type { NodeFileProvider } from '../fixes/nodeFileProvider';
import { shownState, type ConnectedState, type NodeManager } from '../nodes/nodeManager';
import { nodeHostRoot } from '../nodes/nodeSpec';
import { readSettings } from '../settings';
import { executeCommand } from './executeCommand';
import { ensureSnapshot, pickNode } from './pick';

/** Programmatic options (tests, other commands): given, they skip the prompts. */
interface EvidenceOptions {
  /** When to read logs from (see SINCE_FORMS); default the setting cgroupForensics.evidence.since. */
  since?: string;
}
interface ChurnOptions {
  seconds?: number;
  method?: ChurnMethod;
}

const stamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Gather Evidence (logs, daemon health, version advisories, fd pins: merged into the node's
 * findings and shown as the core's evidence report) and Trace Cgroup Churn (rates by parent and
 * by process). Both are read-only on the node, bounded and cancellable; their documents are
 * read-only virtual documents. Returns the handlers (registered in registerCommands.ts).
 */
export function evidenceCommands(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, nodes: NodeManager, nodeFiles: NodeFileProvider) {
  const store = new EvidenceStore(nodes);
  context.subscriptions.push(store);

  /** The connected live node a command reads: connecting first when needed; not a snapshot file. */
  const liveNode = async (arg: unknown, placeHolder: string) => {
    const nodeId = await pickNode(nodes, arg, placeHolder);
    await ensureSnapshot(nodes, nodeId);
    const label = nodes.label(nodeId);
    const transport = nodes.transport(nodeId);
    if (!transport) throw new UserError(`${label} is a snapshot file: evidence and churn are read from a live node`);
    return { nodeId, label, transport };
  };

  const documents = new GeneratedDocuments(nodeFiles);
  const openReadOnly = async (label: string, name: string, text: string): Promise<vscode.Uri> => (await documents.show({ node: label, name, content: text, language: 'plaintext' })).uri;

  const gather = async (arg?: unknown, options?: unknown) => {
    const o = (options && typeof options === 'object' ? options : {}) as EvidenceOptions;
    const { nodeId, label, transport } = await liveNode(arg, 'Gather evidence on which node?');
    const sinceText = typeof o.since === 'string' ? o.since : readSettings().evidenceSince;
    const since = sinceSeconds(sinceText, Math.floor(Date.now() / 1000));
    if (since === undefined) throw new UserError(`cgroupForensics.evidence.since takes ${SINCE_FORMS}, not '${sinceText}'`);
    const raw = await withCancellableProgress(`Cgroup Forensics: gathering evidence on ${label}`, async (signal, report) => {
      report(`logs since ${stamp(since * 1000)}, daemons, open fds`);
      // The node is already investigated (its snapshot and findings are shown): only the evidence
      // step of the core's investigation runs here, with the same bound on lines as investigate.
      const r = await gatherEvidence(transport, { since, maxLines: INVESTIGATION_DEFAULTS.evidenceMaxLines, signal, ...nodeHostRoot(nodes.spec(nodeId)) });
      if (r.ok) return r.value;
      if (r.error.code === 'cancelled') throw new vscode.CancellationError();
      throw new Error(`${label}: ${r.error.message}`);
    });
    const at = Date.now();
    const merged = await store.set(nodeId, { raw, since, at });
    if (!merged) throw new UserError(`${label} was disconnected before the evidence could join its findings`);
    const { report, base } = merged;
    // The readable title heads the document; its file name (the tab, Save As…) is made from the same parts.
    const header = `${documentTitle('evidence', label, new Date(at))}\nEvidence on ${label}: logs since ${stamp(since * 1000)}, gathered ${stamp(at)}\n\n`;
    const uri = await openReadOnly(label, documentFileName('evidence', label, new Date(at)), header + renderEvidenceText(report) + '\n' + kubeSection(shownState(nodes.state(nodeId))));
    const s = evidenceSummary(report, base);
    const text = s.nothing
      ? `No evidence found on ${label}: no log line since ${stamp(since * 1000)} matched a known signature, no version advisory applies, and no daemon or open fd stands out.`
      : `Evidence on ${label}: ${s.logMatches} matching log line(s), ${s.attached} attached to findings; ${s.added} new finding(s).`;
    log.info(text);
    void executeCommand('cgroupForensics.findings.focus');
    void vscode.window.showInformationMessage(text);
    return { uri: uri.toString(), ...s };
  };

  const traceChurn = async (arg?: unknown, options?: unknown) => {
    const o = (options && typeof options === 'object' ? options : {}) as ChurnOptions;
    const { nodeId, label, transport } = await liveNode(arg, 'Trace cgroup churn on which node?');
    let seconds = o.seconds !== undefined ? churnSeconds(o.seconds) : undefined;
    if (o.seconds !== undefined && seconds === undefined) throw new UserError(`a churn trace lasts ${CHURN_SECONDS.min} to ${CHURN_SECONDS.max} seconds, not ${String(o.seconds)}`);
    if (seconds === undefined) {
      const typed = await vscode.window.showInputBox({
        title: `Trace cgroup churn on ${label}`,
        prompt: `For how many seconds (${CHURN_SECONDS.min} to ${CHURN_SECONDS.max})? bpftrace on the cgroup tracepoints where the node allows it, else two snapshots that far apart.`,
        value: String(CHURN_SECONDS.default),
        ignoreFocusOut: true,
        validateInput: (v) => (churnSeconds(v) === undefined ? `a whole number from ${CHURN_SECONDS.min} to ${CHURN_SECONDS.max}` : undefined),
      });
      if (typed === undefined) throw new vscode.CancellationError();
      seconds = churnSeconds(typed)!;
    }
    const method: ChurnMethod = o.method === 'bpftrace' || o.method === 'snapshots' ? o.method : 'auto';
    const start = Date.now();
    const m = await withCancellableProgress(`Cgroup Forensics: cgroup churn on ${label}`, (signal, report) =>
      measureChurn({ transport, seconds: seconds!, method, snapshot: (s) => nodes.snapshotNow(nodeId, s), signal }, report),
    );
    if (m.method === 'snapshots' && m.whyNotTraced) log.info(`${label}: no bpftrace trace (${m.whyNotTraced}); churn from two snapshots`);
    const text = `${documentTitle('churn', label, new Date(start))}\n${renderChurnReport(m, `Cgroup churn on ${label}, from ${stamp(start)}`)}`;
    const uri = await openReadOnly(label, documentFileName('churn', label, new Date(start)), text);
    const changed = m.method === 'bpftrace' ? m.churn.byParent.length : m.rates.length;
    if (!changed) void vscode.window.showInformationMessage(`No cgroup was made or removed on ${label} in ${seconds} s.`);
    return { uri: uri.toString(), method: m.method, parents: changed };
  };

  return { gatherEvidence: gather, traceChurn };
}

/** The Kubernetes API's view of the node as the last refresh had it (its pods, conditions), or why there is none. */
function kubeSection(s: ConnectedState | undefined): string {
  if (s?.kube) return renderKubeText(s.kube);
  if (!readSettings().kubernetesEnabled) return 'Kubernetes view: not asked (cgroupForensics.kubernetes.enabled is off)\n';
  return `Kubernetes view: none${s?.kubeNote ? ` (${s.kubeNote.replace(/^no Kubernetes view of the node: /, '')})` : ''}\n`;
}
