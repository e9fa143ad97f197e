// Bundles the CLI and the extension for Node, and the flame and trend webviews for the browser.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// --outdir DIR builds elsewhere than dist/ (a test measures the production CLI without touching dist/).
const outIdx = process.argv.indexOf('--outdir');
const out = outIdx > 0 ? process.argv[outIdx + 1] : 'dist';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  loader: { '.sh': 'text' },
  // ssh2's optional native addons (sshcrypto, cpu-features) stay out of the bundle: ssh2 falls
  // back to Node's own crypto when they cannot be loaded, so dist/ works without node_modules.
  external: ['*.node'],
  logLevel: 'warning',
};

const builds = [
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: `${out}/cli.js`, banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: `${out}/extension.js`, external: ['vscode', '*.node'] },
  // The flame view's and trend chart's browser bundles (JS + CSS each); the panels'
  // localResourceRoots is this folder only.
  { ...common, platform: 'browser', target: 'chrome120', format: 'iife', entryPoints: { flame: 'webview/src/flame/main.ts', trend: 'webview/src/trend/main.ts' }, outdir: `${out}/webview` },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
