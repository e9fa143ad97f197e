import * as vscode from 'vscode';

export const NODE_FILE_SCHEME = 'cgroup-forensics-node';

/**
 * Read-only documents holding a file as it was read from a node, for the left side of a fix's
 * diff editor, or a report of what was read there (the cleanup script shown before it runs, Gather
 * Evidence, Trace Cgroup Churn). Content is kept in memory by URI; nothing is written back to the node.
 */
export class NodeFileProvider implements vscode.TextDocumentContentProvider {
  /** Only the most recent are kept (an open editor has its text already): a long session does not grow. */
  static readonly KEEP = 50;
  private readonly files = new Map<string, string>();

  put(nodeLabel: string, path: string, content: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: NODE_FILE_SCHEME, authority: encodeURIComponent(nodeLabel).replace(/%/g, '_'), path, query: String(Date.now()) });
    this.files.delete(uri.toString());
    this.files.set(uri.toString(), content);
    for (const k of [...this.files.keys()].slice(0, Math.max(0, this.files.size - NodeFileProvider.KEEP))) this.files.delete(k);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.files.get(uri.toString()) ?? '(no longer kept: run the command again)';
  }
}
