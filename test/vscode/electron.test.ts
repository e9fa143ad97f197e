import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';

/**
 * The extension-host suites (*.suite.ts) in VS Code desktop through @vscode/test-electron. It
 * cannot download VS Code here (no network), so it runs only where one is installed:
 * VSCODE_EXECUTABLE_PATH=/path/to/code. Without it this is skipped, with the reason; the same
 * suites always run inside code-server's VS Code (test/e2e/extensionHost.e2e.test.ts).
 */
describe('extension-host suites in VS Code desktop (@vscode/test-electron)', function () {
  this.timeout(900_000);
  const executable = process.env.VSCODE_EXECUTABLE_PATH;

  it('pass', async function () {
    if (!executable || !existsSync(executable)) {
      console.log('      skipped: set VSCODE_EXECUTABLE_PATH to an installed VS Code desktop (test-electron cannot download one offline)');
      this.skip();
    }
    const repo = resolve(__dirname, '..', '..');
    const dir = mkdtempSync(join(tmpdir(), 'cf-vscode-'));
    const results = join(dir, 'results.json');
    try {
      const code = await runTests({
        vscodeExecutablePath: executable,
        extensionDevelopmentPath: repo,
        extensionTestsPath: join(repo, 'test', 'vscode', 'index.cjs'),
        launchArgs: ['--disable-extensions', '--disable-workspace-trust', '--user-data-dir', join(dir, 'user'), '--no-sandbox', dir],
        extensionTestsEnv: { CF_VSCODE_RESULTS: results },
      });
      const r = JSON.parse(readFileSync(results, 'utf8')) as { passes: string[]; failures: { title: string; error: string }[] };
      assert.deepEqual(r.failures, []);
      assert.equal(code, 0);
      assert.ok(r.passes.length > 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
