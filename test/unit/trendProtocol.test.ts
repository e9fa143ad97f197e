import assert from 'node:assert/strict';
import { parseSample as parseWatchOutput, type CountSample } from '../../src/core/trends/sample';
import { trendHtml } from '../../src/extension/trends/trendHtml';
import { MAX_ROWS, parseFromWebview, parseSample, parseToWebview, type ToWebview, type TrendSample } from '../../src/protocol/trendProtocol';
import { appendSample, formatRate, rateText, sampleSpanSeconds, seriesOf } from '../../webview/src/trend/series';
import { timeTickFormat } from '../../webview/src/trend/axisFormat';

const HOSTILE = '<img src=x onerror=alert(1)>';

/** A sample as core's watch reader makes it from the watch program's records. */
function watchSample(): CountSample {
  const text = [
    'V\twatch\t1',
    'T\t1760000000',
    'H\tv2\tunified\t/sys/fs/cgroup\t120\t30',
    'H\tv1\tmemory\t/sys/fs/cgroup/memory\t80\t-',
    `K\tunified\t/sys/fs/cgroup/kubepods.slice/${HOSTILE}\t12\t3`,
    'Z\tEND',
    '',
  ].join('\n');
  const { complete, ...s } = parseWatchOutput(text);
  assert.ok(complete);
  return s;
}

describe('trend protocol', () => {
  it('passes a sample from the watch reader through unchanged (hostile text kept as data)', () => {
    const s = watchSample();
    const m: ToWebview = { type: 'init', nodeId: 'local', label: 'This machine', sampling: false, samples: [s] };
    const p = parseToWebview(structuredClone(m));
    assert.ok(p.ok, p.ok ? '' : p.error);
    assert.deepEqual(p.value, m);
    assert.equal(p.ok && p.value.type === 'init' && p.value.samples[0]!.kubepods[0]!.dir.endsWith(HOSTILE), true);
  });

  it('keeps node stats that are numbers and drops unknown keys', () => {
    const s = { ...watchSample(), node: { memAvailableKb: 1000, percpuKb: 12.5, load1: 0.3, evil: '<b>' } };
    const p = parseSample(s);
    assert.ok(typeof p !== 'string', String(p));
    assert.deepEqual(p.node, { memAvailableKb: 1000, percpuKb: 12.5, load1: 0.3 });
    assert.match(String(parseSample({ ...s, node: { slabKb: '5' } })), /slabKb/);
    assert.match(String(parseSample({ ...s, node: { slabKb: -1 } })), /slabKb/);
    assert.match(String(parseSample({ ...s, node: [] })), /node stats/);
  });

  it('rejects malformed samples', () => {
    const good = watchSample();
    const bad: [unknown, RegExp][] = [
      [null, /not an object/],
      [{ ...good, time: '1760000000' }, /no time/],
      [{ ...good, time: Infinity }, /no time/],
      [{ ...good, hierarchies: {} }, /no hierarchies/],
      [{ ...good, hierarchies: [{ ...good.hierarchies[0], kind: 'v3' }] }, /hierarchy row/],
      [{ ...good, hierarchies: [{ ...good.hierarchies[0], live: -1 }] }, /hierarchy row/],
      [{ ...good, hierarchies: [{ ...good.hierarchies[0], live: 1.5 }] }, /hierarchy row/],
      [{ ...good, hierarchies: [{ ...good.hierarchies[0], dying: 'x' }] }, /hierarchy row/],
      [{ ...good, kubepods: [{ hierarchy: 'unified', live: 1 }] }, /kubepods row/],
      [{ ...good, kubepods: [{ hierarchy: 'unified', dir: 'x'.repeat(5000), live: 1 }] }, /kubepods row/],
      [{ ...good, kubepods: Array.from({ length: MAX_ROWS + 1 }, () => good.kubepods[0]) }, /too many rows/],
    ];
    for (const [v, re] of bad) assert.match(String(parseSample(v)), re, JSON.stringify(v)?.slice(0, 120));
  });

  it('checks every message to the webview', () => {
    const s = watchSample();
    assert.ok(parseToWebview({ type: 'append', sample: s, kept: 10, sampling: true }).ok);
    assert.ok(parseToWebview({ type: 'sampling', sampling: false }).ok);
    assert.deepEqual(parseToWebview({ type: 'reply', requestId: 3, ok: false, message: 'no' }), { ok: true, value: { type: 'reply', requestId: 3, ok: false, message: 'no' } });
    const bad: [unknown, RegExp][] = [
      ['init', /not an object/],
      [{ type: 'init', nodeId: 'local', label: 'x', sampling: 'yes', samples: [] }, /init:/],
      [{ type: 'init', nodeId: 'local', label: 'x', sampling: true, samples: {} }, /init: samples/],
      [{ type: 'init', nodeId: 'local', label: 'x', sampling: true, samples: [s, { time: 1 }] }, /init: a sample/],
      [{ type: 'append', sample: s, kept: -1, sampling: true }, /append:/],
      [{ type: 'append', sample: { ...s, kubepods: null }, kept: 1, sampling: true }, /append: a sample/],
      [{ type: 'sampling' }, /sampling:/],
      [{ type: 'reply', requestId: 1.5, ok: true }, /reply:/],
      [{ type: 'reply', requestId: 1, ok: true, message: 7 }, /reply:/],
      [{ type: 'snapshotBegin' }, /unknown message type "snapshotBegin"/],
      [{ type: {} }, /unknown message type "\(none\)"/],
    ];
    for (const [v, re] of bad) {
      const p = parseToWebview(v);
      assert.ok(!p.ok, JSON.stringify(v));
      assert.match(p.error, re);
    }
  });

  it('checks every message from the webview', () => {
    assert.deepEqual(parseFromWebview({ type: 'ready', extra: 1 }), { ok: true, value: { type: 'ready' } });
    assert.deepEqual(parseFromWebview({ type: 'startSampling', requestId: 4, nodeId: 'other-node' }), { ok: true, value: { type: 'startSampling', requestId: 4 } }, 'the panel decides the node, never the webview');
    assert.deepEqual(parseFromWebview({ type: 'log', level: 'warn', message: 'hm' }), { ok: true, value: { type: 'log', level: 'warn', message: 'hm' } });
    const bad: [unknown, RegExp][] = [
      [undefined, /not an object/],
      [[{ type: 'ready' }], /not an object/],
      [{ type: 'startSampling' }, /requestId/],
      [{ type: 'startSampling', requestId: -1 }, /requestId/],
      [{ type: 'log', level: 'debug', message: 'x' }, /level/],
      [{ type: 'log', level: 'info', message: 'x'.repeat(5000) }, /message/],
      [{ type: 'runCommand', command: 'rm -rf /' }, /unknown message type "runCommand"/],
    ];
    for (const [v, re] of bad) {
      const p = parseFromWebview(v);
      assert.ok(!p.ok, JSON.stringify(v));
      assert.match(p.error, re);
    }
  });

  it('makes a page with a strict CSP, the script by nonce, and no data in it', () => {
    const html = trendHtml({ cspSource: 'https://res.test', nonce: 'n0nce', scriptUri: 'https://res.test/trend.js', styleUri: 'https://res.test/trend.css' });
    assert.match(html, /default-src 'none'/);
    assert.match(html, /script-src 'nonce-n0nce'/);
    assert.match(html, /<script nonce="n0nce" src="https:\/\/res.test\/trend.js"><\/script>/);
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
  });
});

