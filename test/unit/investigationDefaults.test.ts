import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLEET_DEFAULTS } from '../../src/core/fleet/fleetDefaults';
import { INVESTIGATION_DEFAULTS } from '../../src/core/investigation/defaults';

// One set of defaults: the extension's settings (package.json, as VS Code reads them) declare the
// investigation's (the CLI's), and the README's Defaults table says the same.
const repo = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } | { properties: Record<string, { default?: unknown }> }[] };
};
const properties = (): Record<string, { default?: unknown }> => {
  const c = manifest.contributes.configuration;
  return Object.assign({}, ...(Array.isArray(c) ? c : [c]).map((x) => x.properties)) as Record<string, { default?: unknown }>;
};

describe('investigation defaults', () => {
  it("the extension's settings default to the investigation's defaults", () => {
    const p = properties();
    assert.equal(p['cgroupForensics.orphans.gracePeriodSeconds']?.default, INVESTIGATION_DEFAULTS.graceSeconds);
    assert.equal(p['cgroupForensics.evidence.since']?.default, INVESTIGATION_DEFAULTS.evidenceSince);
    assert.equal(p['cgroupForensics.scan.maxDepth']?.default, INVESTIGATION_DEFAULTS.maxDepth);
    assert.equal(p['cgroupForensics.scan.maxCgroups']?.default, INVESTIGATION_DEFAULTS.maxCgroups);
    assert.equal(p['cgroupForensics.kubernetes.enabled']?.default, INVESTIGATION_DEFAULTS.kubernetes);
    // The Fleet view's concurrency is the CLI's fleet --concurrency default.
    assert.equal(p['cgroupForensics.fleet.concurrency']?.default, FLEET_DEFAULTS.concurrency);
  });

  it("the README's Defaults table gives the same values", () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Defaults'), readme.indexOf('\n## ', readme.indexOf('## Defaults') + 1));
    const row = (setting: string): string => table.split('\n').find((l) => l.includes(`\`${setting}\``)) ?? '';
    assert.match(row('orphans.gracePeriodSeconds'), new RegExp(`\\| ${INVESTIGATION_DEFAULTS.graceSeconds} s \\|$`));
    assert.match(row('evidence.since'), new RegExp(`\\| \`${INVESTIGATION_DEFAULTS.evidenceSince}\` \\|$`));
    assert.match(row('scan.maxDepth'), new RegExp(`\\| ${INVESTIGATION_DEFAULTS.maxDepth} \\|$`));
    assert.match(row('scan.maxCgroups'), new RegExp(`\\| ${INVESTIGATION_DEFAULTS.maxCgroups.toLocaleString('en-US')} \\|$`));
    assert.match(row('evidence --max-lines N'), new RegExp(`\\| ${INVESTIGATION_DEFAULTS.evidenceMaxLines} \\|$`));
  });
});
