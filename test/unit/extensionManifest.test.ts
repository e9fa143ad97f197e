import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_GRACE_SECONDS } from '../../src/core/analysis/analysisOptions';

// package.json as VS Code reads it: its defaults and restrictions must agree with the core's.
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } | { properties: Record<string, { default?: unknown }> }[] };
};
const properties = (): Record<string, { default?: unknown }> => {
  const c = manifest.contributes.configuration;
  return Array.isArray(c) ? Object.assign({}, ...c.map((x) => x.properties)) : c.properties;
};

describe('the extension manifest', () => {
  it("orphans' grace period defaults to the core's (the CLI's) DEFAULT_GRACE_SECONDS", () => {
    assert.equal(properties()['cgroupForensics.orphans.gracePeriodSeconds']?.default, DEFAULT_GRACE_SECONDS);
  });

  it('an untrusted workspace cannot pick the commands, hosts or cluster that judge orphans', () => {
    const restricted = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const key of ['cgroupForensics.kubernetes.context', 'cgroupForensics.kubernetes.kubectlPath', 'cgroupForensics.ssh.sudoHosts']) assert.ok(restricted.includes(key), key);
    for (const key of restricted) assert.ok(key in properties(), `${key} is a declared setting`);
  });
});
