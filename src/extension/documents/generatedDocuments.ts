import * as vscode from 'vscode';
import type { NodeFileProvider } from '../fixes/nodeFileProvider';

/** Generated text to show: which node it is of, a short file name (its tab title and Save As… name), its text and language. */
export interface GeneratedText {
  node: string;
  name: string;
  content: string;
  language: string;
}

/** A file name of plain characters: node labels and titles may hold anything. */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'document';
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
