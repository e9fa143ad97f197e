import * as vscode from 'vscode';
import { reportWithFindings, type ReportFormat } from '../../core/report/nodeReport';
import { renderReport } from '../../core/report/renderReport';
import { safeFileName } from '../fixes/documentTitles';
import { saveText, targetOf } from '../documents/saveText';
import type { NodeManager } from '../nodes/nodeManager';
import { ensureSnapshot, pickNode } from './pick';

const FORMATS: readonly { label: string; detail: string; id: string; format: ReportFormat }[] = [
  { label: 'JSON', detail: 'the snapshot (schema cgroup-forensics/snapshot@1) and the findings', id: 'json', format: 'json' },
  { label: 'Markdown', detail: 'summary and findings, for an issue or a wiki', id: 'markdown', format: 'md' },
  { label: 'HTML', detail: 'a standalone page', id: 'html', format: 'html' },
];

/** cgroup-forensics-<node>-<snapshot time, UTC>.<md|html|json>: "cgroup-forensics-worker-3-20261203T193500Z.md". */
export function reportFileName(nodeLabel: string, takenAt: number, ext: ReportFormat): string {
  const time = new Date(takenAt).toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  return `cgroup-forensics-${safeFileName(nodeLabel.toLowerCase())}-${time}.${ext}`;
}

/** The handler of Export Report (registered in registerCommands.ts). */
export function reportCommands(nodes: NodeManager) {
  const exportReport = async (arg?: unknown, formatArg?: unknown, targetArg?: unknown) => {
    const nodeId = await pickNode(nodes, arg, 'Report on which node?');
    const state = await ensureSnapshot(nodes, nodeId);
    const format = FORMATS.find((f) => f.id === formatArg) ?? (await vscode.window.showQuickPick([...FORMATS], { placeHolder: 'Report format', ignoreFocusOut: true }));
    if (!format) return;
    // The core renders it (as `cgroup-forensics report`), from the findings the views show: the
    // engine's, with the evidence hooks' additions.
    const report = reportWithFindings(state.report, state.findings.map((f) => f.core));
    const label = nodes.label(nodeId);
    const content = renderReport(format.format, { nodeLabel: label, snapshot: state.view.snapshot, report });
    // Export writes a file (its ellipsis promises a dialog), named for the node and the snapshot's time.
    const target = targetOf(targetArg);
    const saved = await saveText(content, {
      defaultName: reportFileName(label, state.view.snapshot.takenAt, format.format),
      title: `Export the ${format.label} report of ${label}`,
      filters: { [format.label]: [format.format] },
      ...(target ? { target } : {}),
    });
    return saved?.toString();
  };

  return { exportReport };
}
