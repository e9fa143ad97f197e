import assert from 'node:assert/strict';
import { InputError, UsageError } from '../../src/cli/command';
import { reportError } from '../../src/cli/main';

// The CLI's one place for errors: what reaches standard error for each kind of failure.
function captured(f: () => number): { code: number; text: string } {
  const write = process.stderr.write.bind(process.stderr);
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    text += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: f(), text };
  } finally {
    process.stderr.write = write;
  }
}

describe('CLI errors', () => {
  const saved = process.env.CGROUP_FORENSICS_DEBUG;
  afterEach(() => {
    if (saved === undefined) delete process.env.CGROUP_FORENSICS_DEBUG;
    else process.env.CGROUP_FORENSICS_DEBUG = saved;
  });

  it('an unexpected error is its first line only (exit 4); its stack only with CGROUP_FORENSICS_DEBUG=1', () => {
    delete process.env.CGROUP_FORENSICS_DEBUG;
    const e = new TypeError('rows.forEach is not a function\n  1 | excerpt\n    ^');
    const plain = captured(() => reportError(e));
    assert.equal(plain.code, 4);
    assert.equal(plain.text, 'cgroup-forensics: rows.forEach is not a function\n');
    process.env.CGROUP_FORENSICS_DEBUG = '1';
    const debug = captured(() => reportError(e));
    assert.equal(debug.code, 4);
    assert.match(debug.text, /^cgroup-forensics: rows\.forEach is not a function\nTypeError: rows\.forEach[\s\S]*\n {4}at /);
  });

  it('a usage mistake is exit 2 and a named file that cannot be read is exit 3, one line each', () => {
    const u = captured(() => reportError(new UsageError('bad\nsecond line')));
    assert.deepEqual(u, { code: 2, text: "cgroup-forensics: bad (see 'cgroup-forensics --help')\n" });
    const i = captured(() => reportError(new InputError('cannot read /x (--from): no such file')));
    assert.deepEqual(i, { code: 3, text: 'cgroup-forensics: cannot read /x (--from): no such file\n' });
  });
});
