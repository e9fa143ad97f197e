import { FIX_CATALOG } from './fixCatalog';
import type { FixDocument } from './fixDocument';

/** The most changed lines the header names; the diff holds them all. */
const MAX_CHANGED_LINES = 6;

/**
 * What a person reads before a fix document: what it changes, in which file, why and the steps,
 * or "no change needed" and why. Plain text lines, one home for the words: the CLI prints them as
 * `# ` comments above a diff (patch skips them), the extension shows them beside the document.
 * Lines after the first are indented and start with their key (what, file, why, then).
 */
export function fixHeader(d: FixDocument): string[] {
  if (d.noChange !== undefined) return [d.title, `no change needed: ${d.noChange}`];
  const steps = d.apply.length ? d.apply : ['nothing to run: change by hand as the document says'];
  return [d.title, `  what: ${whatItChanges(d)}`, `  file: ${whereItGoes(d)}`, ...d.reasons.map((r) => `  why: ${r}`), ...steps.map((a) => `  then: ${a}`)];
}

/**
 * A no-change document that has nothing else to show: empty, or the node's own file as it is. A
 * no-change document with text of its own (sysctl's, saying why no parameter is needed and what
 * is commonly suggested instead) is still shown.
 */
export function onlyNoChange(d: FixDocument): boolean {
  return d.noChange !== undefined && (d.content === '' || d.targetPath !== undefined);
}

/** A patch: the lines it removes and adds (from its diff); anything else: what its kind makes. */
function whatItChanges(d: FixDocument): string {
  if (!d.diff) return FIX_CATALOG[d.kind].description;
  const body = d.diff.split('\n').filter((l) => !l.startsWith('--- ') && !l.startsWith('+++ '));
  const added = body.filter((l) => l.startsWith('+')).map((l) => l.slice(1).trim());
  const removed = body.filter((l) => l.startsWith('-')).map((l) => l.slice(1).trim());
  const list = (ls: string[]): string => ls.slice(0, MAX_CHANGED_LINES).join('; ') + (ls.length > MAX_CHANGED_LINES ? `; … ${ls.length - MAX_CHANGED_LINES} more` : '');
  const newFile = d.diff.startsWith('--- /dev/null');
  if (newFile) return `a new file of ${added.length} line${added.length === 1 ? '' : 's'}: ${list(added)}`;
  const kept = 'every other line is kept';
  if (!added.length) return `removes ${list(removed)}; ${kept}`;
  return `sets ${list(added)}${removed.length ? ` in place of ${list(removed)}` : ''}; ${kept}`;
}

/**
 * The file it replaces or adds (on the node, for the kinds made from the node; the static kinds'
 * files go to Prometheus, NPD or the cluster), else where its kind's documents go (the catalog's words).
 */
function whereItGoes(d: FixDocument): string {
  const e = FIX_CATALOG[d.kind];
  if (d.targetPath) return `${d.targetPath}${e.needs.from === 'nothing' ? '' : ' on the node'}${d.diff?.startsWith('--- /dev/null') ? ' (a new file)' : ''}`;
  if (e.patchesNodeFiles) return 'no file read here can be patched: change by hand as the document says';
  return e.readme.file.replace(/`/g, '');
}
