import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { undeterminedGuidance } from '../../src/extension/fixes/cleanupConfirmation';

const WHY = 'no source of pods could be read (kubelet: /var/lib/kubelet/pods: not a directory; containerd: /run/containerd/containerd.sock: no such socket; crictl: not installed)';
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { scope?: string }> } };
};

describe('the message when orphans could not be judged', () => {
  it('says the whole reason, each source on its own line, never cut', () => {
    const g = undeterminedGuidance('This machine', WHY);
    assert.equal(g.message, 'Orphans on This machine could not be judged');
    const lines = g.detail.split('\n');
    assert.equal(lines[0], 'no source of pods could be read:');
    assert.deepEqual(lines.slice(1, 4), [
      '  • kubelet: /var/lib/kubelet/pods: not a directory',
      '  • containerd: /run/containerd/containerd.sock: no such socket',
      '  • crictl: not installed',
    ]);
    assert.match(g.detail, /cgroupForensics\.kubelet\.rootDir/);
    assert.match(g.detail, /cgroupForensics\.containerd\.address/);
    assert.match(g.detail, /cgroupForensics\.kubernetes\.context/);
  });

  it('offers buttons that open the settings that lead on, each in the scope package.json gives it', () => {
    const g = undeterminedGuidance('node-1', WHY);
    assert.deepEqual(
      g.actions.map((a) => [a.title, a.setting]),
      [
        ['Set Kubelet Root Dir…', 'cgroupForensics.kubelet.rootDir'],
        ['Set Containerd Address…', 'cgroupForensics.containerd.address'],
        ['Set Kube Context…', 'cgroupForensics.kubernetes.context'],
      ],
    );
    for (const a of g.actions) assert.equal(a.scope, manifest.contributes.configuration.properties[a.setting]?.scope === 'machine' ? 'machine' : 'window', a.setting);
  });

  it('a snapshot file has nothing to set: the reason alone, no buttons', () => {
    const why = 'a snapshot file holds no kubelet, runtime or crictl view of the pods; run on the live node';
    const g = undeterminedGuidance('node.json', why, false);
    assert.equal(g.detail, why);
    assert.deepEqual(g.actions, []);
  });
});
