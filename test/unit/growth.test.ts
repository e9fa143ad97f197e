import assert from 'node:assert/strict';
import { findGrowth, growthOf } from '../../src/core/trends/growth';
import type { CountSample } from '../../src/core/trends/sample';
import { evidenceLines } from '../../src/core/analysis/evidence';

// The growth analysis on made-up series at the edges of "sustained".
const samples = (lives: number[], dying?: number[], step = 60): CountSample[] =>
  lives.map((live, i) => ({ time: 1_000_000 + i * step, hierarchies: [{ kind: 'v2', hierarchy: 'unified', dir: '/sys/fs/cgroup', live, ...(dying ? { dying: dying[i]! } : {}) }], kubepods: [] }));

describe('growth analysis', () => {
  it('slope in cgroups per hour from a least-squares fit', () => {
    const [g] = growthOf(samples([100, 110, 120, 130]));
    assert.equal(g!.perHour, 600);
    assert.equal(g!.rising, 1);
  });

  it('needs enough samples, a mostly rising series and a net gain', () => {
    assert.equal(findGrowth(samples([100, 120, 140])).length, 0, 'three samples are too few');
    assert.equal(findGrowth(samples([100, 120, 140, 160])).length, 1, 'four are enough');
    assert.equal(findGrowth(samples([160, 140, 120, 100])).length, 0, 'falling');
    assert.equal(findGrowth(samples([100, 130, 110, 140, 120, 150])).length, 0, 'a sawtooth is churn, not sustained growth');
    assert.equal(findGrowth(samples([100, 102, 104, 106, 108])).length, 0, 'below the minimum net growth');
    assert.equal(findGrowth(samples([100, 102, 104, 106, 110])).length, 1, 'at the minimum net growth');
  });

  it('counts dying with live and says when the dying share rises', () => {
    const [f] = findGrowth(samples([100, 100, 100, 100, 100], [10, 30, 50, 70, 90]));
    assert.ok(f);
    assert.equal(f.title, '+1200 cgroups/hour in hierarchy unified, dying share rising');
    assert.ok(evidenceLines(f).includes('dying: 10 (9%) -> 90 (47%)'), evidenceLines(f).join('\n'));
  });
});
