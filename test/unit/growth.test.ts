import assert from 'node:assert/strict';
import { findGrowth, growthOf, MIN_RATE_SPAN_S } from '../../src/core/trends/growth';
import type { CountSample } from '../../src/core/trends/sample';
import { evidenceLines } from '../../src/core/analysis/evidence';

// The growth analysis on made-up series at the edges of "sustained". Samples are 200 s apart by
// default, so four of them span MIN_RATE_SPAN_S (10 min), the least findGrowth judges.
const samples = (lives: number[], dying?: number[], step = 200): CountSample[] =>
  lives.map((live, i) => ({ time: 1_000_000 + i * step, hierarchies: [{ kind: 'v2', hierarchy: 'unified', dir: '/sys/fs/cgroup', live, ...(dying ? { dying: dying[i]! } : {}) }], kubepods: [] }));

describe('growth analysis', () => {
  it('slope in cgroups per hour from a least-squares fit', () => {
    const [g] = growthOf(samples([100, 110, 120, 130], undefined, 60));
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
    assert.equal(f.title, '+360 cgroups/hour in hierarchy unified, dying share rising');
    assert.ok(evidenceLines(f).includes('dying: 10 (9%) -> 90 (47%)'), evidenceLines(f).join('\n'));
  });

  it('needs the samples to span 10 min: fast growth over a minute is no finding, the same growth over 10 min is', () => {
    assert.equal(MIN_RATE_SPAN_S, 600);
    const lives = [100, 150, 200, 250, 300, 350, 400];
    // Seven samples 10 s apart: +50 every 10 s, "+18000/hour" from one minute of samples.
    assert.deepEqual(findGrowth(samples(lives, undefined, 10)), []);
    assert.deepEqual(findGrowth(samples(lives, undefined, 99)), [], 'just under 10 min (594 s)');
    const [f] = findGrowth(samples(lives, undefined, 100));
    assert.ok(f, 'the same growth over 10 min is sustained');
    assert.equal(f.title, '+1800 cgroups/hour in hierarchy unified');
    assert.ok(evidenceLines(f).includes('100 -> 400 cgroups (live + dying) over 7 samples, 600 s; 100% of steps rising'), evidenceLines(f).join('\n'));
  });

  it('judges each series over its own span: one that appeared a minute ago has no trend yet', () => {
    const s = samples([100, 100, 100, 100, 100, 100, 100], undefined, 100).map((x, i) => (i < 5 ? x : { ...x, kubepods: [{ hierarchy: 'unified', dir: '/sys/fs/cgroup/kubepods.slice', live: i === 5 ? 10 : 90 }] }));
    assert.deepEqual(findGrowth(s), []);
    assert.equal(growthOf(s).find((g) => g.key === 'unified /sys/fs/cgroup/kubepods.slice')?.spanSeconds, 100);
  });
});
