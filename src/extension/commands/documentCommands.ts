import { posix } from 'node:path';
import * as vscode from 'vscode';
import { UserError } from '../commandWrapper';
import { saveText, targetOf } from '../documents/saveText';

/** The handler of Save As… for the read-only generated documents (registered in registerCommands.ts). */
export function documentCommands() {
  /**
   * Writes the document (the editor title's resource, else the active editor's) to a file picked
   * in a save dialog, or to the target given as the second argument. Resolves with the file's URI.
   */
  const saveDocumentAs = async (arg?: unknown, targetArg?: unknown) => {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri) throw new UserError('Save As… saves the generated document open in the editor: none is open');
    const doc = await vscode.workspace.openTextDocument(uri);
    const name = posix.basename(uri.path) || 'document.txt';
    const target = targetOf(targetArg);
    const saved = await saveText(doc.getText(), { defaultName: name, title: `Save ${name} as`, ...(target ? { target } : {}) });
    return saved?.toString();
  };

  return { saveDocumentAs };
}
