import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { shellCommand, shellQuote } from '../../src/core/shellQuote';
import { HOSTILE_NAMES } from '../fixtures/hosts/specs';

describe('shellQuote', () => {
  it('leaves plain words bare and quotes everything else', () => {
    assert.equal(shellQuote('abc'), 'abc');
    assert.equal(shellQuote('/sys/fs/cgroup/kubepods.slice'), '/sys/fs/cgroup/kubepods.slice');
    assert.equal(shellQuote(''), "''");
    assert.equal(shellQuote('-rf'), "'-rf'");
    assert.equal(shellQuote("it's"), "'it'\\''s'");
    assert.equal(shellQuote('$(id)'), "'$(id)'");
  });

  it('refuses NUL, which no shell word can carry', () => {
    assert.throws(() => shellQuote('a\0b'), /NUL/);
  });

  // The real test: a shell given the quoted words hands back exactly the bytes, and runs nothing.
  for (const sh of ['/bin/sh', '/bin/bash']) {
    it(`round-trips every hostile name through ${sh} byte for byte`, () => {
      const words = [...HOSTILE_NAMES, "'", "''", '\\', '"$HOME"', '*', '~', '!', '\n', ' ', '-e'];
      const script = `for w in ${shellCommand(words)}; do printf '%s\\0' "$w"; done`;
      // Through stdin as raw bytes: an argv string would be re-encoded as UTF-8 on the way.
      const out = execFileSync(sh, ['-s'], { input: Buffer.from(script, 'latin1'), env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' } });
      const got = out.toString('latin1').split('\0').slice(0, -1);
      assert.deepEqual(got, words);
    });
  }
});
