import * as vscode from 'vscode';
import { safeFileName } from '../fixes/documentTitles';
import type { NodeFileProvider } from '../fixes/nodeFileProvider';

/**
 * Generated text to show: which node it is of, its file name (the tab's label and the name Save As…
 * offers: documentFileName for a titled document, whose readable title is its first line), its
 * text and language.
 */
export interface GeneratedText {
  node: string;
  name: string;
  content: string;
  language: string;
}

/**
 * The one way generated text (fixes, inspections, summaries, evidence) opens: a read-only
 * document of the node-file scheme, never an untitled one, so closing it asks nothing. Save As…
 * (saveDocumentAs, in the editor's title bar for this scheme) writes a copy where the user says.
 */
export class GeneratedDocuments {
  constructor(private readonly files: NodeFileProvider) {}

  /** The document, in its language, not yet shown (the right side of a diff). */
  async open(g: GeneratedText): Promise<vscode.TextDocument> {
    const doc = await vscode.workspace.openTextDocument(this.files.put(g.node, `/${safeFileName(g.name)}`, g.content));
    return doc.languageId === g.language ? doc : vscode.languages.setTextDocumentLanguage(doc, g.language);
  }

  /** Opens and shows it, kept open (not a preview). */
  async show(g: GeneratedText, options: vscode.TextDocumentShowOptions = {}): Promise<vscode.TextDocument> {
    const doc = await this.open(g);
    await vscode.window.showTextDocument(doc, { preview: false, ...options });
    return doc;
  }
}
