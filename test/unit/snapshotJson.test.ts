import assert from 'node:assert/strict';
import { takeSnapshot } from '../../src/core/scan';
import { snapshotFromJson, snapshotToJson } from '../../src/core/model/snapshotJson';
import { STAT_NAMES } from '../../src/core/model/cgroupTree';
import { LocalTransport } from '../../src/core/transport/local';
import { HOSTS } from '../fixtures/hosts/specs';
import { makeFakeHost } from '../support/fakeHost';

describe('snapshot JSON', () => {
  for (const [name, spec] of Object.entries(HOSTS)) {
    it(`round-trips the ${name} fixture exactly, hostile names included`, async () => {
      const host = makeFakeHost(spec());
      try {
        const r = await takeSnapshot(new LocalTransport(), { hostRoot: host.root });
        assert.ok(r.ok);
        const s = r.value;
        const text = snapshotToJson(s);
        const j = JSON.parse(text) as { schema: string };
        assert.equal(j.schema, 'cgroup-forensics/snapshot@1');
        const back = snapshotFromJson(text);
        assert.deepEqual(back.node, s.node);
        assert.deepEqual(back.mounts, s.mounts);
        assert.equal(back.takenAt, s.takenAt);
        assert.equal(back.hierarchies.length, s.hierarchies.length);
        s.hierarchies.forEach((h, k) => {
          const b = back.hierarchies[k]!;
          assert.equal(b.walkRoot, h.walkRoot);
          assert.deepEqual(b.vanished, h.vanished);
          assert.equal(b.tree.size, h.tree.size);
          for (let i = 0; i < h.tree.size; i++) {
            assert.equal(b.tree.names[i], h.tree.names[i]);
            assert.equal(b.tree.parent[i], h.tree.parent[i]);
            assert.equal(b.tree.seen[i], h.tree.seen[i]);
            for (const st of STAT_NAMES) assert.ok(Object.is(b.tree.stat(st, i), h.tree.stat(st, i)), `${st} of ${i}`);
          }
        });
        // Re-serialising the read-back snapshot gives the same text.
        assert.equal(snapshotToJson(back), text);
      } finally {
        host.remove();
      }
    });
  }

  it('reads a snapshot written before the frozen column: the freezer state is unknown there, everything else as it was', async () => {
    const host = makeFakeHost(HOSTS['v2-systemd']!());
    try {
      const r = await takeSnapshot(new LocalTransport(), { hostRoot: host.root });
      assert.ok(r.ok);
      const j = JSON.parse(snapshotToJson(r.value)) as { hierarchies: { columns: string[]; cgroups: unknown[][] }[] };
      for (const h of j.hierarchies) {
        const at = h.columns.indexOf('frozen');
        assert.ok(at > 0);
        h.columns.splice(at, 1);
        for (const row of h.cgroups) row.splice(at, 1);
      }
      const old = snapshotFromJson(JSON.stringify(j));
      const t = old.hierarchies[0]!.tree;
      const now = r.value.hierarchies[0]!.tree;
      assert.ok(now.stats.frozen.subarray(0, now.size).some((v) => v === 1), 'the fixture has a frozen cgroup');
      for (let i = 0; i < t.size; i++) {
        assert.ok(Number.isNaN(t.stat('frozen', i)));
        for (const st of STAT_NAMES) if (st !== 'frozen') assert.ok(Object.is(t.stat(st, i), now.stat(st, i)), `${st} of ${i}`);
      }
    } finally {
      host.remove();
    }
  });

  it('says clearly when a file is not a snapshot', () => {
    assert.throws(() => snapshotFromJson('{"schema":"something-else"}'), /not a cgroup-forensics snapshot/);
  });
});
