// The entry VS Code's extension host loads with --extensionTestsPath: runs the *.suite.ts mocha
// suites of this folder inside the host (TypeScript through tsx) and writes the results to
// $CF_VSCODE_RESULTS (JSON), which the runner outside the host reads.
const fs = require('node:fs');
const path = require('node:path');

exports.run = async function run() {
  require('tsx/cjs');
  require(path.join(__dirname, '..', 'setup', 'textLoader.cjs'));
  // mocha 12 exports its parts as an object; older ones the class itself.
  const mod = require('mocha');
  const Mocha = typeof mod === 'function' ? mod : mod.Mocha || mod.default;
  const mocha = new Mocha({ ui: 'bdd', timeout: 300000, color: false, reporter: 'spec' });
  const only = process.env.CF_VSCODE_SUITES ? new RegExp(process.env.CF_VSCODE_SUITES) : undefined;
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (f.endsWith('.suite.ts') && (!only || only.test(f))) mocha.addFile(path.join(__dirname, f));
  }
  const results = { passes: [], failures: [], pending: [] };
  await new Promise((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (t) => results.passes.push(t.fullTitle()));
    runner.on('pending', (t) => results.pending.push(t.fullTitle()));
    runner.on('fail', (t, err) => results.failures.push({ title: t.fullTitle(), error: String((err && err.stack) || err) }));
  });
  if (process.env.CF_VSCODE_RESULTS) fs.writeFileSync(process.env.CF_VSCODE_RESULTS, JSON.stringify(results, null, 2));
  if (results.failures.length) throw new Error(`${results.failures.length} extension-host test(s) failed`);
};
