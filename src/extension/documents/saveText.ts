import { homedir } from 'node:os';
import * as vscode from 'vscode';

/** Where a save dialog starts: the first workspace folder, else the home directory. */
function startFolder(): vscode.Uri {
  return vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
}

/** A target given by a caller (a test, another extension): a Uri, or a URI or absolute path as text. */
export function targetOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg !== 'string' || arg === '') return undefined;
  return arg.startsWith('/') ? vscode.Uri.file(arg) : vscode.Uri.parse(arg, true);
}

/**
 * Writes text to a file the user picks in a save dialog (`defaultName` in the workspace folder or
 * home), or to `target` when the caller names one; then offers to open it (not awaited: the
 * command is done when the file is written). Resolves with the file, or undefined when the dialog
 * is dismissed.
 */
export async function saveText(text: string, o: { defaultName: string; title: string; filters?: Record<string, string[]>; target?: vscode.Uri }): Promise<vscode.Uri | undefined> {
  const dest =
    o.target ??
    (await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(startFolder(), o.defaultName), title: o.title, saveLabel: 'Save', ...(o.filters ? { filters: o.filters } : {}) }));
  if (!dest) return undefined;
  await vscode.workspace.fs.writeFile(dest, new TextEncoder().encode(text));
  const where = dest.scheme === 'file' ? dest.fsPath : dest.toString();
  void vscode.window.showInformationMessage(`Cgroup Forensics: saved ${where}`, 'Open').then(async (choice) => {
    if (choice === 'Open') await vscode.window.showTextDocument(dest, { preview: false });
  });
  return dest;
}
