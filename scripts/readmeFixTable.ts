import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIX_CATALOG, FIX_KINDS, type FixKindEntry } from '../src/core/fixes/fixCatalog';

/**
 * README.md's fix-kind table, made from the catalog (src/core/fixes/fixCatalog.ts) so it cannot
 * drift from it. `npx tsx scripts/readmeFixTable.ts` rewrites the table between the markers;
 * test/unit/fixCatalog.test.ts fails when README's table differs from this one.
 */

export const TABLE_BEGIN = '<!-- fix-kinds:begin (made from src/core/fixes/fixCatalog.ts by scripts/readmeFixTable.ts; do not edit by hand) -->';
export const TABLE_END = '<!-- fix-kinds:end -->';

/** A table cell: one line, and a `|` in it does not end the cell. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

/** What the kind does with a saved snapshot (`--from`): the catalog's needs in words. */
function withFrom(e: FixKindEntry): string {
  switch (e.needs.from) {
    case 'nothing':
      return 'works: the same for every node';
    case 'snapshot':
      return `works, ${e.needs.reads}`;
    case 'live':
      return `needs the live node: ${e.needs.why}`;
  }
}

export function fixKindTable(): string {
  const rows = FIX_KINDS.map((k) => {
    const e = FIX_CATALOG[k];
    return `| \`${k}\` | ${cell(e.readme.changes)} | ${cell(e.readme.file)} | ${cell(withFrom(e))} | ${cell(e.readme.checkedBy)} |`;
  });
  return ['| fix kind | what it changes | which file | with `--from` | checked in the tests by |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** The README's text with the table between the markers replaced by fixKindTable(). */
export function withFixKindTable(readme: string): string {
  const begin = readme.indexOf(TABLE_BEGIN);
  const end = readme.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no fix-kind table markers (${TABLE_BEGIN} ... ${TABLE_END})`);
  return `${readme.slice(0, begin + TABLE_BEGIN.length)}\n${fixKindTable()}\n${readme.slice(end)}`;
}

export const README = join(__dirname, '..', 'README.md');

if (require.main === module) {
  const before = readFileSync(README, 'utf8');
  const after = withFixKindTable(before);
  if (after !== before) writeFileSync(README, after);
  process.stdout.write(after === before ? 'README.md: the fix-kind table is up to date\n' : 'README.md: the fix-kind table was rewritten\n');
}
