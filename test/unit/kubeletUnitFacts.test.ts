import assert from 'node:assert/strict';
import { gatherFacts } from '../../src/core/facts/gatherFacts';
import { kubeletSources } from '../../src/core/fixes/kubeletFix';
import { LocalTransport } from '../../src/core/transport/local';
import { makeFakeHost } from '../support/fakeHost';
import { needs } from '../support/prereq';
import { toolchains } from '../support/toolchains';

// The facts program's "kubelet unit files" section on a fake node root (real sh, sed, awk, sort
// over files laid out as systemd finds them): the unit and drop-ins systemd would use, in the
// order it reads them, and the environment files they name; under every shell/awk a node may
// have, with nothing else on PATH (so no sort, no cut).
describe('facts: kubelet unit files', function () {
  this.timeout(20_000);
  for (const tc of toolchains()) {
  it(`reads the unit that wins, drop-ins by name (an /etc one hides its namesake), and the EnvironmentFile= files that exist, with ${tc.name}`, async function () {
    needs(this, tc.missing);
    const host = makeFakeHost({
      mountinfo: ['22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw'],
      files: {
        'lib/systemd/system/kubelet.service': '[Service]\nExecStart=/usr/bin/kubelet\n',
        'etc/systemd/system/kubelet.service': '[Service]\nExecStart=/usr/local/bin/kubelet\n',
        'usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf': '[Service]\nEnvironmentFile=-/var/lib/kubelet/hidden.env\n',
        'etc/systemd/system/kubelet.service.d/10-kubeadm.conf': '[Service]\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nEnvironmentFile=-/etc/default/kubelet\n',
        'lib/systemd/system/kubelet.service.d/20-extra.conf': '[Service]\n  EnvironmentFile = /etc/sysconfig/kubelet\n# EnvironmentFile=/etc/commented-out\n',
        'etc/systemd/system/kubelet.service.d/05-first.conf': '[Service]\nEnvironment="KUBELET_EXTRA_ARGS=--max-pods=50"\n',
        'etc/systemd/system/kubelet.service.d/notes.txt': 'not a drop-in\n',
        'var/lib/kubelet/kubeadm-flags.env': 'KUBELET_KUBEADM_ARGS="--cgroup-driver=cgroupfs"\n',
        'var/lib/kubelet/hidden.env': 'X=1\n',
        'etc/sysconfig/kubelet': 'KUBELET_EXTRA_ARGS=\n',
        'etc/commented-out': 'secret\n',
      },
      cgroups: {},
    });
    try {
      const r = await gatherFacts(new LocalTransport(tc.env()), { hostRoot: host.root });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      const f = r.value;
      assert.deepEqual(f.kubeletUnitFiles?.map((u) => u.source), [
        '/etc/systemd/system/kubelet.service',
        '/etc/systemd/system/kubelet.service.d/05-first.conf',
        '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf',
        '/lib/systemd/system/kubelet.service.d/20-extra.conf',
      ]);
      assert.deepEqual(f.kubeletEnvFiles?.map((e) => [e.source, e.value]), [
        ['/var/lib/kubelet/kubeadm-flags.env', 'KUBELET_KUBEADM_ARGS="--cgroup-driver=cgroupfs"\n'],
        ['/etc/sysconfig/kubelet', 'KUBELET_EXTRA_ARGS=\n'],
      ]);
      assert.deepEqual(
        f.raw.missing.filter((m) => m.key === 'kubelet-env').map((m) => [m.source, m.reason]),
        [['/etc/default/kubelet', 'missing']],
      );
      assert.ok(!f.raw.found.some((x) => x.value.includes('secret') || x.source.includes('hidden')), 'a commented line and a hidden drop-in are not followed');
      assert.deepEqual(f.unreadable, [], 'a missing optional environment file is not a finding');
      assert.equal(kubeletSources(f).flagFiles.length, 6);
    } finally {
      host.remove();
    }
  });
  }
});
