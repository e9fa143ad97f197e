import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarize } from '../../src/core/analysis/summary';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { HOSTS } from '../fixtures/hosts/specs';
import { makeFakeHost, v2Files } from '../support/fakeHost';
import { normaliseSnapshot } from '../support/normalise';
import { needs } from '../support/prereq';
import { toolchains } from '../support/toolchains';

// The probe runs for real (sh, awk, find) against node filesystems laid out in a temporary
// directory and read with --host-root; the result must equal the golden snapshot beside each
// fixture under every shell/awk/find a node may have. UPDATE_GOLDEN=1 rewrites the goldens.
const GOLDEN_DIR = join(__dirname, '..', 'fixtures', 'hosts');

describe('probe on fixture hosts', () => {
  for (const [name, spec] of Object.entries(HOSTS)) {
    describe(name, () => {
      for (const tc of toolchains()) {
        it(`matches the golden snapshot with ${tc.name}`, async function () {
          needs(this, tc.missing);
          const host = makeFakeHost(spec());
          try {
            const r = await takeSnapshot(new LocalTransport(tc.env()), { hostRoot: host.root });
            assert.ok(r.ok, r.ok ? '' : r.error.message);
            const got = JSON.parse(JSON.stringify(normaliseSnapshot(r.value, host.root)));
            const golden = join(GOLDEN_DIR, `${name}.expected.json`);
            if (process.env.UPDATE_GOLDEN === '1' || !existsSync(golden)) {
              if (process.env.CI === 'true') assert.fail(`golden ${golden} is missing`);
              writeFileSync(golden, JSON.stringify(got, null, 1) + '\n');
            }
            assert.deepEqual(got, JSON.parse(readFileSync(golden, 'utf8')));
            // Ages come from GNU find only; busybox find cannot print them.
            const gnu = !tc.name.startsWith('busybox');
            for (const h of r.value.hierarchies) assert.equal(h.mtimeSupported, gnu, h.name);
            summarize(r.value); // the summary of every fixture renders without throwing
          } finally {
            host.remove();
          }
        });
      }
    });
  }
});

describe('probe when a read fails mid-walk', () => {
  // A cgroup removed between open() and read() makes read() fail. A directory where a stat file
  // should be fails read() the same way (EISDIR), deterministically.
  const spec = (): ReturnType<(typeof HOSTS)[string]> => {
    const s = HOSTS['v2-systemd']!();
    const cg = s.cgroups['/sys/fs/cgroup']!;
    for (let i = 0; i < 300; i++) cg[`/bulk/c${i}`] = v2Files({ memory: i });
    return s;
  };
  for (const tc of toolchains()) {
    it(`goes on past the failure with ${tc.name}, and says so where records may be lost`, async function () {
      needs(this, tc.missing);
      const host = makeFakeHost(spec());
      try {
        const procs = join(host.root, 'sys/fs/cgroup/bulk/c150/cgroup.procs');
        rmSync(procs);
        mkdirSync(procs);
        const r = await takeSnapshot(new LocalTransport(tc.env()), { hostRoot: host.root });
        assert.ok(r.ok, r.ok ? '' : r.error.message);
        const t = r.value.hierarchies[0]!.tree;
        const bulk = [...t.children(t.find('/bulk')!)].length;
        if (tc.name.includes('mawk')) {
          // mawk stops on the error; the stage is restarted and the gap is reported.
          assert.ok(r.value.warnings.some((w) => /mawk stopped on a read error/.test(w)), r.value.warnings.join('; '));
          assert.ok(bulk < 300 && bulk > 0, `${bulk} of 300`);
        } else {
          // getline returns -1: the cgroup is kept (its process count unknown) and nothing is lost.
          assert.equal(bulk, 300);
          assert.ok(Number.isNaN(t.stat('procs', t.find('/bulk/c150')!)));
          assert.ok(!r.value.warnings.some((w) => /read error/.test(w)));
        }
        // Everything after the bulk directory is there in every case.
        assert.notEqual(t.find('/system.slice/containerd.service'), undefined);
      } finally {
        host.remove();
      }
    });
  }
});
