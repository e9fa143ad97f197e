import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { needs } from '../support/prereq';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LocalTransport } from '../../src/core/transport/local';
import { findGrowth, MIN_RATE_SPAN_S, nodeMemoryEvidence } from '../../src/core/trends/growth';
import { nodeStatsText, parseSample, takeSample, type CountSample, type NodeStats } from '../../src/core/trends/sample';
import { parseSampleLines, SampleStore } from '../../src/extension/trends/sampleStore';
import { SamplingLoop, type Outcome } from '../../src/extension/trends/samplingLoop';
import { makeFakeHost, v2Files } from '../support/fakeHost';
import { toolchains } from '../support/toolchains';
import { evidenceLine, evidenceLines } from '../../src/core/analysis/evidence';

// The node-stats record of the watch program (on fixture node filesystems, under every shell and
// awk a node may have), its parsing, the growth evidence it feeds, and the per-node sample store
// of the extension's trend sampler (plain files in a temporary directory).

const MEMINFO = 'MemTotal:       24731708 kB\nMemFree:        20000000 kB\nMemAvailable:   24217764 kB\nSlab:             355340 kB\nSReclaimable:     308360 kB\nSUnreclaim:        46980 kB\nPercpu:             2744 kB\n';
const MOUNT = '30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate';

describe('watch program: node stats (N record)', () => {
  for (const tc of toolchains()) {
    it(`meminfo, loadavg and "-" for what is absent (${tc.name})`, async function () {
      needs(this, tc.missing);
      const full = makeFakeHost({ mountinfo: [MOUNT], files: { 'proc/meminfo': MEMINFO, 'proc/loadavg': '0.42 0.30 0.20 1/87 10161\n' }, cgroups: { '/sys/fs/cgroup': { '/': v2Files({ root: true, descendants: 2, dying: 1 }) } } });
      // An old kernel: no Percpu line, no MemAvailable; no loadavg at all; a forged non-number.
      const old = makeFakeHost({ mountinfo: [MOUNT], files: { 'proc/meminfo': 'MemTotal:  1000 kB\nSlab:  x\tkB\nSUnreclaim: 20 kB\n' }, cgroups: { '/sys/fs/cgroup': { '/': v2Files({ root: true }) } } });
      try {
        const t = new LocalTransport(tc.env());
        const a = await takeSample(t, { hostRoot: full.root });
        assert.ok(a.ok, JSON.stringify(a));
        assert.deepEqual(a.value.node, { memTotalKb: 24731708, memAvailableKb: 24217764, slabKb: 355340, sUnreclaimKb: 46980, percpuKb: 2744, load1: 0.42 });
        assert.deepEqual(a.value.hierarchies.map((h) => [h.hierarchy, h.live, h.dying]), [['unified', 3, 1]]);
        const b = await takeSample(t, { hostRoot: old.root });
        assert.ok(b.ok, JSON.stringify(b));
        assert.deepEqual(b.value.node, { memTotalKb: 1000, sUnreclaimKb: 20 });
      } finally {
        full.remove();
        old.remove();
      }
    });
  }

  it('parses protocol 2 N records and still reads protocol 1 samples (no node stats)', () => {
    const v2 = parseSample('V\twatch\t2\nT\t100\nN\t10\t5\t-\t3\t-\t1.5\nH\tv2\tunified\t/sys/fs/cgroup\t4\t1\nZ\tEND\n');
    assert.deepEqual(v2.node, { memTotalKb: 10, memAvailableKb: 5, sUnreclaimKb: 3, load1: 1.5 });
    const v1 = parseSample('V\twatch\t1\nT\t100\nH\tv2\tunified\t/sys/fs/cgroup\t4\t1\nZ\tEND\n');
    assert.equal(v1.node, undefined);
    assert.equal(v1.complete, true);
    assert.throws(() => parseSample('V\twatch\t3\n'), /watch 3, this reader watch 1 and 2/);
  });

  it('shows node stats in one line, leaving out what the node lacks', () => {
    assert.equal(nodeStatsText({ memTotalKb: 24731708, memAvailableKb: 24217764, slabKb: 355340, sUnreclaimKb: 46980, percpuKb: 2744, load1: 0.42 }), 'mem avail 23.1 GiB of 23.6 GiB  slab 347 MiB (unreclaimable 45.9 MiB)  percpu 2.7 MiB  load 0.42');
    assert.equal(nodeStatsText({ memTotalKb: 1000, sUnreclaimKb: 20 }), 'mem 1000 KiB  unreclaimable slab 20.0 KiB');
    assert.equal(nodeStatsText({}), '');
  });
});

const sample = (i: number, live: number, node?: NodeStats): CountSample => ({
  time: 1_000_000 + i * 60,
  hierarchies: [{ kind: 'v2', hierarchy: 'unified', dir: '/sys/fs/cgroup', live, dying: i }],
  kubepods: [{ hierarchy: 'unified', dir: '/sys/fs/cgroup/kubepods.slice', live: live - 50 }],
  ...(node ? { node } : {}),
});

