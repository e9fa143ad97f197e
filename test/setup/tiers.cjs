// The test tiers and the mocha options every run shares, in one place: .mocharc.cjs reads them for
// `npm test` (every tier, in this order) and for the npm scripts that run one tier or one file, so
// a tier run alone has the suite's timeout and reporter (mocha's own 2 s default flakes under load).
const options = {
  require: ['tsx/cjs', 'test/setup/textLoader.cjs', 'test/setup/machineGuard.cjs'],
  extension: ['ts'],
  timeout: 60000,
  reporter: 'test/setup/reporter.cjs',
};

const tiers = {
  // Pure core, and the probe on fixture node filesystems under every shell/awk.
  unit: ['test/unit/**/*.test.ts'],
  // The real kernel's cgroup filesystem, sshd, containerd, journald, bpftrace, kubectl.
  integration: ['test/integration/**/*.test.ts'],
  // The built webview bundles (dist/webview) in Debian's Chromium.
  browser: ['test/browser/**/*.test.ts'],
  // The extension in a real VS Code: desktop through @vscode/test-electron (when one is
  // installed), and the packaged .vsix in code-server driven in headless Chromium.
  e2e: ['test/vscode/*.test.ts', 'test/e2e/extension*.test.ts', 'test/e2e/flameView.e2e.test.ts', 'test/e2e/walk.e2e.test.ts'],
};

module.exports = { options, tiers };
