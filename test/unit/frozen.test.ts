import assert from 'node:assert/strict';
import { analyze, rootCause } from '../../src/core/analysis/forensics';
import type { Finding } from '../../src/core/analysis/finding';
import { findFrozen, RUNC_FROZEN_INIT, runcHasFrozenInitMitigation } from '../../src/core/analysis/frozen';
import { interpretFacts, type RuntimeFacts } from '../../src/core/facts/nodeFacts';
import { cleanupScript } from '../../src/core/fixes/cleanupScript';
import { isCleanupTarget } from '../../src/core/analysis/orphanVerdict';
import type { Snapshot } from '../../src/core/model/snapshot';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { CID_1, CID_2, CID_3, UID_A, UID_B, v1CgroupfsHost, v2SystemdHost } from '../fixtures/hosts/specs';
import { makeFakeHost, v2Files, type FakeHostSpec } from '../support/fakeHost';
import { evidenceLines } from '../../src/core/analysis/evidence';

// The frozen-cgroup rule over snapshots the real probe took of fixture nodes (sh, awk and find
// reading freezer.state and cgroup.events files laid out as the kernel shows them).
async function scan(spec: FakeHostSpec): Promise<{ snapshot: Snapshot; root: string }> {
  const host = makeFakeHost(spec);
  try {
    const r = await takeSnapshot(new LocalTransport(), { hostRoot: host.root });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return { snapshot: r.value, root: host.root };
  } finally {
    host.remove();
  }
}

const runc = (version?: string): RuntimeFacts =>
  interpretFacts({ found: version ? [{ key: 'runc-version', source: 'runc --version', value: `runc version ${version}\ncommit: v${version}\nspec: 1.0.2-dev\n` }] : [], missing: [] });
const frozen = (fs: readonly Finding[]): Finding[] => fs.filter((f) => f.kind === 'frozen-cgroup');