describe('trend series (webview model)', () => {
  const at = (time: number, unified: number, extra?: TrendSample['kubepods'][number]): TrendSample => ({
    time,
    hierarchies: [{ kind: 'v2', hierarchy: 'unified', dir: '/', live: unified, dying: 1 }],
    kubepods: extra ? [extra] : [],
  });

  it('lays samples out per growthOf key, totals as live + dying, gaps where a series is missing', () => {
    const samples = [at(0, 10), at(60, 11, { hierarchy: 'unified', dir: '/kubepods.slice', live: 4 }), at(120, 12)];
    const set = seriesOf(samples);
    assert.deepEqual(set.times, [0, 60_000, 120_000]);
    assert.deepEqual(
      set.series.map((s) => s.key),
      ['hierarchy unified', 'unified /kubepods.slice'],
    );
    assert.deepEqual(set.series[0]!.total, [11, 12, 13]);
    assert.deepEqual(set.series[0]!.dying, [1, 1, 1]);
    assert.deepEqual(set.series[1]!.total, [NaN, 4, NaN]);
    assert.equal(set.series[1]!.hasDying, false);
    appendSample(set, at(180, 20, { hierarchy: 'unified', dir: '/kubepods.slice', live: 5, dying: 2 }));
    assert.deepEqual(set.series[1]!.total, [NaN, 4, NaN, 7]);
    assert.equal(set.series[1]!.hasDying, true);
  });

  it("labels a kubepods series by its path in the hierarchy, not below the node's mount point", () => {
    const s: TrendSample = {
      time: 0,
      hierarchies: [{ kind: 'v2', hierarchy: 'unified', dir: '/sys/fs/cgroup/', live: 9, dying: 0 }, { kind: 'v1', hierarchy: 'memory', dir: '/sys/fs/cgroup/memory', live: 9 }],
      kubepods: [
        { hierarchy: 'unified', dir: '/sys/fs/cgroup/kubepods.slice', live: 4, dying: 0 },
        { hierarchy: 'memory', dir: '/sys/fs/cgroup/memory/kubepods/burstable', live: 2 },
        { hierarchy: 'memory', dir: '/elsewhere/kubepods', live: 1 },
      ],
    };
    assert.deepEqual(
      seriesOf([s]).series.filter((x) => x.group === 'kubepods').map((x) => [x.key, x.label]),
      [
        ['unified /sys/fs/cgroup/kubepods.slice', '/kubepods.slice (unified)'],
        ['memory /sys/fs/cgroup/memory/kubepods/burstable', '/kubepods/burstable (memory)'],
        ['memory /elsewhere/kubepods', '/elsewhere/kubepods (memory)'],
      ],
    );
  });

  it('shows a rate only once the samples span ten minutes, and says how long so far', () => {
    assert.equal(sampleSpanSeconds([1000]), 0);
    assert.equal(sampleSpanSeconds([1000, 61_000]), 60);
    assert.equal(rateText(92, 45), 'rate after 10 min of samples (45 s so far)');
    assert.equal(rateText(-849, 190), 'rate after 10 min of samples (3 min so far)');
    assert.equal(rateText(60, 600), '+60/hour');
    assert.equal(rateText(undefined, 900), '—');
  });

  it('formats every tick of a time axis alike: HH:MM:SS, HH:MM or the date, by the step', () => {
    const d = new Date(2026, 11, 3, 2, 52, 25);
    assert.equal(timeTickFormat(5_000)(d), '02:52:25');
    assert.equal(timeTickFormat(60_000)(d), '02:52');
    assert.equal(timeTickFormat(3_600_000)(d), '02:52');
    assert.equal(timeTickFormat(86_400_000)(d), '2026-12-03');
  });

  it('formats rates as +N/hour', () => {
    assert.equal(formatRate(60), '+60/hour');
    assert.equal(formatRate(59.6), '+60/hour');
    assert.equal(formatRate(2.345), '+2.3/hour');
    assert.equal(formatRate(-12.4), '−12/hour');
    assert.equal(formatRate(0.01), '0/hour');
  });
});
