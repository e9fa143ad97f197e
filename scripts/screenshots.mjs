// Refreshes the README's screenshots (docs/images/*.png) from the end-to-end walk
// (test/e2e/walk.e2e.test.ts): the packaged extension in code-server, driven in headless Chromium
// over a kubelet-shaped tree in a cgroup sandbox. Needs what that test needs (root, cgroup2,
// code-server in .cache, Chromium); the walk's own screenshots go to test-output/e2e/walk/.
//   node scripts/build.mjs && node scripts/screenshots.mjs
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const mocha = spawnSync(
  'npx',
  ['mocha', '--no-config', '-r', 'tsx/cjs', '-r', 'test/setup/textLoader.cjs', '--extension', 'ts', '--timeout', '900000', 'test/e2e/walk.e2e.test.ts'],
  { cwd: repo, stdio: 'inherit', env: { ...process.env, CF_README_IMAGES: join(repo, 'docs', 'images'), CI: 'true' } },
);
process.exit(mocha.status ?? 1);
