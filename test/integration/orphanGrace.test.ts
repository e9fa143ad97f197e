import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/analysis/forensics';
import { gatherFacts } from '../../src/core/facts/gatherFacts';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';

/**
 * The grace period against a real cgroupfs: a pod cgroup made just before the scan is 0 s old,
 * never younger than a grace period of 0 (the node's clock and the kernel's file times may
 * disagree by a tick), and younger than a grace period of 600 s.
 */
describe('orphans: the grace period on real, just-made pod cgroups', function () {
  this.timeout(60_000);
  let box: CgroupSandbox | undefined;
  let work: string | undefined;

  before(function () {
    const { v2 } = cgroupMounts();
    needs(this, v2 ? cgroupMissing(v2) : 'no cgroup2 mount');
    box = CgroupSandbox.create(v2!, 'grace');
    work = mkdtempSync(join(tmpdir(), 'cf-grace-'));
    mkdirSync(join(work, 'kubelet', 'pods'), { recursive: true }); // kubelet knows no pod
  });

  after(async () => {
    await box?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('grace 0: a pod cgroup made just before the scan is an orphan, every time; grace 600: it is not yet', async () => {
    const t = new LocalTransport();
    const facts = await gatherFacts(t, { kubeletDir: join(work!, 'kubelet'), containerdAddress: join(work!, 'no.sock') });
    assert.ok(facts.ok, facts.ok ? '' : facts.error.message);
    for (let round = 0; round < 5; round++) {
      const uid = randomUUID();
      box!.mkdir(`kubepods/besteffort/pod${uid}`);
      const s = await takeSnapshot(t, { cgroupRoot: box!.root });
      assert.ok(s.ok, s.ok ? '' : s.error.message);
      const orphan = (grace: number): boolean => analyze(s.value, facts.value, { graceSeconds: grace }).findings.some((f) => f.kind === 'orphaned-pod-cgroup' && f.podUid === uid);
      assert.equal(orphan(0), true, `round ${round}: grace 0`);
      assert.equal(orphan(600), false, `round ${round}: grace 600`);
    }
  });
});
