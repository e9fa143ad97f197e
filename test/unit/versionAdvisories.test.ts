import assert from 'node:assert/strict';
import { ADVISORIES, compareVersions, findAdvisories, isAffected, type Advisory } from '../../src/core/analysis/versionAdvisories';

// The advisory table matched against versions at the edges of each range.
const row = (id: string): Advisory => {
  const a = ADVISORIES.find((x) => x.id === id);
  assert.ok(a, id);
  return a;
};

describe('version advisories', () => {
  it('every row names a source and a fix', () => {
    for (const a of ADVISORIES) {
      assert.ok(a.sources.length > 0 && a.sources.every((s) => /^https:\/\/\S+$/.test(s)), a.id);
      assert.ok(a.fixed && a.remedy, a.id);
    }
    assert.equal(new Set(ADVISORIES.map((a) => a.id)).size, ADVISORIES.length);
  });

  it('compares versions part by part, pre-releases before releases, distro suffixes as parts', () => {
    assert.equal(compareVersions('1.0.0-rc93', '1.0.0-rc94'), -1);
    assert.equal(compareVersions('1.0.0-rc94', '1.0.0'), -1);
    assert.equal(compareVersions('1.0.0', '1.0.0-rc94'), 1);
    assert.equal(compareVersions('v1.6.0', '1.6.0'), 0);
    assert.equal(compareVersions('1.10.0', '1.9.9'), 1);
    assert.equal(compareVersions('3.10.0-1062.4.1.el7.x86_64', '3.10.0-1075'), -1);
    assert.equal(compareVersions('3.10.0-1075.el7.x86_64', '3.10.0-1075'), 0, 'a distro suffix after the last number is the same build');
    assert.equal(compareVersions('252', '237'), 1);
  });

  it('systemd transient mount units: 236 affected, 237 and later not', () => {
    const a = row('systemd-transient-mount-units');
    assert.equal(isAffected(a, '219'), true);
    assert.equal(isAffected(a, '236'), true);
    assert.equal(isAffected(a, '237'), false);
    assert.equal(isAffected(a, '252'), false);
  });

  it('3.10 kmem leak: RHEL 7 kernels before 3.10.0-1075 affected, later ones and other series not', () => {
    const a = row('kernel-3.10-kmem-memcg-leak');
    assert.equal(isAffected(a, '3.10.0-693.17.1.el7.x86_64'), true);
    assert.equal(isAffected(a, '3.10.0-1062.9.1.el7.x86_64'), true);
    assert.equal(isAffected(a, '3.10.0-1074.el7.x86_64'), true);
    assert.equal(isAffected(a, '3.10.0-1075.el7.x86_64'), false);
    assert.equal(isAffected(a, '3.10.0-1160.el7.x86_64'), false);
    assert.equal(isAffected(a, '2.6.32-754.el6.x86_64'), false, 'another series is not judged by this row');
    assert.equal(isAffected(a, '6.1.0-27-amd64'), false);
  });

  it('runc: kmem limits before rc94; UnitExists before 1.1.6 (Debian suffixes kept)', () => {
    const k = row('runc-kmem-limits-v1');
    assert.equal(isAffected(k, '1.0.0-rc93'), true);
    assert.equal(isAffected(k, '1.0.0-rc94'), false);
    assert.equal(isAffected(k, '1.0.0'), false);
    const u = row('runc-systemd-unit-exists');
    assert.equal(isAffected(u, '1.1.5'), true);
    assert.equal(isAffected(u, '1.1.5+ds1'), true);
    assert.equal(isAffected(u, '1.1.6'), false);
    assert.equal(isAffected(u, '1.2.0'), false);
  });

  it('containerd before 1.6.0; CRI-O scope leak before 1.25.0, sandbox cgroup leak before 1.26.0', () => {
    assert.equal(isAffected(row('containerd-cgroups-leak-fixes'), '1.5.18'), true);
    assert.equal(isAffected(row('containerd-cgroups-leak-fixes'), '1.6.0'), false);
    assert.equal(isAffected(row('crio-systemd-scope-leak'), '1.24.9'), true);
    assert.equal(isAffected(row('crio-systemd-scope-leak'), '1.25.0'), false);
    assert.equal(isAffected(row('crio-systemd-scope-leak'), 'unknown'), false, 'an unreadable version matches nothing');
    assert.equal(isAffected(row('crio-sandbox-cgroup-leak'), '1.25.9'), true);
    assert.equal(isAffected(row('crio-sandbox-cgroup-leak'), '1.26.0'), false);
  });

  it('makes one finding per matching row, with the upgrade and the sources', () => {
    const f = findAdvisories({ kernel: '3.10.0-957.el7.x86_64', systemd: '219', runc: '1.1.12', containerd: '1.6.20' });
    assert.deepEqual(f.map((x) => x.title.split(' is affected by ')[1]?.split(':')[0]).sort(), ['kernel-3.10-kmem-memcg-leak', 'systemd-transient-mount-units']);
    const k = f.find((x) => x.title.startsWith('kernel'))!;
    assert.equal(k.kind, 'version-advisory');
    assert.equal(k.severity, 'critical');
    assert.ok(k.title.includes('upgrade to 3.10.0-1075'));
    assert.ok(k.evidence.some((e) => e.startsWith('fix: boot with cgroup.memory=nokmem')));
    assert.ok(k.evidence.some((e) => e === 'source: https://github.com/opencontainers/runc/issues/1725'));
    assert.deepEqual(findAdvisories({}), []);
  });
});
