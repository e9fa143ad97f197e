import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needs } from '../support/prereq';
import { OUTPUT, REPO, e2eMissing, makeProfile, startCodeServer, type Profile, type Server } from './codeServer';
import { Workbench } from './workbench';

/**
 * The extension-host mocha suites (test/vscode/*.suite.ts) inside code-server's VS Code 1.100:
 * the workbench is opened in Chromium with the extension under development and the tests
 * location in its payload, as VS Code's own browser integration tests do; the suites run in the
 * real Node extension host and write their results to a file this test reads.
 */
describe('e2e: extension-host suites inside code-server', function () {
  this.timeout(900_000);
  let profile: Profile | undefined;
  let server: Server | undefined;
  let wb: Workbench | undefined;
  const out = join(OUTPUT, 'extension-host');

  before(function () {
    needs(this, e2eMissing());
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
  });

  after(async () => {
    if (wb) {
      writeFileSync(join(out, 'console.log'), wb.consoleLines.join('\n') + '\n');
      await wb.close();
    }
    if (server) {
      writeFileSync(join(out, 'code-server.log'), server.output());
      await server.stop();
    }
    profile?.remove();
  });

  it('pass: activation, commands, tree contents, fix documents', async () => {
    // The suites load dist/extension.js as built by `npm run build` (npm test builds first).
    profile = makeProfile({});
    const results = join(profile.dir, 'results.json');
    process.env.CF_VSCODE_RESULTS = results;
    try {
      server = await startCodeServer(profile);
    } finally {
      delete process.env.CF_VSCODE_RESULTS;
    }
    const host = new URL(server.url).host;
    const remote = (p: string): string => `vscode-remote://${host}${p}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(REPO)],
      ['extensionTestsPath', remote(join(REPO, 'test', 'vscode', 'index.cjs'))],
      ['skipWelcome', 'true'],
    ]);
    const exit = new Promise<number>((resolve) => {
      void Workbench.open(`${server!.url}&payload=${encodeURIComponent(payload)}`, 'extension-host', async (page) => {
        await page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
        await page.exposeFunction('codeAutomationLog', () => undefined);
      }).then((w) => (wb = w));
    });
    const code = await exit;
    if (wb) await wb.screenshot('suites-done');
    const r = JSON.parse(readFileSync(results, 'utf8')) as { passes: string[]; failures: { title: string; error: string }[]; pending: string[] };
    writeFileSync(join(out, 'results.json'), JSON.stringify(r, null, 2));
    for (const p of r.passes) console.log(`      ✔ (in the extension host) ${p}`);
    assert.deepEqual(r.failures, []);
    assert.deepEqual(r.pending, [], 'no suite may skip inside the real host');
    assert.equal(code, 0);
    // All suites (no CF_VSCODE_SUITES filter) hold at least this many tests: none went missing.
    if (!process.env.CF_VSCODE_SUITES) assert.ok(r.passes.length >= 12, `${r.passes.length} passed`);
  });
});
