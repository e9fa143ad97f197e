import * as vscode from 'vscode';
import { reportWithFindings, type ReportFormat } from '../../core/report/nodeReport';
import { renderReport } from '../../core/report/renderReport';
import type { NodeManager } from '../nodes/nodeManager';
import { ensureSnapshot, pickNode } from './pick';

const FORMATS: readonly { label: string; detail: string; id: string; format: ReportFormat; language: string }[] = [
  { label: 'JSON', detail: 'the snapshot (schema cgroup-forensics/snapshot@1) and the findings', id: 'json', format: 'json', language: 'json' },
  { label: 'Markdown', detail: 'summary and findings, for an issue or a wiki', id: 'markdown', format: 'md', language: 'markdown' },
  { label: 'HTML', detail: 'a standalone page', id: 'html', format: 'html', language: 'html' },
];

/** The handler of Export Report (registered in registerCommands.ts). */
export function reportCommands(nodes: NodeManager) {
  const exportReport = async (arg?: unknown, formatArg?: unknown) => {
    const nodeId = await pickNode(nodes, arg, 'Report on which node?');
    const state = await ensureSnapshot(nodes, nodeId);
    const format = FORMATS.find((f) => f.id === formatArg) ?? (await vscode.window.showQuickPick([...FORMATS], { placeHolder: 'Report format', ignoreFocusOut: true }));
    if (!format) return;
    // The core renders it (as `cgroup-forensics report`), from the findings the views show: the
    // engine's, with the evidence hooks' additions.
    const report = reportWithFindings(state.report, state.findings.map((f) => f.core));
    const content = renderReport(format.format, { nodeLabel: nodes.label(nodeId), snapshot: state.view.snapshot, report });
    const doc = await vscode.workspace.openTextDocument({ content, language: format.language });
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc.uri.toString();
  };

  return { exportReport };
}
