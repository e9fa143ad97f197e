import assert from 'node:assert/strict';
import { CgroupTree, STAT_NAMES, type StatName } from '../../src/core/model/cgroupTree';
import { SNAPSHOT_SCHEMA, type Hierarchy, type Snapshot } from '../../src/core/model/snapshot';
import { churnBetween } from '../../src/core/trends/churn';
import { diffToJson, renderDiffText } from '../../src/core/trends/diffText';
import { diffChanged, diffSnapshots } from '../../src/core/trends/snapshotDiff';

// The snapshot difference on small trees built by hand (the CLI test runs it on real cgroups).

type Rows = Record<string, Partial<Record<StatName, number>>>;

function tree(rows: Rows): CgroupTree {
  const t = new CgroupTree(16);
  for (const [path, stats] of Object.entries(rows)) {
    const v = STAT_NAMES.map((s) => stats[s] ?? NaN);
    t.add(path, v);
  }
  t.seal();
  return t;
}

function hierarchy(name: string, kind: 'v1' | 'v2', rows: Rows, controllers: string[] = []): Hierarchy {
  return { id: 1, kind, controllers, name, mountPoint: `/sys/fs/cgroup/${name}`, mountRoot: '/', walkRoot: `/sys/fs/cgroup/${name}`, basePath: '/', mtimeSupported: true, tree: tree(rows), bounds: [], vanished: [] };
}

function snapshot(takenAt: number, hierarchies: Hierarchy[], memoryCgroups = 0): Snapshot {
  return { schema: SNAPSHOT_SCHEMA, takenAt, source: { transport: 'local' }, node: {}, procCgroups: memoryCgroups ? [{ subsys: 'memory', hierarchy: 2, numCgroups: memoryCgroups, enabled: true }] : [], mounts: [], hierarchies, warnings: [] };
}

const LIVE = '11111111-2222-3333-4444-555555555555';
const GONE = '66666666-7777-8888-9999-aaaaaaaaaaaa';
const NEW = 'bbbbbbbb-cccc-dddd-eeee-ffffffffffff';
const pod = (uid: string): string => `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid.replace(/-/g, '_')}.slice`;
const ctr = (uid: string, c: string): string => `${pod(uid)}/cri-containerd-${c.repeat(64)}.scope`;