describe('frozen cgroups', function () {
  this.timeout(60_000);

  describe('on a v1 cgroupfs node (freezer hierarchy)', () => {
    let snapshot: Snapshot;
    let root: string;
    before(async () => {
      ({ snapshot, root } = await scan(v1CgroupfsHost()));
    });

    it('reports the top of each frozen subtree with the file and line read, never the cgroups that only inherit it', () => {
      const fs = findFrozen(snapshot, runc('1.1.5'), { now: snapshot.node.now! + 3600 });
      // (in the order find walks the directories)
      assert.deepEqual(fs.map((f) => f.cgroups.map((c) => [c.hierarchy, c.path])).sort(), [[['freezer', `/kubepods/burstable/pod${UID_A}/${CID_2}`]], [['freezer', `/kubepods/pod${UID_B}`]]]);
      const freezing = fs.find((f) => f.containerId === CID_2)!;
      const pod = fs.find((f) => f.podUid === UID_B)!;
      assert.equal(evidenceLines(pod)[0], `${root}/sys/fs/cgroup/freezer/kubepods/pod${UID_B}/freezer.state: FROZEN`);
      assert.ok(evidenceLines(pod).includes('1 cgroup(s) below it report frozen too (inherited from this one)'), evidenceLines(pod).join('\n'));
      assert.equal(pod.severity, 'critical', 'a frozen pod freezes every container started in it');
      assert.equal(pod.podUid, UID_B);
      assert.equal(pod.processes, 1);
      assert.match(pod.title, /^frozen pod cgroup \/kubepods\/pod11111111-2222-3333-4444-555555555555 with 1 process\(es\) stopped in it$/);
      assert.equal(evidenceLines(freezing)[0], `${root}/sys/fs/cgroup/freezer/kubepods/burstable/pod${UID_A}/${CID_2}/freezer.state: FREEZING`);
      assert.equal(freezing.severity, 'critical', 'on v1 a frozen process survives SIGKILL');
      assert.equal(freezing.containerId, CID_2);
      assert.ok(evidenceLines(freezing).some((e) => /not even on SIGKILL, until the cgroup is thawed/.test(e)));
      // What to do, as text: thaw the cgroup itself (not one frozen only by inheritance).
      assert.ok(evidenceLines(pod).includes(`what to do: thaw it: echo THAWED > ${root}/sys/fs/cgroup/freezer/kubepods/pod${UID_B}/freezer.state`), evidenceLines(pod).join('\n'));
      assert.ok(!fs.some((f) => f.containerId === CID_3));
    });

    it('names runc#4534 for a frozen container (not a pod: runc freezes only the container\'s cgroup) with the verdict for the node\'s runc version and its sources', () => {
      const all = findFrozen(snapshot, runc('1.1.5'), { now: snapshot.node.now! + 3600 });
      assert.ok(!evidenceLines(all.find((f) => f.podUid === UID_B)!).some((e) => e.includes('runc#4534')));
      const ev = (v?: string): string[] => evidenceLines(findFrozen(snapshot, runc(v), { now: snapshot.node.now! + 3600 }).find((f) => f.containerId === CID_2)!);
      assert.ok(ev('1.1.5').some((e) => e.startsWith('runc 1.1.5 does not carry the mitigation: only 1.3.1-1.3.4 (#4793) and 1.4.0 (#4757) did')));
      assert.ok(ev('1.3.2').some((e) => e.startsWith('runc 1.3.2 carries the mitigation (PR #4757/#4793')));
      assert.ok(ev('1.3.5').some((e) => e.startsWith('runc 1.3.5 does not carry the mitigation')));
      assert.ok(ev().some((e) => e.startsWith('runc version unknown')));
      const e = ev('1.1.5');
      assert.ok(e.includes('first affected runc release: unconfirmed (the freeze during setup came with runc 1.0.0-rc91, commit b810da149)'));
      for (const s of RUNC_FROZEN_INIT.sources) assert.ok(e.includes(`source: ${s}`), s);
    });

    it('is part of analyze(), explains the node when nothing weighs more, and never goes into the cleanup script', () => {
      const r = analyze(snapshot, runc('1.1.5'), { now: snapshot.node.now! + 3600 });
      const fs = frozen(r.findings);
      assert.equal(fs.length, 2);
      assert.equal(r.counts['frozen-cgroup'], 2);
      assert.match(rootCause(fs) ?? '', /under kubepods is frozen.*runc#4534/);
      for (const f of fs) assert.equal(isCleanupTarget(f), false, 'the one verdict never cleans up a frozen cgroup');
      const script = cleanupScript(fs, { allowedRoots: snapshot.hierarchies.map((h) => h.walkRoot) });
      assert.ok(!script.content.split('\n').some((l) => l.startsWith('rm_cgroup ') || l.startsWith('stop_unit ')), script.content);
      assert.equal(script.title, 'remove 0 orphan(s): 0 cgroup directories');
    });

    it('a frozen cgroup made within the grace period is info of low confidence: runc freezes a new container for a moment', () => {
      const fs = findFrozen(snapshot, runc('1.1.5'), { now: snapshot.node.now! + 1 });
      assert.deepEqual(fs.map((f) => [f.severity, f.confidence]), [['info', 'low'], ['info', 'low']]);
      assert.ok(evidenceLines(fs[0]!).some((e) => /scan again before acting/.test(e)));
    });

    it('judges only what --within names', () => {
      const fs = findFrozen(snapshot, runc('1.1.5'), { now: snapshot.node.now! + 3600, within: '/kubepods/burstable' });
      assert.deepEqual(fs.map((f) => f.containerId), [CID_2]);
    });
  });

  describe('on a v2 systemd node', () => {
    let snapshot: Snapshot;
    let root: string;
    before(async () => {
      ({ snapshot, root } = await scan(v2SystemdHost()));
    });

    it('a frozen container is a warning (SIGKILL still works on v2); a cgroup frozen outside kubepods is info', () => {
      const fs = findFrozen(snapshot, runc('1.1.5'), { now: snapshot.node.now! + 3600 });
      assert.deepEqual(
        fs.map((f) => [f.cgroups[0]!.path.replace(/kubepods-burstable-pod.*\//, '…/'), f.severity]).sort(),
        [
          [`/kubepods.slice/kubepods-burstable.slice/…/cri-containerd-${CID_1}.scope`, 'warning'],
          ['/user.slice', 'info'],
        ],
      );
      const ctr = fs.find((f) => f.containerId === CID_1)!;
      const user = fs.find((f) => f.cgroups[0]!.path === '/user.slice')!;
      const dir = `${root}/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_A.replace(/-/g, '_')}.slice/cri-containerd-${CID_1}.scope`;
      assert.equal(evidenceLines(ctr)[0], `${dir}/cgroup.events: frozen 1`);
      assert.ok(evidenceLines(ctr).includes(`what to do: thaw it: echo 0 > ${dir}/cgroup.freeze`));
      assert.ok(evidenceLines(ctr).some((e) => /on cgroup v2 SIGKILL still kills a frozen process/.test(e)));
      assert.equal(ctr.processes, 2);
      assert.equal(ctr.containerId, CID_1);
      // runc#4534 freezes through the systemd v1 driver only: not claimed for a v2 cgroup.
      assert.ok(!evidenceLines(ctr).some((e) => e.includes('runc#4534')));
      assert.equal(user.title, 'cgroup /user.slice is frozen (outside Kubernetes: paused on purpose?)');
      assert.ok(!evidenceLines(user).some((e) => e.includes('Kubernetes never pauses')));
      assert.equal(rootCause([user]), undefined, 'a cgroup paused on purpose explains nothing');
    });
  });

  it('writes the thaw command with the path as one shell word, whatever the cgroup is called; a cgroup a workload froze inside its container is info', async () => {
    const spec: FakeHostSpec = {
      mountinfo: ['25 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw'],
      cgroups: {
        '/sys/fs/cgroup': {
          '/': v2Files({ root: true }),
          '/kubepods': v2Files({}),
          [`/kubepods/pod${UID_A}`]: v2Files({}),
          [`/kubepods/pod${UID_A}/it's $(id)`]: v2Files({ frozen: 'self' }),
          // A runtime nested in a container froze a cgroup of its own: the workload's pause.
          [`/kubepods/pod${UID_A}/${CID_1}`]: v2Files({ procs: [10] }),
          [`/kubepods/pod${UID_A}/${CID_1}/inner`]: v2Files({ procs: [11], frozen: 'self' }),
        },
      },
    };
    const { snapshot, root } = await scan(spec);
    const fs = findFrozen(snapshot, runc(), { now: snapshot.node.now! + 3600 });
    const f = fs.find((x) => x.containerId === undefined)!;
    const nested = fs.find((x) => x.containerId === CID_1)!;
    assert.equal(fs.length, 2);
    assert.equal(nested.severity, 'info');
    assert.match(nested.title, /\/inner with 1 process\(es\) stopped in it \(made by the workload: paused on purpose\?\)$/);
    assert.equal(f.severity, 'warning', 'a frozen, empty cgroup of a pod');
    assert.match(f.title, /^frozen cgroup in a pod .*it's \$\(id\) \(empty\)$/);
    assert.ok(evidenceLines(f).includes(`what to do: thaw it: echo 0 > '${root}/sys/fs/cgroup/kubepods/pod${UID_A}/it'\\''s $(id)'/cgroup.freeze`), evidenceLines(f).join('\n'));
  });

  it('knows which runc releases carry the #4757/#4793 mitigation: below, at and above each bound, on each branch', () => {
    const cases: [string, boolean | undefined][] = [
      ['1.2.7', false], // no 1.2 backport
      ['1.2.9', false],
      ['1.3.0', false],
      ['1.3.1', true], // #4793
      ['1.3.4', true],
      ['1.3.5', false], // reverted by #5158
      ['1.3.6', false],
      ['1.4.0-rc.1', true], // #4757
      ['1.4.0-rc.3', true],
      ['1.4.0', true],
      ['1.4.1', false], // reverted by #5157
      ['1.5.0-rc.1', false], // reverted on main by #5153
      ['1.5.0', false],
      ['v1.3.2', true],
      ['1.1.5+ds1', false], // Debian's
      ['unknown', undefined],
    ];
    for (const [v, want] of cases) assert.equal(runcHasFrozenInitMitigation(v), want, v);
  });
});
