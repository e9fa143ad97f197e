import assert from 'node:assert/strict';
import { FLAME_STATS, KIND, VERDICT, type FlameStat } from '../../src/protocol/flameProtocol';
import { Cells, growthWeights, nextMatch, shortLabel, hitTest, leakMarks, MARK, matchByPath, partition, searchMatches, selfWeights, visibleCells } from '../../webview/src/flame/layout';
import { pathsOf, type FlameHierarchy } from '../../webview/src/flame/model';

/** A hierarchy from (parent, name, stats) rows, parents first. */
function tree(rows: [number, string, Partial<Record<FlameStat, number>>?, number?][], orphans: number[] = []): FlameHierarchy {
  const n = rows.length;
  const stats = Object.fromEntries(FLAME_STATS.map((s) => [s, new Float64Array(n).fill(NaN)])) as Record<FlameStat, Float64Array>;
  rows.forEach(([, , st], i) => {
    for (const [k, v] of Object.entries(st ?? {})) stats[k as FlameStat][i] = v;
  });
  return {
    name: 'unified',
    kind: 'v2',
    basePath: '/',
    size: n,
    parent: Int32Array.from(rows.map((r) => r[0])),
    seen: new Uint8Array(n).fill(1),
    kinds: Uint8Array.from(rows.map((r) => r[3] ?? KIND.other)),
    verdict: Uint8Array.from(rows.map((_, i) => (orphans.includes(i) ? VERDICT.orphan : 0))),
    names: rows.map((r) => r[1]),
    stats,
  };
}

const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-9, `${a} != ${b}`);

