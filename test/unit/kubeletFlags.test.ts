import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { flagSites, setFlagText } from '../../src/core/fixes/kubeletFlags';
import { needs, toolMissing } from '../support/prereq';

// kubelet flags changed where they are written, as text. The environment files are also read by
// a real sh (as systemd's EnvironmentFile= syntax is a subset of it for these lines): the variable
// must hold the same flags with only the one value changed.
const CASES: [string, string, string][] = [
  ['kubeadm-flags.env, quoted', 'KUBELET_KUBEADM_ARGS="--cgroup-driver=cgroupfs --pod-infra-container-image=registry.k8s.io/pause:3.9"\n', 'KUBELET_KUBEADM_ARGS="--cgroup-driver=systemd --pod-infra-container-image=registry.k8s.io/pause:3.9"\n'],
  ['/etc/default/kubelet, unquoted, first word', 'KUBELET_EXTRA_ARGS=--cgroup-driver=cgroupfs\n', 'KUBELET_EXTRA_ARGS=--cgroup-driver=systemd\n'],
  ["single quotes, the flag's value after a blank", "KUBELET_EXTRA_ARGS='--node-ip=10.0.0.5 --cgroup-driver cgroupfs'\n", "KUBELET_EXTRA_ARGS='--node-ip=10.0.0.5 --cgroup-driver systemd'\n"],
  ['a comment line is left alone; CRLF kept', '# KUBELET_EXTRA_ARGS=--cgroup-driver=cgroupfs\r\nKUBELET_EXTRA_ARGS="--cgroup-driver=cgroupfs"\r\n', '# KUBELET_EXTRA_ARGS=--cgroup-driver=cgroupfs\r\nKUBELET_EXTRA_ARGS="--cgroup-driver=systemd"\r\n'],
  ['a longer flag of the same prefix is not touched', 'A="--cgroup-driver-x=cgroupfs --cgroup-driver=cgroupfs"\n', 'A="--cgroup-driver-x=cgroupfs --cgroup-driver=systemd"\n'],
];

describe('kubelet flags set as text (kubeletFlags)', () => {
  for (const [name, before, after] of CASES) {
    it(name, function () {
      assert.equal(setFlagText(before, '--cgroup-driver', 'systemd'), after);
      needs(this, toolMissing('sh'));
      const words = (text: string): string => spawnSync('sh', ['-c', `set -a; . /dev/stdin; printf '%s\\n' "$KUBELET_KUBEADM_ARGS$KUBELET_EXTRA_ARGS$A"`], { input: text.replace(/\r/g, ''), encoding: 'utf8' }).stdout;
      assert.equal(words(after), words(before).replace(/(^|\s)--cgroup-driver([= ])cgroupfs/, '$1--cgroup-driver$2systemd'));
    });
  }

  it('a drop-in: ExecStart lines, continued lines and Environment= are found with their line numbers', () => {
    const dropin = '[Service]\nEnvironment="KUBELET_EXTRA_ARGS=--max-pods=50"\nExecStart=\nExecStart=/usr/bin/kubelet \\\n  --cgroup-driver=cgroupfs \\\n  --config=/var/lib/kubelet/config.yaml\n';
    assert.deepEqual(flagSites([{ source: '/etc/systemd/system/kubelet.service.d/20.conf', value: dropin }], '--cgroup-driver'), [{ source: '/etc/systemd/system/kubelet.service.d/20.conf', line: 5, value: 'cgroupfs' }]);
    assert.equal(setFlagText(dropin, '--cgroup-driver', 'systemd'), dropin.replace('--cgroup-driver=cgroupfs', '--cgroup-driver=systemd'));
    assert.deepEqual(flagSites([{ source: 'x', value: dropin }], '--max-pods'), [{ source: 'x', line: 2, value: '50' }]);
  });
});
