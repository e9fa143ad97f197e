import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

// The README's screenshots are files of the repository (made by scripts/screenshots.mjs): every
// image it shows exists, has alt text, and stays small enough for a README.
const REPO = join(__dirname, '..', '..');

describe("README's images", () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const images = [...readme.matchAll(/!\[([^\]]*)\]\(([^)\s]+)\)/g)].map((m) => ({ alt: m[1]!, target: m[2]! }));

  it('shows the three screenshots of the walk', () => {
    assert.deepEqual(
      images.map((i) => i.target),
      ['docs/images/nodes-and-findings.png', 'docs/images/flame-view.png', 'docs/images/fix-diff.png'],
    );
  });

  it('links only files that exist, each with alt text and at most 200 KB', () => {
    for (const { alt, target } of images) {
      assert.ok(!/^[a-z]+:/i.test(target), `${target} is a file of the repository, not a URL`);
      const file = join(REPO, target);
      assert.ok(existsSync(file), `${target} exists`);
      assert.ok(alt.trim().length > 20, `${target} says what it shows`);
      assert.ok(statSync(file).size <= 200 * 1024, `${target} is ${statSync(file).size} bytes`);
    }
  });
});
