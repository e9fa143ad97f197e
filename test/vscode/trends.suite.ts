import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { CgroupForensicsApi } from '../../src/extension/extension';
import type { FindingsElement } from '../../src/extension/findings/findingsTree';
import { parseSampleLines } from '../../src/extension/trends/sampleStore';
import type { CountSample } from '../../src/core/trends/sample';
import { MIN_RATE_SPAN_S } from '../../src/core/trends/growth';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { cgroupMounts, needs } from '../support/prereq';
import { treeMissing } from './fixture';
import { activated, until } from './host';

const LOCAL = { type: 'node', nodeId: 'local' } as const;

/**
 * Background trend sampling of This machine in the real extension host: a kubepods-shaped tree of
 * the test's own (a sandbox in the unified hierarchy, whose kubepods.slice the watch program counts
 * as a kubepods subtree of the whole machine) grows while the sampler samples every 5 s, the
 * shortest interval there is (four samples take 15 s); the growth finding appears in the Findings
 * view and the samples are on disk. findGrowth judges growth only over samples spanning
 * MIN_RATE_SPAN_S (10 min): the test does not wait that long but leaves one sample of the sandbox
 * from 11 minutes ago in the node's sample file, as a sampling session of earlier would have.
 */
describe('trend sampling of this machine', function () {
  let api: CgroupForensicsApi;
  let box: CgroupSandbox | undefined;
  let timer: NodeJS.Timeout | undefined;
  let kubepods = '';

  before(async function () {
    needs(this, treeMissing());
    api = await activated();
    box = CgroupSandbox.create(cgroupMounts().v2!, 'trendhost');
    kubepods = box.mkdir('kubepods.slice/kubepods-besteffort.slice');
    const status = await vscode.commands.executeCommand('cgroupForensics.connect', LOCAL);
    assert.equal(status, 'connected');
  });

  after(async () => {
    if (timer) clearInterval(timer);
    if (api?.trends.isSampling('local')) await vscode.commands.executeCommand('cgroupForensics.stopTrendSampling', LOCAL);
    // A sample in flight reads the sandbox; it is read-only, so removing the tree under it is safe.
    await box?.cleanup();
  });

  const sandboxGrowth = (): Extract<FindingsElement, { type: 'finding' }> | undefined =>
    (api.findingsTree.getChildren({ type: 'node', nodeId: 'local' }) as FindingsElement[]).find(
      (e): e is Extract<FindingsElement, { type: 'finding' }> => e.type === 'finding' && e.finding.kind === 'cgroup-growth' && e.finding.title.endsWith(`${box!.root}/kubepods.slice`),
    );

  it('is off until started; Start Trend Sampling takes an interval of at least 5 s', async () => {
    assert.equal(api.trends.isSampling('local'), false, 'off by default');
    assert.equal(vscode.workspace.getConfiguration('cgroupForensics').get('trends.sampleIntervalSeconds'), 0);
    // Below the minimum: refused (the command wrapper shows the error and returns undefined).
    assert.equal(await vscode.commands.executeCommand('cgroupForensics.startTrendSampling', LOCAL, 1), undefined);
    assert.equal(api.trends.isSampling('local'), false);
  });

  it('samples while a tree grows: the growth finding reaches the Findings view, samples are persisted', async () => {
    let n = 0;
    timer = setInterval(() => {
      for (let i = 0; i < 3; i++) mkdirSync(join(kubepods, `kubepods-besteffort-pod${n++}.slice`));
    }, 500);
    // The sandbox's kubepods.slice as it was 11 minutes ago (itself and its QoS child: 2 cgroups),
    // written before the store first reads this node's file (on its first sample).
    const earlier: CountSample = { time: Math.floor(Date.now() / 1000) - MIN_RATE_SPAN_S - 60, hierarchies: [], kubepods: [{ hierarchy: 'unified', dir: `${box!.root}/kubepods.slice`, live: 2, dying: 0 }] };
    mkdirSync(dirname(api.trends.fileOf('local')), { recursive: true });
    writeFileSync(api.trends.fileOf('local'), JSON.stringify(earlier) + '\n');
    assert.deepEqual(api.trends.samples('local'), [earlier], 'the store read the file of earlier samples (no sampling of this node before)');
    const seen: CountSample[] = [];
    const sub = api.trends.onDidSample((e) => {
      if (e.nodeId === 'local') seen.push(e.sample);
    });
    try {
      const t0 = Date.now();
      const interval = await vscode.commands.executeCommand<number>('cgroupForensics.startTrendSampling', LOCAL, 5);
      assert.equal(interval, 5);
      assert.equal(api.trends.isSampling('local'), true);
      // Four samples of this session first: the earlier one makes three enough for findGrowth.
      const found = await until('four samples and the growth finding of the sandbox in the Findings view', () => (seen.length >= 4 ? sandboxGrowth() : undefined), 90_000);
      const took = (Date.now() - t0) / 1000;
      assert.match(found.finding.title, /^\+\d+ cgroups\/hour in unified /);
      assert.equal(found.finding.severity, 'warning');
      assert.match(found.finding.detail, /cgroups \(live \+ dying\) over \d+ samples/);
      assert.ok(seen.length >= 4, `${seen.length} samples announced`);
      assert.ok(took >= 14, `four samples 5 s apart take at least 15 s, not ${took}`);
      // Never two in flight: the node's clock moves by about the interval between samples.
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.time - seen[i - 1]!.time >= 4, `samples ${i - 1} and ${i}: ${seen[i - 1]!.time} -> ${seen[i]!.time}`);
      const last = seen[seen.length - 1]!;
      assert.ok(last.node?.memTotalKb && last.node.memTotalKb > 0, 'samples carry node stats');
      const mine = last.kubepods.find((k) => k.dir === `${box!.root}/kubepods.slice`);
      assert.ok(mine && mine.live > 3, JSON.stringify(last.kubepods));

      // Persisted (JSON Lines under globalStorage), the same samples the history gives the chart.
      const onDisk = parseSampleLines(readFileSync(api.trends.fileOf('local'), 'utf8'));
      assert.equal(onDisk.skipped, 0);
      const history = api.trends.samples('local');
      assert.ok(onDisk.samples.length >= 4);
      assert.deepEqual(onDisk.samples.slice(-4), history.slice(-4));
      assert.match(String(api.trends.sampling()), /local/);
    } finally {
      sub.dispose();
      clearInterval(timer);
      timer = undefined;
    }
  });

  it('stops when the node disconnects, resumes at the remembered interval when it connects again', async () => {
    await vscode.commands.executeCommand('cgroupForensics.disconnect', LOCAL);
    await until('sampling to stop on disconnect', () => !api.trends.isSampling('local') || undefined, 10_000);
    assert.equal(sandboxGrowth(), undefined, 'no findings of a disconnected node');
    assert.equal(await vscode.commands.executeCommand('cgroupForensics.connect', LOCAL), 'connected');
    await until('sampling to resume', () => api.trends.isSampling('local') || undefined, 10_000);
    assert.equal(api.trends.intervalOf('local'), 5);
    // The kept samples and the new ones still show the growth (the tree grew and stays grown).
    await until('the growth finding again after a sample', sandboxGrowth, 30_000);
  });

  it('Stop Trend Sampling stops it: no further samples', async () => {
    assert.equal(await vscode.commands.executeCommand('cgroupForensics.stopTrendSampling', LOCAL), false);
    assert.equal(api.trends.isSampling('local'), false);
    assert.equal(api.trends.chosenInterval('local'), 0, 'remembered as stopped: a reconnect does not resume it');
    assert.equal(sandboxGrowth(), undefined, 'the growth findings go with the sampling; the samples stay');
    assert.ok(api.trends.samples('local').length >= 4);
    const count = api.trends.samples('local').length;
    // Time is what this judges: none may come by when the next sample was due (the last sample's
    // second on the node's clock, this machine's, plus the 5 s interval, with a second to spare).
    const announced: CountSample[] = [];
    const sub = api.trends.onDidSample((e) => announced.push(e.sample));
    try {
      const due = (api.trends.samples('local')[count - 1]!.time + 1 + 5 + 1) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    } finally {
      sub.dispose();
    }
    assert.deepEqual(announced, [], 'no sample announced after Stop');
    assert.equal(api.trends.samples('local').length, count);
  });
});