/** The same samples re-stamped to span MIN_RATE_SPAN_S, the least findGrowth judges (counts unchanged). */
const spanned = (s: CountSample[]): CountSample[] => s.map((x, i) => ({ ...x, time: 1_000_000 + (i * MIN_RATE_SPAN_S) / (s.length - 1) }));

describe('growth evidence from node stats', () => {
  it('a Percpu / SUnreclaim rise is evidence of the growth finding', () => {
    const s = [0, 1, 2, 3, 4].map((i) => sample(i, 100 + 20 * i, { percpuKb: 2000 + 500 * i, sUnreclaimKb: 40_000 + 1000 * i, memAvailableKb: 1 }));
    assert.deepEqual(nodeMemoryEvidence(s).map(evidenceLine), ['node kernel memory (/proc/meminfo): Percpu 2.0 MiB -> 3.9 MiB (+100%), SUnreclaim 39.1 MiB -> 43.0 MiB (+10%); dying memcgs keep per-cpu and slab memory until freed']);
    const f = findGrowth(spanned(s));
    assert.equal(f.length, 2);
    for (const x of f) assert.ok(evidenceLines(x).some((e) => e.startsWith('node kernel memory')), evidenceLines(x).join('\n'));
  });

  it('nothing is said when node memory did not rise, or samples have no node stats', () => {
    assert.deepEqual(nodeMemoryEvidence([0, 1, 2, 3].map((i) => sample(i, 100, { percpuKb: 3000 - i, sUnreclaimKb: 100 }))), []);
    assert.deepEqual(nodeMemoryEvidence([0, 1, 2, 3].map((i) => sample(i, 100))), []);
    const f = findGrowth(spanned([0, 1, 2, 3, 4].map((i) => sample(i, 100 + 20 * i))));
    assert.ok(f.length && f.every((x) => !evidenceLines(x).some((e) => e.startsWith('node kernel memory'))));
  });
});

describe('trend sample store (JSON Lines per node)', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cf-trends-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');

  it('keeps at most keepSamples; the file is trimmed on write and survives a new store (a reload)', () => {
    const store = new SampleStore(dir, 10);
    for (let i = 0; i < 25; i++) {
      store.append('ssh:node-1', sample(i, 100 + i, { percpuKb: i }));
      assert.ok(store.samples('ssh:node-1').length <= 10);
      assert.ok(lines(store.fileOf('ssh:node-1')).length <= 11, `file bound at sample ${i}`);
    }
    assert.deepEqual(store.samples('ssh:node-1').map((s) => s.time), [15, 16, 17, 18, 19, 20, 21, 22, 23, 24].map((i) => 1_000_000 + i * 60));
    const reloaded = new SampleStore(dir, 10);
    assert.deepEqual(reloaded.samples('ssh:node-1'), store.samples('ssh:node-1'));
    assert.deepEqual(reloaded.samples('local'), [], 'another node has its own (empty) file');
    reloaded.setKeep(3);
    assert.equal(reloaded.samples('ssh:node-1').length, 3);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  });

  it("forget deletes a node's samples in memory and on disk, and no other node's", () => {
    const store = new SampleStore(dir, 10);
    store.append('ssh:gone', sample(1, 100));
    store.append('local', sample(1, 100));
    store.forget('ssh:gone');
    assert.deepEqual(store.samples('ssh:gone'), []);
    assert.deepEqual(new SampleStore(dir, 10).samples('ssh:gone'), [], 'not on disk either');
    assert.equal(new SampleStore(dir, 10).samples('local').length, 1);
    store.forget('never-sampled');
  });

  it('a corrupt line is skipped and told, not fatal; later samples append after it', () => {
    const store0 = new SampleStore(dir, 100);
    const file = store0.fileOf('local');
    mkdirSync(dirname(file), { recursive: true });
    const good = (i: number): string => JSON.stringify(sample(i, 100 + i));
    writeFileSync(
      file,
      [
        good(0),
        'not json',
        '{"time": 5, "hierarchies": [{"kind": "v2", "hierarchy": "unified", "dir": "/", "live": "many"}], "kubepods": []}',
        '{"time": 6, "hierarchies": [], "kubepods": [], "node": 7}',
        good(1),
        good(2).slice(0, 30),
      ].join('\n') + '\n',
    );
    const told: number[] = [];
    const store = new SampleStore(dir, 100, (_f, n) => told.push(n));
    assert.deepEqual(store.samples('local').map((s) => s.hierarchies[0]!.live), [100, 101]);
    assert.deepEqual(told, [4]);
    store.append('local', sample(3, 103));
    assert.deepEqual(new SampleStore(dir, 100).samples('local').map((s) => s.hierarchies[0]!.live), [100, 101, 103]);
  });

  it('a file cut inside a line (a crash mid-write): the next sample starts a line of its own', () => {
    const store0 = new SampleStore(dir, 100);
    const file = store0.fileOf('local');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(sample(0, 100)) + '\n' + JSON.stringify(sample(1, 101)).slice(0, 25));
    const store = new SampleStore(dir, 100);
    store.append('local', sample(2, 102));
    assert.deepEqual(new SampleStore(dir, 100).samples('local').map((s) => s.hierarchies[0]!.live), [100, 102]);
  });

  it('file names come from a hash of the node id: ids with "/" and ".." stay in the folder', () => {
    const store = new SampleStore(dir, 5);
    for (const id of ['file:/../../etc/passwd', 'ssh:a/b', '..']) {
      const f = store.fileOf(id);
      assert.equal(dirname(f), dir);
      assert.match(f.slice(dir.length + 1), /^samples-[0-9a-f]{32}\.jsonl$/);
    }
    assert.notEqual(store.fileOf('ssh:a'), store.fileOf('ssh:b'));
  });

  it('parseSampleLines keeps optional fields as they were (dying, node)', () => {
    const s = sample(0, 100, { percpuKb: 1, load1: 0.5 });
    const r = parseSampleLines(JSON.stringify(s) + '\n\n' + JSON.stringify({ ...s, kubepods: [{ hierarchy: 'unified', dir: '/x', live: 1 }] }) + '\n');
    assert.deepEqual(r.samples[0], s);
    assert.deepEqual(r.samples[1]!.kubepods, [{ hierarchy: 'unified', dir: '/x', live: 1 }]);
    assert.equal(r.skipped, 0);
  });
});

