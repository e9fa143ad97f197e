import assert from 'node:assert/strict';
import { byteStringOf, displayOf, utf8Of } from '../../src/core/model/bytes';

describe('byte-string names', () => {
  it('decodes valid UTF-8 and refuses invalid bytes', () => {
    assert.equal(utf8Of('plain'), 'plain');
    assert.equal(utf8Of(byteStringOf('café')), 'café');
    assert.equal(utf8Of('bad\xff\xfe'), undefined);
  });

  it('shows control bytes and invalid UTF-8 as visible escapes, never raw', () => {
    assert.equal(displayOf('new\nline'), 'new\\nline');
    assert.equal(displayOf('tab\t'), 'tab\\t');
    assert.equal(displayOf('esc\x1b[31m'), 'esc\\x1b[31m');
    assert.equal(displayOf('back\\slash'), 'back\\\\slash');
    assert.equal(displayOf('bad\xff\xfeutf8'), 'bad\\xff\\xfeutf8');
    assert.equal(displayOf(byteStringOf('café\n') + '\xff'), 'café\\n\\xff');
    // C1 controls (U+0080-U+009F) also move terminals.
    assert.equal(displayOf(byteStringOf('a\u009bb')), 'a\\x9bb');
  });

  it('keeps ordinary names as they are', () => {
    assert.equal(displayOf('kubepods-burstable.slice'), 'kubepods-burstable.slice');
    assert.equal(displayOf(byteStringOf('ünïcödé')), 'ünïcödé');
  });
});
