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

  it('says clearly when a file is not a snapshot', () => {
    assert.throws(() => snapshotFromJson('{"schema":"something-else"}'), /not a cgroup-forensics snapshot/);
  });
});
