import type { FixKind } from '../../core/fixes/fixCatalog';

/**
 * The editor tab titles of generated documents: what, then which node, then when where it matters
 * ("fix kubelet — node1", "evidence — node1 19:40"). A tab shows the last segment of a document's
 * path, so the title is one segment (no "/"); what the document holds in full is its first line.
 */
export function documentTitle(what: string, nodeLabel: string, at?: Date): string {
  const when = at ? ` ${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}` : '';
  return `${what} — ${nodeLabel}${when}`.replace(/[/\\]/g, '∕');
}

/** A fix document's title: its kind (the catalog's key, as `cgroup-forensics fix <kind>` takes it) and node. */
export function fixTitle(kind: FixKind, nodeLabel: string): string {
  return documentTitle(`fix ${kind}`, nodeLabel);
}
