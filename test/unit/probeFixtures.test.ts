import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarize } from '../../src/core/analysis/summary';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { HOSTS } from '../fixtures/hosts/specs';
import { makeFakeHost } from '../support/fakeHost';
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