describe('sampling loop (the timing of one node\'s background sampling)', () => {
  const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  // Timers here run late on a busy machine: counts are bounded loosely, order and gaps exactly.
  const until = async (ok: () => boolean, ms = 5000): Promise<void> => {
    const end = Date.now() + ms;
    while (!ok() && Date.now() < end) await wait(5);
  };

  it('never two samples in flight, even when a sample takes longer than the interval', async () => {
    let running = 0;
    let most = 0;
    let done = 0;
    const loop = new SamplingLoop<number>(20, {
      sample: async () => {
        most = Math.max(most, ++running);
        await wait(60);
        running--;
        return { ok: true, value: ++done };
      },
      onValue: () => undefined,
      onFailure: () => assert.fail('no failure'),
    });
    loop.start();
    loop.start();
    await wait(400);
    loop.stop();
    assert.equal(most, 1);
    assert.ok(done >= 2 && done <= 7, `${done} samples of 60 ms in 400 ms`);
  });

  it('keeps the interval between sample starts when samples are quick', async () => {
    const starts: number[] = [];
    const loop = new SamplingLoop<number>(100, { sample: async () => (starts.push(Date.now()), { ok: true, value: 1 }), onValue: () => undefined, onFailure: () => undefined });
    loop.start();
    await wait(450);
    loop.stop();
    assert.ok(starts.length >= 2 && starts.length <= 6, String(starts.length));
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! - starts[i - 1]! >= 95, `gap ${starts[i]! - starts[i - 1]!}`);
  });

  it('a failure is told once per run of failures and retried; a success after them is a recovery', async () => {
    const script: Outcome<number>[] = [
      { ok: false, error: { code: 'spawn', message: 'a' } },
      { ok: false, error: { code: 'spawn', message: 'b' } },
      { ok: false, error: { code: 'spawn', message: 'c' } },
      { ok: true, value: 1 },
      { ok: false, error: { code: 'cancelled', message: 'not told' } },
      { ok: false, error: { code: 'exit', message: 'd' } },
    ];
    const events: string[] = [];
    let i = 0;
    const loop = new SamplingLoop<number>(5, {
      sample: async () => {
        const o = script[i++];
        if (!o) throw new Error('thrown');
        return o;
      },
      onValue: (v) => events.push(`value ${v}`),
      onFailure: (m, first) => events.push(`${first ? 'FIRST' : 'again'} ${m}`),
      onRecovered: () => events.push('recovered'),
    });
    loop.start();
    await until(() => events.length >= 8);
    loop.stop();
    assert.deepEqual(events.slice(0, 8), ['FIRST a', 'again b', 'again c', 'recovered', 'value 1', 'FIRST d', 'again thrown', 'again thrown']);
  });

  it('stop() aborts the sample in flight, drops its outcome and runs nothing more', async () => {
    let signal: AbortSignal | undefined;
    let calls = 0;
    const values: number[] = [];
    const loop = new SamplingLoop<number>(10, {
      sample: async (s) => {
        calls++;
        signal = s;
        await wait(50);
        return { ok: true, value: 7 };
      },
      onValue: (v) => values.push(v),
      onFailure: () => undefined,
    });
    loop.start();
    await wait(10);
    assert.equal(loop.busy, true);
    loop.stop();
    assert.equal(signal?.aborted, true);
    await wait(120);
    assert.deepEqual(values, []);
    assert.equal(calls, 1);
  });

  it('what is done with a sample may throw without ending the loop', async () => {
    const failures: string[] = [];
    let n = 0;
    const loop = new SamplingLoop<number>(5, {
      sample: async () => ({ ok: true, value: ++n }),
      onValue: (v) => {
        if (v === 1) throw new Error('disk full');
      },
      onFailure: (m) => failures.push(m),
    });
    loop.start();
    await until(() => n >= 3);
    loop.stop();
    assert.deepEqual(failures, ['disk full']);
    assert.ok(n >= 3, String(n));
  });
});
