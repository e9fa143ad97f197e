import assert from 'node:assert/strict';
import { CgroupTree } from '../../src/core/model/cgroupTree';

describe('CgroupTree', () => {
  it('grows past its capacity, indexes children and counts descendants', () => {
    const t = new CgroupTree(2);
    t.add('/', [0]);
    for (let i = 0; i < 50; i++) {
      t.add(`/p${i}`, [1]);
      t.add(`/p${i}/c`, [2]);
    }
    t.seal();
    assert.equal(t.size, 101);
    assert.equal(t.children(0).length, 50);
    const p7 = t.find('/p7')!;
    assert.equal(t.path(p7), '/p7');
    assert.equal(t.children(p7).length, 1);
    assert.equal(t.find('/p7/c'), t.children(p7)[0]);
    assert.equal(t.find('/nope'), undefined);
    const d = t.descendantCounts();
    assert.equal(d[0], 100);
    assert.equal(d[p7], 1);
    assert.equal(t.depth(t.find('/p7/c')!), 2);
  });

  it('refuses additions once sealed', () => {
    const t = new CgroupTree();
    t.add('/');
    t.seal();
    assert.throws(() => t.add('/x'), /sealed/);
  });
});