describe('snapshot diff', () => {
  const before = snapshot(1_000_000, [
    hierarchy('unified', 'v2', {
      '/': { nrDying: 3 },
      '/kubepods.slice': { procs: 0 },
      '/kubepods.slice/kubepods-burstable.slice': { procs: 0 },
      [pod(LIVE)]: { procs: 0, populated: 1 },
      [ctr(LIVE, 'a')]: { procs: 1, populated: 1 },
      [pod(GONE)]: { procs: 0, populated: 1 },
      [ctr(GONE, 'b')]: { procs: 2, populated: 1 },
      '/old.scope': { procs: 0 },
    }),
    hierarchy('memory', 'v1', { '/': {}, '/kubepods': {} }, ['memory']),
  ], 10);
  const after = snapshot(1_060_000, [
    hierarchy('unified', 'v2', {
      '/': { nrDying: 5 },
      '/kubepods.slice': { procs: 0 },
      '/kubepods.slice/kubepods-burstable.slice': { procs: 0 },
      [pod(LIVE)]: { procs: 0, populated: 1 },
      [ctr(LIVE, 'a')]: { procs: 1, populated: 1 },
      // The workload ended but its cgroups stayed: the pod now looks orphaned.
      [pod(GONE)]: { procs: 0, populated: 0 },
      [ctr(GONE, 'b')]: { procs: 0, populated: 0 },
      // A pod that appeared already empty.
      [pod(NEW)]: { procs: 0, populated: 0 },
      '/new\nline.scope': { procs: 0 },
    }),
    hierarchy('memory', 'v1', { '/': {}, '/kubepods': {}, '/kubepods/x': {} }, ['memory']),
    hierarchy('pids', 'v1', { '/': {} }, ['pids']),
  ], 14);

  it('lists the cgroups added and removed per hierarchy, and the dying change', () => {
    const d = diffSnapshots(before, after);
    const u = d.hierarchies.find((h) => h.hierarchy === 'unified')!;
    assert.deepEqual(u.added, [pod(NEW), '/new\nline.scope']);
    assert.deepEqual(u.removed, ['/old.scope']);
    assert.equal(u.before, 8);
    assert.equal(u.after, 9);
    assert.equal(u.dyingBefore, 3);
    assert.equal(u.dyingAfter, 5);
    const m = d.hierarchies.find((h) => h.hierarchy === 'memory')!;
    assert.deepEqual(m.added, ['/kubepods/x']);
    // v1 dying comes from /proc/cgroups minus the live directories: 10-2 before, 14-3 after.
    assert.equal(m.dyingBefore, 8);
    assert.equal(m.dyingAfter, 11);
    assert.deepEqual(d.onlyAfter, ['pids']);
    assert.deepEqual(d.onlyBefore, []);
    assert.ok(diffChanged(d));
  });

  it('names the pods that went empty or appeared empty, not the busy or already-empty ones', () => {
    const d = diffSnapshots(before, after);
    assert.deepEqual(
      d.newOrphanLookingPods.map((p) => [p.podUid, p.change]),
      [
        [GONE, 'emptied'],
        [NEW, 'new'],
      ],
    );
    assert.deepEqual(d.newOrphanLookingPods[0]!.cgroups, [{ hierarchy: 'unified', path: pod(GONE) }]);
    // Compared with itself the later snapshot has nothing new: its empty pods were empty before.
    assert.deepEqual(diffSnapshots(after, after).newOrphanLookingPods, []);
    assert.equal(diffChanged(diffSnapshots(after, after)), false);
  });

  it('groups the changes by parent, as churnBetween does', () => {
    const d = diffSnapshots(before, after);
    assert.deepEqual(d.byParent, churnBetween(before, after));
    const burst = d.byParent.find((r) => r.parent === '/kubepods.slice/kubepods-burstable.slice')!;
    assert.equal(burst.created, 1);
    assert.equal(burst.createdPerSecond, 1 / 60);
  });

  it('renders text with names escaped, and JSON with the names as snapshots write them', () => {
    const d = diffSnapshots(before, after);
    const text = renderDiffText(d);
    assert.match(text, /^from 1970-01-01T00:16:40Z to 1970-01-01T00:17:40Z \(60 s apart\)/);
    assert.match(text, /unified \(v2\): 8 -> 9 cgroups, 2 added, 1 removed; dying 3 -> 5 \(\+2\)/);
    assert.ok(text.includes('  + /new\\nline.scope\n'), text);
    assert.ok(text.includes('  - /old.scope\n'));
    assert.ok(text.includes(`${GONE}  emptied since  unified ${pod(GONE)}`));
    assert.ok(text.includes('hierarchies only in the later snapshot: pids'));
    assert.ok(!text.includes('\nline'), 'no raw newline from a cgroup name');
    assert.match(renderDiffText(diffSnapshots(after, after)), /no cgroup was added or removed/);
    const j = diffToJson(d);
    assert.equal(j.schema, 'cgroup-forensics/diff@1');
    assert.equal(j.changed, true);
    assert.deepEqual(j.hierarchies[0]!.added, [pod(NEW), '/new\nline.scope']);
    assert.deepEqual(JSON.parse(JSON.stringify(j)), j);
  });

  it('cuts long lists in text with a count of the rest', () => {
    const rows: Rows = { '/': {} };
    for (let i = 0; i < 30; i++) rows[`/c${String(i).padStart(2, '0')}`] = {};
    const d = diffSnapshots(snapshot(0, [hierarchy('unified', 'v2', { '/': {} })]), snapshot(1000, [hierarchy('unified', 'v2', rows)]));
    const text = renderDiffText(d, 5);
    assert.ok(text.includes('  + /c04\n  + ... 25 more\n'), text);
  });
});
