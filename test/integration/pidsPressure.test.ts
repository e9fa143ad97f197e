import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/core/analysis/forensics';
import { interpretFacts } from '../../src/core/facts/nodeFacts';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';
import { evidenceLines } from '../../src/core/analysis/evidence';

// A pod at its pids.max on the real pids controller (v1 here): the kernel's own pids.current.
const UID = '5a5a5a5a-0000-4000-8000-000000000001';
const CALM = '5a5a5a5a-0000-4000-8000-000000000002';

describe('pids pressure on the real kernel', function () {
  this.timeout(30_000);
  const pids = cgroupMounts().v1.get('pids');
  let box: CgroupSandbox | undefined;
  after(async () => box?.cleanup());

  it('flags the pod at its pids.max and not the one far below it', async function () {
    needs(this, pids ? cgroupMissing(pids) : 'no v1 pids controller mounted');
    box = CgroupSandbox.create(pids!, 'pids');
    const full = box.mkdir(`kubepods/burstable/pod${UID}`);
    const calm = box.mkdir(`kubepods/burstable/pod${CALM}`);
    writeFileSync(join(full, 'pids.max'), '4\n');
    writeFileSync(join(calm, 'pids.max'), '100\n');
    for (let i = 0; i < 4; i++) await box.spawnIn(`kubepods/burstable/pod${UID}`);
    await box.spawnIn(`kubepods/burstable/pod${CALM}`);
    const s = await takeSnapshot(new LocalTransport(), { cgroupRoot: box.root });
    assert.ok(s.ok, s.ok ? '' : s.error.message);
    const facts = interpretFacts({ found: [{ key: 'kubelet-pods-count', source: 'p', value: '2' }, { key: 'kubelet-pod', source: 'p', value: UID }, { key: 'kubelet-pod', source: 'p', value: CALM }], missing: [] });
    const p = analyze(s.value, facts).findings.filter((f) => f.kind === 'pids-pressure');
    assert.deepEqual(p.map((f) => [f.podUid, f.severity]), [[UID, 'critical']]);
    assert.equal(p[0]!.title, `pod ${UID} uses 4 of its 4 pids`);
    assert.ok(evidenceLines(p[0]!)[0]!.endsWith(`/kubepods/burstable/pod${UID}/pids.current 4, pids.max 4`), evidenceLines(p[0]!)[0]);
  });
});
