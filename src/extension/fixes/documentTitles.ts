import type { FixKind } from '../../core/fixes/fixCatalog';

/**
 * A file name of plain characters: node labels and cgroup names may hold anything
 * (GeneratedDocuments.open applies it to every name it is given; it leaves these names as they are).
 */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'document';
}

/** "19:40": the local hour and minute a document was made. */
function hourMinute(at: Date): string {
  return `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
}

/**
 * The readable title of a generated document: what, then which node, then when where it matters
 * ("fix kubelet — node1", "evidence — node1 19:40"). It heads the document (its first line) and
 * titles a diff's tab; it is one path segment (no "/") wherever it is shown.
 */
export function documentTitle(what: string, nodeLabel: string, at?: Date): string {
  return `${what} — ${nodeLabel}${at ? ` ${hourMinute(at)}` : ''}`.replace(/[/\\]/g, '∕');
}

/**
 * The file name of the same document: its tab's label and the name Save As… offers
 * ("evidence-node1-19-40"), from the same parts as its title, in plain characters only.
 */
export function documentFileName(what: string, nodeLabel: string, at?: Date): string {
  return safeFileName(`${what}-${nodeLabel}${at ? `-${hourMinute(at)}` : ''}`);
}

/** A fix document's title: its kind (the catalog's key, as `cgroup-forensics fix <kind>` takes it) and node. */
export function fixTitle(kind: FixKind, nodeLabel: string): string {
  return documentTitle(`fix ${kind}`, nodeLabel);
}
