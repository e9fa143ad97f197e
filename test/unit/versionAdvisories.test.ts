import assert from 'node:assert/strict';
import { ADVISORIES, branchOf, compareVersions, findAdvisories, judgeVersion, type Component, type NodeSettings } from '../../src/core/analysis/versionAdvisories';
import type { Finding } from '../../src/core/analysis/finding';
import { nodeSettings } from '../../src/core/evidence/nodeEvidence';
import { interpretFacts } from '../../src/core/facts/nodeFacts';
import type { Snapshot } from '../../src/core/model/snapshot';
import { evidenceLines } from '../../src/core/analysis/evidence';

// The advisory table through its public API: for every row, versions just below, at and above
// each bound (the introduced release, every backport, the main fix), the node conditions on and
// off, and bounds that could not be confirmed said so. The bounds themselves come from the
// upstream repositories (see the sources in each row and the report of issue 12).

const SYSTEMD_NODE: NodeSettings = {
  'runc-cgroup-driver': { value: 'systemd', source: '/etc/containerd/config.toml SystemdCgroup' },
  'kubelet-cgroup-driver': { value: 'systemd', source: '/var/lib/kubelet/config.yaml cgroupDriver' },
  'crio-cgroup-manager': { value: 'systemd', source: '/etc/crio/crio.conf cgroup_manager' },
  'crio-drop-infra-ctr': { value: 'true', source: '/etc/crio/crio.conf drop_infra_ctr' },
  'cgroup-layout': { value: 'v1', source: 'cgroup mounts in the mount table' },
  'kernel-cmdline': { value: 'BOOT_IMAGE=/vmlinuz ro quiet', source: '/proc/cmdline' },
  'runc-build-tags': { value: 'seccomp apparmor', source: 'test' },
};

/** The advisory ids a node with this one version (and these settings) gets. */
function ids(component: Component, version: string, settings: NodeSettings = SYSTEMD_NODE): string[] {
  return findAdvisories({ [component]: version }, settings).map((f) => f.title.split(' is affected by ')[1]!.split(':')[0]!);
}

function one(component: Component, version: string, id: string, settings: NodeSettings = SYSTEMD_NODE): Finding {
  const f = findAdvisories({ [component]: version }, settings).find((x) => x.title.includes(` ${id}:`));
  assert.ok(f, `${component} ${version} should be affected by ${id}`);
  return f;
}

/** Affected (true) or not (false) by the row `id`, for each version. */
function expectRow(component: Component, id: string, cases: Record<string, boolean>, settings: NodeSettings = SYSTEMD_NODE): void {
  for (const [v, want] of Object.entries(cases)) assert.equal(ids(component, v, settings).includes(id), want, `${component} ${v}: ${id} ${want ? 'expected' : 'not expected'}`);
}

