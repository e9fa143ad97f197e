import * as vscode from 'vscode';
import { summarize } from '../core/analysis/summary';
import { renderSummaryText } from '../core/report/summaryText';
import { takeSnapshot } from '../core/scan';
import { LocalTransport } from '../core/transport/local';

/**
 * The editor front end. For now one command over the core: scan this machine, under progress
 * with cancel, and open the summary as a document. The nodes tree, findings and flame view build
 * on the same core.
 */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Cgroup Forensics', { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand('cgroupForensics.scanLocal', async () => {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Scanning this machine', cancellable: true },
        (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          return takeSnapshot(new LocalTransport(), {
            signal: controller.signal,
            logger: log,
            onProgress: (p) => progress.report({ message: `${p.cgroups} cgroups (${p.hierarchy})` }),
          });
        },
      );
      if (!result.ok) {
        if (result.error.code === 'cancelled') return;
        log.error(result.error.message);
        const choice = await vscode.window.showErrorMessage(`Cgroup Forensics: ${result.error.message}`, 'Show Log');
        if (choice === 'Show Log') log.show();
        return;
      }
      const doc = await vscode.workspace.openTextDocument({ content: renderSummaryText(summarize(result.value)), language: 'plaintext' });
      await vscode.window.showTextDocument(doc);
    }),
  );
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
