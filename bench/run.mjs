// npm run bench [-- NAME...]: runs every bench/*.bench.mjs (or those whose name contains NAME) in
// turn. Each benchmark prints its figures as ratios against a reference measured in the same run,
// because the machines are shared and noisy; none of them is a pass/fail test.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => filters.length === 0 || filters.some((n) => f.includes(n)))
  .sort();
let failed = 0;
for (const f of benches) {
  process.stdout.write(`\n=== ${f}\n`);
  const r = spawnSync(process.execPath, [join(here, f)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`${f}: exited with ${r.status ?? r.signal}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