describe('version advisories', () => {
  it('every row has a source for every bound, and a number only where it was confirmed', () => {
    const url = /^https:\/\/github\.com\/\S+$/;
    for (const a of ADVISORIES) {
      for (const b of [a.fixed, ...(a.introduced ? [a.introduced] : []), ...(a.backports ?? [])]) {
        assert.ok(b.sources.length > 0 && b.sources.every((s) => url.test(s)), `${a.id}: every bound names its sources`);
        assert.ok((b.version !== undefined) !== (b.unconfirmed !== undefined), `${a.id}: a bound is either confirmed (version) or unconfirmed (why)`);
        assert.ok(b.claimed === undefined || b.unconfirmed !== undefined, `${a.id}: a claimed release is never stated as confirmed`);
      }
      for (const b of a.backports ?? []) assert.equal(branchOf(b.version!), b.branch, `${a.id}: backport ${b.version} is on ${b.branch}`);
      assert.ok(a.remedy && a.summary, a.id);
    }
    assert.equal(new Set(ADVISORIES.map((a) => a.id)).size, ADVISORIES.length);
  });

  it('compares versions part by part: pre-releases first, distro suffixes (Debian, RHEL) as parts', () => {
    assert.equal(compareVersions('1.0.0-rc93', '1.0.0-rc94'), -1);
    assert.equal(compareVersions('1.0.0-rc94', '1.0.0'), -1);
    assert.equal(compareVersions('1.2.0-rc.1', '1.2.0'), -1);
    assert.equal(compareVersions('1.2.0-rc.1', '1.1.15'), 1);
    assert.equal(compareVersions('1.4.0-beta.1', '1.4.0-beta.2'), -1);
    assert.equal(compareVersions('1.6.0-rc.1', '1.6.0-rc.2'), -1);
    assert.equal(compareVersions('v1.1.8', '1.1.8'), 0);
    assert.equal(compareVersions('1.26.2', '1.26.10'), -1);
    assert.equal(compareVersions('1.10.0', '1.9.9'), 1);
    assert.equal(compareVersions('1.1.5+ds1', '1.1.6'), -1, "Debian's +ds1 is the same upstream release");
    assert.equal(compareVersions('1.1.5+ds1', '1.1.5'), 0);
    assert.equal(compareVersions('3.10.0-1160.el7.x86_64', '3.10.0-1075'), 1);
    assert.equal(compareVersions('3.10.0-1062.4.1.el7.x86_64', '3.10.0-1075'), -1);
    assert.equal(compareVersions('3.10.0-1075.el7.x86_64', '3.10.0-1075'), 0);
    assert.equal(compareVersions('252', '237'), 1);
    assert.deepEqual(['1.26.1', 'v1.1.8', '3.10.0-1160.el7.x86_64', '252', '1.2.0-rc.1'].map(branchOf), ['1.26', '1.1', '3.10', '252', '1.2']);
  });

  describe('crio-sandbox-cgroup-leak (cri-o#6349): 1.21.0 to the fix on each line, systemd manager, infra dropped', () => {
    it('below introduced, on each backport line below/at/above its fix, on 1.23 (no released backport), on the main fix', () => {
      expectRow('crio', 'crio-sandbox-cgroup-leak', {
        '1.20.9': false,
        '1.21.0': true,
        '1.22.5': true,
        '1.23.5': true,
        '1.24.4': true,
        '1.24.5': false,
        '1.24.6': false,
        '1.25.2': true,
        '1.25.3': false,
        '1.25.4': false,
        '1.26.0': true,
        '1.26.1': true,
        '1.26.2': false,
        '1.26.3': false,
        '1.27.0-rc.1': true,
        '1.27.0': false,
        '1.27.1': false,
        '1.30.4': false,
      });
    });

    it('needs cgroup_manager systemd and a dropped infra container; unknown settings are said, not assumed away', () => {
      const cgroupfs: NodeSettings = { ...SYSTEMD_NODE, 'crio-cgroup-manager': { value: 'cgroupfs', source: '/etc/crio/crio.conf.d/10-cgroupfs.conf cgroup_manager' } };
      expectRow('crio', 'crio-sandbox-cgroup-leak', { '1.26.1': false }, cgroupfs);
      expectRow('crio', 'crio-sandbox-cgroup-leak', { '1.26.1': false }, { ...SYSTEMD_NODE, 'crio-drop-infra-ctr': { value: 'false', source: 'x' } });
      const f = one('crio', '1.26.1', 'crio-sandbox-cgroup-leak');
      assert.equal(f.confidence, 'high');
      assert.ok(evidenceLines(f).includes('crio version 1.26.1: 1.26.1 is on the 1.26 line, fixed there in 1.26.2: below it'), evidenceLines(f).join('\n'));
      assert.ok(evidenceLines(f).includes('condition met: CRI-O cgroup_manager = "systemd": "systemd" (/etc/crio/crio.conf cgroup_manager)'));
      assert.ok(evidenceLines(f).includes('source: https://github.com/cri-o/cri-o/pull/6679'), 'the backport that decided');
      assert.ok(evidenceLines(f).includes('source: https://github.com/cri-o/cri-o/releases/tag/v1.26.2'), 'and the release that holds it');
      assert.ok(f.title.endsWith('upgrade to 1.26.2 or later on 1.26, or 1.27.0 or later'), f.title);
      const unknown = one('crio', '1.26.1', 'crio-sandbox-cgroup-leak', {});
      assert.equal(unknown.confidence, 'low');
      assert.ok(evidenceLines(unknown).some((e) => e.startsWith('condition not checked: CRI-O cgroup_manager = "systemd"')));
      const old = one('crio', '1.23.5', 'crio-sandbox-cgroup-leak');
      assert.ok(evidenceLines(old)[0]!.includes('the 1.23 line, which has no release with the fix (fixed in 1.27.0; backports on 1.24, 1.25, 1.26)'), evidenceLines(old)[0]);
      assert.ok(evidenceLines(old).includes('source: https://github.com/cri-o/cri-o/pull/6641'));
      assert.ok(evidenceLines(old).some((e) => e.startsWith('introduced in 1.21.0 (https://github.com/cri-o/cri-o/pull/4613')));
    });
  });

  it('crio-systemd-scope-leak (cri-o#6153): fixed in 1.25.0 only, no 1.24 backport; needs cgroup_manager systemd', () => {
    expectRow('crio', 'crio-systemd-scope-leak', { '1.23.5': true, '1.24.6': true, '1.25.0-rc.1': true, '1.25.0': false, '1.25.1': false, '1.28.1': false });
    expectRow('crio', 'crio-systemd-scope-leak', { '1.24.6': false }, { 'crio-cgroup-manager': { value: 'cgroupfs', source: 'x' } });
    const f = one('crio', '1.24.6', 'crio-systemd-scope-leak');
    assert.ok(!evidenceLines(f).some((e) => /6636/.test(e)), 'cri-o#6636 is the other fix\'s backport');
    assert.ok(evidenceLines(f).includes('source: https://github.com/cri-o/cri-o/pull/6153'));
  });

  it('containerd-cgroup2-oom-watch-inotify-leak: 1.4.0-beta.2 to 1.5.12 on 1.5 and 1.6.0-rc.2 on main; cgroup v2 only', () => {
    const v2: NodeSettings = { 'cgroup-layout': { value: 'v2', source: 'mounts' } };
    expectRow(
      'containerd',
      'containerd-cgroup2-oom-watch-inotify-leak',
      { '1.3.9': false, '1.4.0-beta.1': false, '1.4.0-beta.2': true, '1.4.13': true, '1.5.11': true, '1.5.12': false, '1.5.18': false, '1.6.0-rc.1': true, '1.6.0-rc.2': false, '1.6.0': false, '1.7.13': false },
      v2,
    );
    expectRow('containerd', 'containerd-cgroup2-oom-watch-inotify-leak', { '1.5.11': false }, { 'cgroup-layout': { value: 'hybrid', source: 'mounts' } });
    const f = one('containerd', '1.5.11', 'containerd-cgroup2-oom-watch-inotify-leak', v2);
    assert.ok(evidenceLines(f).includes('source: https://github.com/containerd/containerd/pull/6961'));
    assert.match(f.title, /upgrade to 1\.5\.12 or later on 1\.5, or 1\.6\.0-rc\.2 or later/);
  });

  it('runc-kmem-limits-v1: from 1.0.0-rc3 (runc#1350) to 1.0.0-rc94; v1 memory; nokmem builds never; recommends 1.0.0 (rc94 has CVE-2021-30465)', () => {
    expectRow('runc', 'runc-kmem-limits-v1', { '0.1.1': false, '1.0.0-rc2': false, '1.0.0-rc3': true, '1.0.0-rc93': true, '1.0.0-rc94': false, '1.0.0': false, '1.1.12': false });
    expectRow('runc', 'runc-kmem-limits-v1', { '1.0.0-rc93': false }, { ...SYSTEMD_NODE, 'cgroup-layout': { value: 'v2', source: 'mounts' } });
    expectRow('runc', 'runc-kmem-limits-v1', { '1.0.0-rc93': false }, { ...SYSTEMD_NODE, 'runc-build-tags': { value: 'seccomp nokmem', source: 'x' } });
    const f = one('runc', '1.0.0-rc93', 'runc-kmem-limits-v1', { ...SYSTEMD_NODE, 'runc-build-tags': { source: 'runc --version does not print the build tags' } });
    assert.ok(evidenceLines(f).includes('condition not checked: runc was built without the nokmem tag (runc#1921, from 1.0.0-rc6) (runc --version does not print the build tags)'), evidenceLines(f).join('\n'));
    assert.equal(f.confidence, 'low');
    assert.ok(evidenceLines(f).some((e) => e.startsWith('fix: upgrade runc to 1.0.0 or later') && e.includes('CVE-2021-30465')));
  });

  it('runc-systemd-unit-exists: from 1.0.0-rc3 (runc#1124); 1.1.6 on 1.1, 1.2.0-rc.1 on main, 1.0 never fixed; systemd driver', () => {
    expectRow('runc', 'runc-systemd-unit-exists', {
      '1.0.0-rc2': false,
      '1.0.0-rc3': true,
      '1.0.3': true,
      '1.1.5': true,
      '1.1.5+ds1': true,
      '1.1.6': false,
      '1.1.7': false,
      '1.2.0-rc.1': false,
      '1.2.0': false,
    });
    expectRow('runc', 'runc-systemd-unit-exists', { '1.1.5': false }, { 'runc-cgroup-driver': { value: 'cgroupfs', source: 'x' } });
  });

  it('runc-failed-unit-not-reset: runc delete calls reset-failed from 1.1.8 (runc#3932) / 1.2.0-rc.1 (runc#3888); systemd driver', () => {
    expectRow('runc', 'runc-failed-unit-not-reset', { '1.0.3': true, '1.1.7': true, '1.1.8': false, '1.1.9': false, '1.2.0-rc.1': false, '1.2.1': false, 'v1.1.8': false, '1.1.7+ds1': true });
    expectRow('runc', 'runc-failed-unit-not-reset', { '1.1.7': false }, { 'runc-cgroup-driver': { value: 'cgroupfs', source: 'x' } });
    const f = one('runc', '1.1.7', 'runc-failed-unit-not-reset');
    assert.ok(evidenceLines(f).includes('source: https://github.com/opencontainers/runc/pull/3932'));
    assert.ok(!evidenceLines(f).some((e) => e.startsWith('introduced')), 'no introduced bound: the driver never reset failed units before');
  });

  it('kubelet-1.21-unit-already-exists: 1.21.2 to 1.21.4 (libcontainer rc95), fixed 1.21.5 and 1.22.0; systemd driver', () => {
    expectRow('kubelet', 'kubelet-1.21-unit-already-exists', { '1.20.15': false, '1.21.0': false, '1.21.1': false, '1.21.2': true, '1.21.4': true, '1.21.5': false, '1.21.14': false, '1.22.0': false, '1.29.3': false });
    expectRow('kubelet', 'kubelet-1.21-unit-already-exists', { '1.21.3': false }, { 'kubelet-cgroup-driver': { value: 'cgroupfs', source: 'x' } });
    const f = one('kubelet', '1.21.3', 'kubelet-1.21-unit-already-exists');
    assert.ok(evidenceLines(f).includes('source: https://github.com/kubernetes/kubernetes/pull/104530'));
  });

  it('kernel-3.10-kmem-memcg-leak: every 3.10 kernel (no fix confirmed: the 1075 claim is second-hand, 1160 leaks), unless booted with nokmem', () => {
    expectRow('kernel', 'kernel-3.10-kmem-memcg-leak', { '3.10.0-693.17.1.el7.x86_64': true, '3.10.0-1074.el7.x86_64': true, '3.10.0-1075.el7.x86_64': true, '3.10.0-1160.el7.x86_64': true, '2.6.32-754.el6.x86_64': false, '4.18.0-553.el8_10.x86_64': false, '6.1.0-27-amd64': false });
    expectRow('kernel', 'kernel-3.10-kmem-memcg-leak', { '3.10.0-1160.el7.x86_64': false }, { 'kernel-cmdline': { value: 'ro quiet cgroup.memory=nokmem', source: '/proc/cmdline' } });
    const f = one('kernel', '3.10.0-1160.el7.x86_64', 'kernel-3.10-kmem-memcg-leak');
    assert.ok(f.title.endsWith('the fixed release is unconfirmed'), f.title);
    assert.ok(!f.title.includes('1075'));
    assert.ok(evidenceLines(f).some((e) => e.startsWith('unconfirmed: a fix in 3.10.0-1075.el7 is only said in a docker/for-linux#841 comment')));
    assert.ok(evidenceLines(f).some((e) => e.includes('cannot allocate memory')));
    assert.equal(f.confidence, 'low');
  });

  it('systemd-transient-mount-units (kubernetes#57345, the .mount units only): the claimed 237 decides but is said to be unconfirmed', () => {
    expectRow('systemd', 'systemd-transient-mount-units', { '219': true, '236': true, '237': false, '252': false });
    const f = one('systemd', '219', 'systemd-transient-mount-units');
    assert.ok(f.title.endsWith('the fixed release is unconfirmed'), f.title);
    assert.ok(evidenceLines(f).includes('systemd version 219: 219 is older than 237 (unconfirmed: only a second-hand source names it), the first release of the main line with the fix'), evidenceLines(f).join('\n'));
    assert.ok(evidenceLines(f).includes('source: https://github.com/kubernetes/kubernetes/issues/57345'));
    assert.ok(!evidenceLines(f).some((e) => /64137|70324|run-\*\.scope/.test(e)), 'the empty scopes are another bug, with no systemd fix');
  });

  it('judges only what it can: unreadable versions, other kernel series, nothing given', () => {
    assert.equal(judgeVersion(ADVISORIES.find((a) => a.id === 'crio-systemd-scope-leak')!, 'unknown'), undefined);
    assert.deepEqual(findAdvisories({}), []);
    assert.deepEqual(ids('crio', 'unknown'), []);
  });

  describe('the node settings the conditions read (nodeSettings)', () => {
    const crioFacts = (...confs: [string, string][]) =>
      interpretFacts({ found: [{ key: 'runc-version', source: 'runc --version', value: 'runc version 1.1.7\n' }, ...confs.map(([source, value]) => ({ key: 'crio-config', source, value }))], missing: [] });

    it("CRI-O: cgroup_manager (drop-ins win), drop_infra_ctr from the config or CRI-O's default for its version (true from 1.22.0)", () => {
      const f = crioFacts(['/etc/crio/crio.conf', '[crio.runtime]\ncgroup_manager = "systemd"\n'], ['/etc/crio/crio.conf.d/10-x.conf', '[crio.runtime]\ndrop_infra_ctr = false\n']);
      assert.deepEqual(nodeSettings(undefined, f, { crio: '1.26.1' })['crio-drop-infra-ctr'], { value: 'false', source: '/etc/crio/crio.conf.d/10-x.conf drop_infra_ctr' });
      const d = crioFacts(['/etc/crio/crio.conf', '[crio.runtime]\ncgroup_manager = "systemd"\n']);
      assert.equal(nodeSettings(undefined, d, { crio: '1.21.3' })['crio-drop-infra-ctr']?.value, 'false');
      assert.equal(nodeSettings(undefined, d, { crio: '1.22.0' })['crio-drop-infra-ctr']?.value, 'true');
      assert.equal(nodeSettings(undefined, d, {})['crio-drop-infra-ctr']?.value, undefined, 'the default depends on a version that is unknown');
      const s = nodeSettings(undefined, d, { crio: '1.26.1' });
      assert.deepEqual(s['crio-cgroup-manager'], { value: 'systemd', source: '/etc/crio/crio.conf cgroup_manager' });
      assert.deepEqual(s['runc-cgroup-driver'], { value: 'systemd', source: '/etc/crio/crio.conf cgroup_manager = "systemd"' }, 'CRI-O tells runc its driver');
      assert.deepEqual(s['runc-build-tags'], { source: 'runc --version does not print the build tags' });
    });

    it("containerd: SystemdCgroup decides runc's driver (unset: cgroupfs); the snapshot gives the layout and the kernel command line", () => {
      const f = interpretFacts({ found: [{ key: 'containerd-config', source: '/etc/containerd/config.toml', value: 'version = 2\n' }], missing: [] });
      const snap = { node: { cmdline: 'ro quiet cgroup.memory=nokmem' }, hierarchies: [{ kind: 'v1' }, { kind: 'v2' }] } as unknown as Snapshot;
      const s = nodeSettings(snap, f, {});
      assert.equal(s['runc-cgroup-driver']?.value, 'cgroupfs');
      assert.match(s['runc-cgroup-driver']!.source, /^\/etc\/containerd\/config\.toml /);
      assert.deepEqual(s['cgroup-layout'], { value: 'hybrid', source: 'cgroup mounts in the mount table' });
      assert.equal(s['kernel-cmdline']?.value, 'ro quiet cgroup.memory=nokmem');
      const on = interpretFacts({ found: [{ key: 'containerd-config', source: '/etc/containerd/config.toml', value: 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\nSystemdCgroup = true\n' }], missing: [] });
      assert.equal(nodeSettings(undefined, on, {})['runc-cgroup-driver']?.value, 'systemd');
      assert.deepEqual(nodeSettings(undefined, undefined, {}), {});
    });
  });
});
