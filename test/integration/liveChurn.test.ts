import assert from 'node:assert/strict';
import { mkdirSync, rmdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LocalTransport } from '../../src/core/transport/local';
import type { Transport } from '../../src/core/transport/transport';
import { summariseLiveChurn, traceLiveChurn } from '../../src/core/trends/liveChurn';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { cgroupMissing, cgroupMounts, needs, toolMissing } from '../support/prereq';

// Live churn with bpftrace on the real cgroup tracepoints while the test churns a sandbox. This
// machine has no tracefs mounted, so the test's transport runs the command in a mount namespace
// of its own with tracefs mounted there (as the monitoring test does): the machine is left as it was.
const have = toolMissing;

const local = new LocalTransport();
const withTracefs: Transport = {
  label: 'local (private tracefs)',
  run: (req) => local.run({ ...req, argv: ['unshare', '-m', 'sh', '-c', 'mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing; exec "$@"', 'sh', ...req.argv] }),
  dispose: () => undefined,
};

describe('live churn (bpftrace)', function () {
  this.timeout(90_000);

  it('summarises records by parent and by process; forged or cut lines are counted, not trusted', () => {
    const text = ['S', 'M\t0\t/a/keep/x\tkubelet', 'M\t0\t/a/tmp/y\trunc', 'R\t0\t/a/tmp/y\trunc', 'L\t0\t/a/tmp/y\tkworker/0:1', 'Attaching 5 probes...', 'garbage line', 'M\t0\t/a/tmp/extra\tfield\tmore', ''].join('\n');
    const c = summariseLiveChurn(text, 5);
    assert.deepEqual(c.byParent.map((r) => [r.key, r.made, r.removed, r.released]), [['/a/tmp', 1, 1, 1], ['/a/keep', 1, 0, 0]]);
    assert.deepEqual(c.byProcess, [{ comm: 'kubelet', made: 1, notRemoved: 1 }, { comm: 'runc', made: 1, notRemoved: 0 }]);
    assert.equal(c.skipped, 2);
    assert.equal(c.truncated, false);
  });

  it('sees the cgroups a process makes and keeps apart from those it makes and removes', async function () {
    const v2 = cgroupMounts().v2;
    needs(this, process.getuid?.() !== 0 ? 'needs root for bpftrace' : have('bpftrace') ?? have('unshare') ?? (v2 === undefined ? 'no cgroup2 mount' : cgroupMissing(v2)));
    const box = CgroupSandbox.create(v2!, 'live');
    const keep = box.mkdir('keep');
    const temp = box.mkdir('temp');
    let i = 0;
    const timer = setInterval(() => {
      mkdirSync(join(keep, `k${i}`));
      mkdirSync(join(temp, `t${i}`));
      rmdirSync(join(temp, `t${i}`));
      i++;
    }, 100);
    try {
      const r = await traceLiveChurn(withTracefs, 4);
      clearInterval(timer);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      const base = `/${basename(box.root)}`;
      const k = r.value.byParent.find((x) => x.key === `${base}/keep`);
      const t = r.value.byParent.find((x) => x.key === `${base}/temp`);
      assert.ok(k && t, JSON.stringify(r.value.byParent.slice(0, 5)));
      assert.ok(k.made >= 10, `made ${k.made} of ${i}`);
      assert.equal(k.removed, 0);
      assert.ok(Math.abs(t.made - t.removed) <= 1 && t.made >= 10, JSON.stringify(t));
      const node = r.value.byProcess.find((p) => p.comm === 'node');
      assert.ok(node && node.notRemoved >= k.made, JSON.stringify(r.value.byProcess.slice(0, 5)));
    } finally {
      clearInterval(timer);
      await box.cleanup();
    }
  });

  it('is cancellable: an aborted trace ends at once', async function () {
    needs(this, process.getuid?.() !== 0 ? 'needs root for bpftrace' : have('bpftrace') ?? have('unshare'));
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 1500);
    const r = await traceLiveChurn(withTracefs, 60, ac.signal);
    assert.ok(!r.ok && r.error.code === 'cancelled', JSON.stringify(r));
    assert.ok(Date.now() - t0 < 10_000, `${Date.now() - t0} ms`);
  });
});
