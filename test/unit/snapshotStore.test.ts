import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Logger } from '../../src/core/logger';
import { CgroupTree, STAT_NAMES } from '../../src/core/model/cgroupTree';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../../src/core/model/snapshot';
import { nodeDirName, SnapshotStore, type StoreBounds } from '../../src/extension/nodes/snapshotStore';

// The per-node snapshot store on a plain temporary directory (the extension gives it
// globalStorageUri/snapshots): bounds by count and bytes, corrupt files, hostile node ids.

function snapshot(takenAt: number, cgroups: number): Snapshot {
  const t = new CgroupTree(16);
  const v = STAT_NAMES.map(() => 0);
  t.add('/', v);
  for (let i = 1; i < cgroups; i++) t.add(`/c${i}-${takenAt}`, v);
  t.seal();
  return {
    schema: SNAPSHOT_SCHEMA,
    takenAt,
    source: { transport: 'local' },
    node: { hostname: 'n' },
    procCgroups: [],
    mounts: [],
    hierarchies: [{ id: 0, kind: 'v2', controllers: [], name: 'unified', mountPoint: '/sys/fs/cgroup', mountRoot: '/', walkRoot: '/sys/fs/cgroup', basePath: '/', mtimeSupported: true, tree: t, bounds: [], vanished: [] }],
    warnings: [],
  };
}

describe('snapshot store', () => {
  let root: string;
  let bounds: StoreBounds;
  let warnings: string[];
  let store: SnapshotStore;
  const log: Logger = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };

  beforeEach(() => {
    root = join(mkdtempSync(join(tmpdir(), 'cf-store-')), 'snapshots');
    bounds = { keep: 10, maxBytes: 200 * 1024 * 1024 };
    warnings = [];
    store = new SnapshotStore(root, () => bounds, log);
  });
  afterEach(() => rmSync(dirname(root), { recursive: true, force: true }));

  it('keeps gzip-compressed snapshot JSON named by time and cgroup count, listed newest first, read back whole', async () => {
    const a = await store.save('local', snapshot(1_000, 3));
    await store.save('local', snapshot(2_000, 5));
    assert.ok(a);
    assert.equal(a.file, join(store.dirOf('local'), '1000-3c.json.gz'));
    const json = JSON.parse(gunzipSync(readFileSync(a.file)).toString('utf8')) as { schema: string };
    assert.equal(json.schema, 'cgroup-forensics/snapshot@1');
    const list = await store.list('local');
    assert.deepEqual(list.map((e) => [e.takenAt, e.cgroups]), [[2_000, 5], [1_000, 3]]);
    assert.ok(list.every((e) => e.bytes > 0 && e.nodeId === 'local'));
    const back = await store.load(list[0]!);
    assert.ok(back.ok);
    assert.equal(back.snapshot.takenAt, 2_000);
    assert.equal(back.snapshot.hierarchies[0]!.tree.size, 5);
    // Saving the same snapshot twice keeps one file; no temporary file is left.
    await store.save('local', snapshot(2_000, 5));
    assert.deepEqual(readdirSync(store.dirOf('local')).sort(), ['1000-3c.json.gz', '2000-5c.json.gz', 'node.json']);
    assert.deepEqual(await store.list('other'), []);
  });

  it('keeps at most `keep` per node, removing the oldest; keep 0 keeps none', async () => {
    bounds.keep = 3;
    for (let t = 1; t <= 5; t++) await store.save('local', snapshot(t * 1000, 2));
    await store.save('ssh:b', snapshot(500, 2));
    assert.deepEqual((await store.list('local')).map((e) => e.takenAt), [5000, 4000, 3000]);
    assert.equal((await store.list('ssh:b')).length, 1, 'another node keeps its own');
    bounds.keep = 0;
    assert.equal(await store.save('local', snapshot(6000, 2)), undefined);
    assert.deepEqual(await store.list('local'), []);
  });

  it('keeps the total under maxBytes over every node, oldest first', async () => {
    const one = (await store.save('a', snapshot(1000, 200)))!.bytes;
    await store.save('b', snapshot(2000, 200));
    await store.save('a', snapshot(3000, 200));
    bounds.maxBytes = Math.floor(one * 2.5);
    await store.save('b', snapshot(4000, 200));
    const left = [...(await store.list('a')), ...(await store.list('b'))].map((e) => e.takenAt).sort();
    assert.deepEqual(left, [3000, 4000]);
  });

  it('skips and logs a corrupt file; the others still load', async () => {
    await store.save('local', snapshot(1000, 2));
    writeFileSync(join(store.dirOf('local'), '2000-2c.json.gz'), 'not gzip at all');
    writeFileSync(join(store.dirOf('local'), '3000-2c.json.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]));
    writeFileSync(join(store.dirOf('local'), 'notes.txt'), 'ignored');
    writeFileSync(join(store.dirOf('local'), '.tmp-abc'), 'a save in progress');
    const list = await store.list('local');
    assert.deepEqual(list.map((e) => e.takenAt), [3000, 2000, 1000]);
    const results = await Promise.all(list.map((e) => store.load(e)));
    assert.deepEqual(results.map((r) => r.ok), [false, false, true]);
    assert.equal(warnings.filter((w) => w.includes('unreadable snapshot')).length, 2, warnings.join('\n'));
  });

  it('maps any node id to one safe directory inside the store', async () => {
    const ids = ['../x', '..', '.', '', 'a/b', '/etc/passwd', 'ssh:host\nevil', 'ssh:u@h:22', 'x'.repeat(500), '../../../../tmp/y', 'ssh:a_b', 'ssh:a/b'];
    const names = ids.map(nodeDirName);
    assert.equal(new Set(names).size, ids.length, 'distinct ids, distinct directories');
    for (const n of names) {
      assert.match(n, /^[A-Za-z0-9@-][A-Za-z0-9_.@-]*-[0-9a-f]{16}$/, n);
      assert.ok(n.length <= 57);
    }
    assert.match(nodeDirName('ssh:node-17'), /^ssh_node-17-[0-9a-f]{16}$/, 'readable prefix');
    for (const id of ids) {
      const stored = await store.save(id, snapshot(1000, 2));
      const rel = relative(root, stored!.file);
      assert.ok(!rel.startsWith('..') && rel.split(sep).length === 2, `${JSON.stringify(id)} -> ${rel}`);
      assert.equal((await store.list(id)).length, 1);
      assert.equal(JSON.parse(readFileSync(join(store.dirOf(id), 'node.json'), 'utf8')).id, id);
    }
    assert.equal(readdirSync(root).length, ids.length);
    assert.equal(await store.deleteAll('../x'), 1);
    assert.deepEqual(await store.list('../x'), []);
    assert.equal(readdirSync(root).length, ids.length - 1);
  });
});
