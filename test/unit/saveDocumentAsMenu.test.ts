import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Save As… is offered where generated documents are shown: in the editor title and the palette of
// the read-only schemes (the node-file provider's, and the compare summaries').

interface Menu {
  command: string;
  when?: string;
}

describe('Save As… for generated documents', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { contributes: { menus: Record<string, Menu[]> } };
  for (const menu of ['editor/title', 'commandPalette']) {
    it(`is in ${menu} for the generated documents' schemes only`, () => {
      const entry = pkg.contributes.menus[menu]?.find((m) => m.command === 'cgroupForensics.saveDocumentAs');
      assert.ok(entry, menu);
      assert.equal(entry.when, 'resourceScheme == cgroup-forensics-node || resourceScheme == cgroup-forensics-diff');
    });
  }
  it('names the schemes the extension registers', () => {
    const src = (f: string): string => readFileSync(join(__dirname, '..', '..', 'src', 'extension', f), 'utf8');
    assert.match(src('fixes/nodeFileProvider.ts'), /NODE_FILE_SCHEME = 'cgroup-forensics-node'/);
    assert.match(src('commands/snapshotCommands.ts'), /DIFF_SCHEME = 'cgroup-forensics-diff'/);
  });
});