describe('flame view layout', () => {
  // root(1000) -> a(600) -> a1(300), a2(200); b(100); c (no memory)
  const h = tree([
    [-1, '', { memory: 1000, procs: 1 }],
    [0, 'a', { memory: 600 }],
    [1, 'a1', { memory: 300, procs: 2 }],
    [1, 'a2', { memory: 200, procs: 0 }],
    [0, 'b', { memory: 100 }],
    [0, 'c', {}],
  ]);

  it('gives hierarchical stats their own share as what the children do not cover', () => {
    assert.deepEqual([...selfWeights(h, 'memory')], [300, 100, 300, 200, 100, 0]);
    // A child may report more than its parent (read at another instant): the parent grows to fit.
    const odd = tree([[-1, '', { memory: 10 }], [0, 'x', { memory: 50 }]]);
    assert.deepEqual([...selfWeights(odd, 'memory')], [0, 50]);
  });

  it('counts leaves, descendants and processes as additive weights', () => {
    assert.deepEqual([...selfWeights(h, 'cgroups')], [0, 0, 1, 1, 1, 1]);
    assert.deepEqual([...selfWeights(h, 'descendants')], [1, 1, 1, 1, 1, 1]);
    assert.deepEqual([...selfWeights(h, 'procs')], [1, 0, 2, 0, 0, 0]);
  });

  it('partitions widest first, drops zero-width cells and records subtree ends', () => {
    const l = partition(h.parent, h.size, selfWeights(h, 'memory'));
    assert.equal(l.n, 5, 'c has no memory and no cell');
    assert.equal(l.posOf[5], -1);
    assert.deepEqual([...l.node], [0, 1, 2, 3, 4]);
    assert.deepEqual([...l.depth], [0, 1, 2, 2, 1]);
    assert.deepEqual([...l.end], [5, 4, 3, 4, 5]);
    assert.equal(l.maxDepth, 2);
    close(l.x0[1]!, 0);
    close(l.x1[1]!, 0.6);
    close(l.x0[3]!, 0.3);
    close(l.x1[3]!, 0.5);
    close(l.x0[4]!, 0.6);
    close(l.x1[4]!, 0.7);
    // Sorted by width: with processes, a1 (2) comes before the root's own share.
    const byProcs = partition(h.parent, h.size, selfWeights(h, 'procs'));
    assert.deepEqual([...byProcs.node], [0, 1, 2]);
    close(byProcs.x1[2]!, 2 / 3);
  });

  it('draws cells a pixel wide and merges slivers, with their subtrees, into one block per row', () => {
    // root -> big (half) and 1000 small pods, each with one child: at 200 px a small pod is 0.1 px.
    const rows: [number, string, Partial<Record<FlameStat, number>>?][] = [[-1, ''], [0, 'big']];
    for (let i = 0; i < 1000; i++) {
      rows.push([0, `pod${i}`]);
      rows.push([rows.length - 1, `ctr${i}`]);
    }
    const t = tree(rows);
    const self = new Float64Array(t.size);
    self[1] = 1000;
    for (let i = 3; i < t.size; i += 2) self[i] = 1;
    const l = partition(t.parent, t.size, self);
    const cells = new Cells(l.n * 2);
    const n = visibleCells(l, { x0: 0, x1: 1, width: 200 }, cells);
    const drawn = Array.from({ length: n }, (_, c) => ({ pos: cells.pos[c]!, x: cells.sx[c]!, w: cells.sw[c]!, d: cells.depth[c]!, merged: cells.merged[c]! }));
    assert.deepEqual(
      drawn.filter((c) => c.pos >= 0).map((c) => l.node[c.pos]),
      [0, 1],
    );
    const merged = drawn.filter((c) => c.pos < 0);
    assert.equal(merged.length, 2, 'one block for the pods row, one for their children');
    for (const m of merged) {
      close(m.x, 100);
      assert.ok(Math.abs(m.w - 100) < 1e-3);
    }
    assert.equal(merged.find((m) => m.d === 1)!.merged, 1000);
    // Hit testing finds the block and the big cell.
    assert.equal(cells.pos[hitTest(cells, 150, 1)], -1);
    assert.equal(l.node[cells.pos[hitTest(cells, 50, 1)]!], 1);
    assert.equal(hitTest(cells, 50, 2), -1);
    // Zoomed into the pods' half, 1000 pods over 200 px are still slivers, but in view; zoomed
    // far enough they become cells and cells off screen are skipped.
    const k = visibleCells(l, { x0: 0.5, x1: 0.5 + 0.5 / 100, width: 200 }, cells);
    const shown = Array.from({ length: k }, (_, c) => cells.pos[c]!).filter((p) => p >= 0).map((p) => t.names[l.node[p]!]);
    assert.deepEqual(shown.slice(0, 3), ['', 'pod0', 'ctr0']);
    assert.equal(shown.filter((s) => s?.startsWith('pod')).length, 10);
  });

  it('searches paths, pod UIDs with dashes or underscores, and container IDs; marks ancestors', () => {
    const uid = '12345678_1234_1234_1234_123456789abc';
    const t = tree([
      [-1, ''],
      [0, 'kubepods.slice'],
      [1, `kubepods-pod${uid}.slice`],
      [2, 'cri-containerd-ff.scope'],
      [0, 'system.slice'],
    ]);
    const paths = pathsOf(t);
    const none: string[][] = t.names.map(() => []);
    const byUid = searchMatches(t, paths, none, uid.replace(/_/g, '-').toUpperCase());
    assert.deepEqual([...byUid.marks], [2, 2, 1, 1, 0]);
    assert.equal(byUid.count, 2);
    const ids = none.map((x, i) => (i === 3 ? ['f'.repeat(64)] : x));
    assert.deepEqual([...searchMatches(t, paths, ids, 'ffffffff').marks], [2, 2, 2, 1, 0]);
    assert.equal(searchMatches(t, paths, none, '   ').count, 0);
  });

  it('marks as orphans exactly the cgroups the host says the findings call orphans, and subtrees holding many dying cgroups', () => {
    const t = tree(
      [
        [-1, '', { nrDying: 20, nrDescendants: 4 }],
        [0, 'live-pod', { populated: 1 }, KIND.pod],
        [0, 'empty-pod-kubelet-knows', { populated: 0 }, KIND.pod],
        [0, 'orphan-with-process', { procs: 0 }, KIND.pod],
        [3, 'ctr', { procs: 3 }, KIND.container],
      ],
      [3, 4],
    );
    const m = leakMarks(t);
    assert.equal(m[0], MARK.dyingHeavy);
    assert.equal(m[1], 0);
    assert.equal(m[2], 0, 'an empty pod cgroup is no orphan unless the findings say so (kubelet or the API may know it)');
    assert.equal(m[3], MARK.orphan, 'an orphan with a process left is still an orphan');
    assert.equal(m[4], MARK.orphan);
  });

  it('marks an empty pod cgroup the findings do not call an orphan as empty, an orphan as orphan only', () => {
    const t = tree([
      [-1, ''],
      [0, 'empty-known', {}, KIND.pod],
      [0, 'empty-orphan', {}, KIND.pod],
    ]);
    t.verdict[1] = VERDICT.empty | VERDICT.knownToApi;
    t.verdict[2] = VERDICT.empty | VERDICT.orphan;
    const m = leakMarks(t);
    assert.equal(m[1], MARK.empty);
    assert.equal(m[2], MARK.orphan);
  });

  it('goes to the next search match in pre-order (top-left first), wrapping, and backwards', () => {
    const t = tree([[-1, ''], [0, 'a', {}], [1, 'a1', {}], [0, 'b', {}], [3, 'b1', {}]]);
    const l = partition(t.parent, t.size, selfWeights(t, 'descendants'));
    const marks = Uint8Array.from([2, 2, 1, 2, 1]);
    const order = Array.from({ length: l.n }, (_, p) => l.node[p]!).filter((i) => marks[i] === 1);
    assert.equal(nextMatch(l, marks, undefined), order[0]);
    assert.equal(nextMatch(l, marks, order[0]), order[1]);
    assert.equal(nextMatch(l, marks, order[1]), order[0], 'wraps around');
    assert.equal(nextMatch(l, marks, undefined, true), order[1]);
    assert.equal(nextMatch(l, new Uint8Array(5), undefined), undefined);
  });

  it('compares by path: width is growth, new cgroups count whole, shrinking counts zero', () => {
    const before = tree([[-1, ''], [0, 'a', {}], [0, 'gone', {}]]);
    const now = tree([[-1, ''], [0, 'a', {}], [1, 'a-new', {}], [0, 'b-new', {}]]);
    const match = matchByPath(pathsOf(now), pathsOf(before));
    assert.deepEqual([...match], [0, 1, -1, -1]);
    const g = growthWeights(selfWeights(now, 'cgroups'), selfWeights(before, 'cgroups'), match);
    // 'a' was a leaf (1) and is now a parent (0): no growth; its new child and b are new leaves.
    assert.deepEqual([...g], [0, 0, 1, 1]);
    const l = partition(now.parent, now.size, g);
    assert.equal(l.total, 2);
  });

  it('shortens pod and container names to what tells them apart, and leaves others alone', () => {
    assert.equal(shortLabel('kubepods-besteffort-pod12345678_1234_1234_1234_123456789abc.slice', KIND.pod), 'pod 12345678…');
    assert.equal(shortLabel('pod12345678-1234-1234-1234-123456789abc', KIND.pod), 'pod 12345678…');
    assert.equal(shortLabel(`cri-containerd-${'a1'.repeat(32)}.scope`, KIND.container), 'containerd a1a1a1a1a1a1…');
    assert.equal(shortLabel('f'.repeat(64), KIND.container), 'ffffffffffff…');
    assert.equal(shortLabel('kubepods.slice', KIND.slice), 'kubepods.slice');
    assert.equal(shortLabel('<b>pod</b>', KIND.pod), '<b>pod</b>');
  });
});
