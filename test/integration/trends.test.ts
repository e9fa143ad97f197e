import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { churnBetween } from '../../src/core/trends/churn';
import { findGrowth, MIN_RATE_SPAN_S } from '../../src/core/trends/growth';
import { takeSample, type CountSample } from '../../src/core/trends/sample';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';
import { clockPast, printed, waitFor } from '../support/waitFor';

// Trends on real cgroup trees: a tree the test grows while it is sampled shows sustained growth
// (a still one does not), churn from two snapshots of a tree the test churns, and the watch
// command sampling, writing JSON Lines and ending on Ctrl-C.
const local = new LocalTransport();
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');

describe('trends on a real cgroup tree', function () {
  this.timeout(60_000);
  let box: CgroupSandbox | undefined;
  let v2 = '';
  beforeEach(function () {
    const m = cgroupMounts().v2;
    needs(this, m === undefined ? 'no cgroup2 mount' : cgroupMissing(m));
    v2 = m!;
    box = CgroupSandbox.create(v2, 'trend');
  });
  afterEach(async () => {
    await box?.cleanup();
    box = undefined;
  });

  it('a tree growing while sampled shows sustained growth; a still one does not', async () => {
    const growing = box!.mkdir('grow/kubepods.slice/kubepods-burstable.slice');
    box!.mkdir('still/kubepods.slice');
    let n = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < 4; i++) mkdirSync(join(growing, `kubepods-burstable-pod${n++}.slice`));
    }, 250);
    const grow: CountSample[] = [];
    const calm: CountSample[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        if (i) {
          // Each step: a later second on the node's clock (samples are stamped in whole seconds)
          // and at least ten cgroups more in the growing tree.
          const made = n;
          await clockPast(grow[i - 1]!.time);
          await waitFor('ten more cgroups in the growing tree', () => n >= made + 10);
        }
        const g = await takeSample(local, { cgroupRoot: join(box!.root, 'grow') });
        const c = await takeSample(local, { cgroupRoot: join(box!.root, 'still') });
        assert.ok(g.ok && c.ok);
        grow.push(g.value);
        calm.push(c.value);
      }
    } finally {
      clearInterval(timer);
    }
    const first = grow[0]!.kubepods.find((k) => k.dir.endsWith('/kubepods.slice'))!;
    const last = grow[4]!.kubepods.find((k) => k.dir.endsWith('/kubepods.slice'))!;
    assert.ok(last.live - first.live >= 40, `${first.live} -> ${last.live}`);
    // Seconds of samples are too short to call growth sustained (MIN_RATE_SPAN_S); the same counts
    // re-stamped over 10 minutes (the test does not wait that long) are sustained growth.
    assert.deepEqual(findGrowth(grow), [], 'growth over seconds is not judged');
    const spread = (s: CountSample[]): CountSample[] => s.map((x, i) => ({ ...x, time: s[0]!.time + (i * MIN_RATE_SPAN_S) / (s.length - 1) }));
    const f = findGrowth(spread(grow));
    assert.deepEqual(f.map((x) => x.kind), ['cgroup-growth', 'cgroup-growth', 'cgroup-growth'], f.map((x) => x.title).join('\n'));
    assert.match(f[0]!.title, /^\+\d+ cgroups\/hour in hierarchy unified/);
    assert.ok(f.some((x) => x.title.endsWith('/grow/kubepods.slice/kubepods-burstable.slice')));
    assert.deepEqual(findGrowth(spread(calm)), []);
  });

  it('a sample carries the node stats of this machine: /proc/meminfo and the load, in the same round trip', async () => {
    const meminfo = (): Map<string, number> => new Map(readFileSync('/proc/meminfo', 'utf8').split('\n').map((l) => /^(\w+):\s+(\d+)/.exec(l)).filter((m) => m !== null).map((m) => [m[1]!, Number(m[2])]));
    const before = meminfo();
    const r = await takeSample(local, { cgroupRoot: box!.root });
    const after = meminfo();
    assert.ok(r.ok);
    const n = r.value.node;
    assert.ok(n, 'an N record');
    assert.equal(n.memTotalKb, before.get('MemTotal'));
    // Moving numbers: between what the test read just before and just after (with slack for other work here).
    const near = (key: string, v: number | undefined): void => {
      const lo = Math.min(before.get(key)!, after.get(key)!);
      const hi = Math.max(before.get(key)!, after.get(key)!);
      assert.ok(v !== undefined && v >= lo * 0.9 && v <= hi * 1.1, `${key} ${v} not near ${lo}..${hi}`);
    };
    near('MemAvailable', n.memAvailableKb);
    near('Slab', n.slabKb);
    near('SUnreclaim', n.sUnreclaimKb);
    if (before.has('Percpu')) near('Percpu', n.percpuKb);
    else assert.equal(n.percpuKb, undefined, 'no Percpu line: the field is absent');
    assert.ok(typeof n.load1 === 'number' && n.load1 >= 0, String(n.load1));
  });

  it('churn from two snapshots: what was made and removed in between, by parent', async () => {
    const parent = box!.mkdir('kubepods.slice');
    for (let i = 0; i < 5; i++) box!.mkdir(`kubepods.slice/old-${i}`);
    const a = await takeSnapshot(local, { cgroupRoot: box!.root });
    assert.ok(a.ok);
    for (let i = 0; i < 3; i++) rmdirSync(join(parent, `old-${i}`));
    for (let i = 0; i < 7; i++) box!.mkdir(`kubepods.slice/new-${i}`);
    box!.mkdir('elsewhere');
    // Rates need time between the snapshots (they are stamped by the millisecond).
    await waitFor('the clock to pass the first snapshot', () => Date.now() > a.value.takenAt);
    const b = await takeSnapshot(local, { cgroupRoot: box!.root });
    assert.ok(b.ok);
    const rates = churnBetween(a.value, b.value);
    const base = `/${basename(box!.root)}`;
    assert.deepEqual(
      rates.map((r) => [r.parent, r.created, r.removed]),
      [
        [`${base}/kubepods.slice`, 7, 3],
        [base, 1, 0],
      ],
    );
    const seconds = (b.value.takenAt - a.value.takenAt) / 1000;
    assert.ok(Math.abs(rates[0]!.createdPerSecond - 7 / seconds) < 1e-9);
  });

  it('watch --churn: the cgroups a test makes and removes during the window, per second', async () => {
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
    const parent = box!.mkdir('kubepods.slice');
    box!.mkdir('kubepods.slice/gone');
    // --verbose: the CLI logs each snapshot on standard error, so the test knows when the window opens.
    const child = spawn(process.execPath, [cli, 'watch', '--churn', '2', '--method', 'snapshots', '--json', '--verbose', '--cgroup-root', box!.root], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    try {
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      // The window is the two seconds after the first snapshot.
      await printed(child.stderr, /cgroups in \d+ hierarch/, 'the first snapshot of watch --churn');
      for (let i = 0; i < 4; i++) mkdirSync(join(parent, `new-${i}`));
      rmdirSync(join(parent, 'gone'));
      assert.equal(await exited, 0);
      const rows = out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; parent: string; created: number; removed: number; createdPerSecond: number });
      assert.deepEqual(rows.map((r) => [r.type, r.parent, r.created, r.removed]), [['churn', `/${basename(box!.root)}/kubepods.slice`, 4, 1]]);
      assert.ok(rows[0]!.createdPerSecond > 0.5 && rows[0]!.createdPerSecond <= 2, String(rows[0]!.createdPerSecond));
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  });

  it('watch samples at an interval as JSON Lines, and Ctrl-C ends it with the summary', async function () {
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
    box!.mkdir('kubepods.slice/kubepods-besteffort.slice');
    const out = execFileSync(process.execPath, [cli, 'watch', '--interval', '1', '--count', '2', '--json', '--cgroup-root', box!.root], { encoding: 'utf8' });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; hierarchies: { hierarchy: string; live: number; dying: number }[]; kubepods: { dir: string; live: number }[] });
    assert.equal(lines.length, 2);
    assert.deepEqual(lines.map((l) => l.type), ['sample', 'sample']);
    assert.deepEqual(lines[0]!.hierarchies.map((h) => [h.hierarchy, h.live, h.dying]), [['unified', 3, 0]]);
    assert.deepEqual(lines[0]!.kubepods.map((k) => [k.dir, k.live]), [[`${box!.root}/kubepods.slice`, 2], [`${box!.root}/kubepods.slice/kubepods-besteffort.slice`, 1]]);
    const node = (lines[0] as unknown as { node?: { memTotalKb?: number } }).node;
    assert.equal(node?.memTotalKb, Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]), 'the JSON Lines carry the node stats');
    const text = execFileSync(process.execPath, [cli, 'watch', '--count', '1', '--cgroup-root', box!.root], { encoding: 'utf8' });
    assert.match(text, /unified 3\+0d  \| \S+\/kubepods\.slice 2\+0d .*  \|\| mem avail \d+(\.\d)? [GMk]i?B of \d+(\.\d)? [GMk]i?B  slab .* load \d/, text);

    const child = spawn(process.execPath, [cli, 'watch', '--interval', '30', '--cgroup-root', box!.root], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    try {
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString()));
      await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
      const t0 = Date.now();
      child.kill('SIGINT');
      const code = await exited;
      assert.ok(Date.now() - t0 < 3000, 'ended at once, not after the 30 s interval');
      assert.equal(code, 0);
      assert.match(text, /no sustained growth over 1 sample\(s\) in 0 s: growth is judged once the samples span 10 min/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  });
});
