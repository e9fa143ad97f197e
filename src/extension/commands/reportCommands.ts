import * as vscode from 'vscode';
import { summarize } from '../../core/analysis/summary';
import { snapshotToJson } from '../../core/model/snapshotJson';
import { findingsToJson } from '../../core/report/findingsJson';
import type { NodeManager } from '../nodes/nodeManager';
import { renderHtml, renderMarkdown } from '../report/reportRender';
import { ensureSnapshot, pickNode } from './pick';

const FORMATS = [
  { label: 'JSON', detail: 'the snapshot (schema cgroup-forensics/snapshot@1) and the findings', id: 'json', language: 'json' },
  { label: 'Markdown', detail: 'summary and findings, for an issue or a wiki', id: 'markdown', language: 'markdown' },
  { label: 'HTML', detail: 'a standalone page', id: 'html', language: 'html' },
] as const;

/** The handler of Export Report (registered in registerCommands.ts). */
export function reportCommands(nodes: NodeManager) {
  const exportReport = async (arg?: unknown, formatArg?: unknown) => {
    const nodeId = await pickNode(nodes, arg, 'Report on which node?');
    const state = await ensureSnapshot(nodes, nodeId);
    const format = FORMATS.find((f) => f.id === formatArg) ?? (await vscode.window.showQuickPick([...FORMATS], { placeHolder: 'Report format', ignoreFocusOut: true }));
    if (!format) return;
    const { view, findings } = state;
    const input = { nodeLabel: nodes.label(nodeId), takenAt: view.snapshot.takenAt, summary: summarize(view.snapshot), findings };
    const content =
      format.id === 'json'
        ? `{"findings": ${findingsToJson(state.report).trim()},\n"snapshot": ${snapshotToJson(view.snapshot).trim()}}\n`
        : format.id === 'markdown'
          ? renderMarkdown(input)
          : renderHtml(input);
    const doc = await vscode.workspace.openTextDocument({ content, language: format.language });
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc.uri.toString();
  };

  return { exportReport };
}
