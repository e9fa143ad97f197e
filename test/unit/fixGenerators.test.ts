import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import type { Finding } from '../../src/core/analysis/finding';
import { containerdSettings, interpretFacts } from '../../src/core/facts/nodeFacts';
import { cleanupScript, shellWord } from '../../src/core/fixes/cleanupScript';
import { containerdFix } from '../../src/core/fixes/containerdFix';
import { crioFix } from '../../src/core/fixes/crioFix';
import { kubeletFix } from '../../src/core/fixes/kubeletFix';
import { unifiedDiff } from '../../src/core/fixes/unifiedDiff';
import { needs } from '../support/prereq';
import { HOSTILE_NAMES } from '../fixtures/hosts/specs';

// Fix generators on real-shaped config files (test/fixtures/configs). Diffs are applied with the
// real patch(1) and must give the generated file; configs are read back with the same parsers
// the node's programs would use, and containerd 1.6 itself validates the 1.x file.
const CONFIGS = join(__dirname, '..', 'fixtures', 'configs');
const read = (f: string): string => readFileSync(join(CONFIGS, f), 'utf8');

/** Applies a unified diff with patch(1) to the original text; returns the result. */
function patched(original: string, diff: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cf-patch-'));
  try {
    writeFileSync(join(dir, 'file'), original);
    execFileSync('patch', ['-s', join(dir, 'file')], { input: diff });
    return readFileSync(join(dir, 'file'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('fix generators', () => {
  describe('kubelet', () => {
    const original = read('kubelet-config.yaml');
    const doc = kubeletFix({ value: original, source: '/var/lib/kubelet/config.yaml' }, { cgroupDriver: 'systemd', podPidsLimit: 4096, evictionPidAvailable: '10%' }, ['test']);

    it('patches the node file: the new keys set, everything else kept, comments too', () => {
      const before = parseYaml(original) as Record<string, unknown>;
      const after = parseYaml(doc.content) as Record<string, unknown>;
      assert.equal(after.cgroupDriver, 'systemd');
      assert.equal(after.podPidsLimit, 4096);
      assert.deepEqual(after.evictionHard, { 'memory.available': '100Mi', 'nodefs.available': '10%', 'pid.available': '10%' });
      for (const k of ['cgroupDriver', 'podPidsLimit', 'evictionHard']) {
        delete after[k];
        delete before[k];
      }
      assert.deepEqual(after, before);
      assert.match(doc.content, /# set by hand during the 1\.24 upgrade/);
      assert.match(doc.content, /^# Shaped as/);
    });

    it('gives a unified diff that patch(1) applies to the node file', () => {
      assert.equal(patched(original, doc.diff!), doc.content);
      assert.match(doc.diff!, /^-cgroupDriver: cgroupfs/m);
      assert.match(doc.diff!, /^\+cgroupDriver: systemd/m);
    });

    it('with no file on the node, writes a whole new KubeletConfiguration', () => {
      const fresh = kubeletFix(undefined, { cgroupDriver: 'systemd' }, []);
      assert.deepEqual(JSON.parse(JSON.stringify(parseYaml(fresh.content))), { apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', cgroupDriver: 'systemd' });
      assert.match(fresh.diff!, /^--- \/dev\/null$/m);
      assert.equal(patched('', fresh.diff!), fresh.content);
    });

    it('changes nothing when the file already says it', () => {
      const again = kubeletFix({ value: doc.content, source: 'x' }, { cgroupDriver: 'systemd', podPidsLimit: 4096 }, []);
      assert.equal(again.content, doc.content);
      assert.equal(again.diff, '');
    });
  });

  describe('containerd', () => {
    it('1.x (config version 2): SystemdCgroup under plugins."io.containerd.grpc.v1.cri", all else kept', () => {
      const original = read('containerd-1.7-config.toml');
      const doc = containerdFix({ value: original, source: '/etc/containerd/config.toml' }, 1, true, []);
      const before = parseToml(original) as Record<string, unknown>;
      const after = parseToml(doc.content) as Record<string, unknown>;
      const opts = (t: Record<string, unknown>): Record<string, unknown> =>
        ((((t.plugins as Record<string, Record<string, unknown>>)['io.containerd.grpc.v1.cri']!.containerd as Record<string, unknown>).runtimes as Record<string, Record<string, unknown>>).runc!.options as Record<string, unknown>);
      assert.equal(opts(before).SystemdCgroup, false);
      assert.equal(opts(after).SystemdCgroup, true);
      opts(after).SystemdCgroup = false;
      assert.deepEqual(after, before, 'nothing else changed');
      assert.equal(patched(original, doc.diff!), doc.content);
      assert.match(doc.meaningDiff!, /^-SystemdCgroup = false\n\+SystemdCgroup = true$/m);
      assert.deepEqual(containerdSettings(doc.content), { version: 2, systemdCgroup: true, key: "plugins.'io.containerd.grpc.v1.cri'.containerd.runtimes.runc.options.SystemdCgroup" });
    });

    it("1.x: the real `containerd config default` file (1.6) patched, and nothing else changed", () => {
      const original = read('containerd-1.6-default.toml');
      const doc = containerdFix({ value: original, source: '/etc/containerd/config.toml' }, 1, true, []);
      assert.equal(patched(original, doc.diff!), doc.content);
      const changed = doc.meaningDiff!.split('\n').filter((l) => /^[-+][^-+]/.test(l));
      assert.deepEqual(changed, ['-SystemdCgroup = false', '+SystemdCgroup = true']);
    });

    for (const fixture of ['containerd-1.7-config.toml', 'containerd-1.6-default.toml']) {
      it(`1.x: the patched ${fixture} is accepted by the real containerd 1.6 (config dump)`, function () {
        needs(this, spawnSync('containerd', ['--version']).status === 0 ? undefined : 'containerd is not installed');
        const doc = containerdFix({ value: read(fixture), source: 'x' }, 1, true, []);
        const dir = mkdtempSync(join(tmpdir(), 'cf-ctrd-cfg-'));
        try {
          writeFileSync(join(dir, 'config.toml'), doc.content);
          const dump = execFileSync('containerd', ['--config', join(dir, 'config.toml'), 'config', 'dump'], { encoding: 'utf8' });
          assert.match(dump, /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runc\.options\][^[]*SystemdCgroup = true/);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }

    it("2.x (config version 3): SystemdCgroup under plugins.'io.containerd.cri.v1.runtime', not the 1.x key", () => {
      const original = read('containerd-2.0-config.toml');
      const doc = containerdFix({ value: original, source: '/etc/containerd/config.toml' }, 2, true, []);
      const after = parseToml(doc.content) as { plugins: Record<string, Record<string, unknown>> };
      const rt = after.plugins['io.containerd.cri.v1.runtime']!.containerd as { runtimes: { runc: { options: Record<string, unknown>; runtime_type: string } } };
      assert.equal(rt.runtimes.runc.options.SystemdCgroup, true);
      assert.equal(rt.runtimes.runc.options.ShimCgroup, '');
      assert.equal(after.plugins['io.containerd.grpc.v1.cri']!.containerd, undefined, 'no 1.x table made in a 2.x file');
      assert.equal((after as unknown as { version: number }).version, 3);
      assert.equal(patched(original, doc.diff!), doc.content);
      assert.match(doc.meaningDiff!, /^\+SystemdCgroup = true$/m);
      assert.match(doc.title, /config version 3/);
    });

    it('with no config file, writes the version the running containerd reads', () => {
      assert.match(containerdFix(undefined, 2, true, []).content, /^version = 3$/m);
      assert.match(containerdFix(undefined, 1, false, []).content, /^version = 2$/m);
      assert.match(containerdFix(undefined, 1, false, []).content, /SystemdCgroup = false/);
    });
  });

  describe('CRI-O', () => {
    it("reads cgroup_manager with drop-ins overriding crio.conf, and writes a drop-in that wins", () => {
      const existing = [
        { key: 'crio-config', source: '/etc/crio/crio.conf', value: read('crio/crio.conf') },
        { key: 'crio-config', source: '/etc/crio/crio.conf.d/10-cgroupfs.conf', value: read('crio/crio.conf.d/10-cgroupfs.conf') },
      ];
      const facts = interpretFacts({ found: existing, missing: [] });
      assert.deepEqual(facts.crioCgroupManager, { value: 'cgroupfs', source: '/etc/crio/crio.conf.d/10-cgroupfs.conf cgroup_manager' });
      const doc = crioFix('systemd', facts.crioConfigs, []);
      assert.equal(doc.targetPath, '/etc/crio/crio.conf.d/99-cgroup-forensics.conf');
      assert.deepEqual(JSON.parse(JSON.stringify(parseToml(doc.content))), { crio: { runtime: { cgroup_manager: 'systemd', conmon_cgroup: 'pod' } } });
      const later = crioFix('systemd', [{ source: '/etc/crio/crio.conf.d/zz-late.conf', value: 'cgroup_manager = "cgroupfs"' }], []);
      assert.ok(later.reasons.some((r) => r.includes('zz-late.conf')));
    });
  });

  // Kernel parameters: test/unit/kernelParams.test.ts.

  describe('cleanup script words', () => {
    it('every hostile name, UTF-8 or not, reaches a real sh as exactly its bytes', () => {
      const mixed = ["-x\xff'y", '\xff', 'caf\xc3\xa9\xff$(id)', '\xe2\x82', "\xff'\xfe", 'a\xc3'];
      for (const name of [...HOSTILE_NAMES, ...mixed, '*', '"q"', "'", '']) {
        const out = execFileSync('sh', ['-c', `printf '%s' ${shellWord(name)}`]);
        assert.equal(out.toString('latin1'), name, JSON.stringify(name));
      }
    });

    it('refuses paths outside the hierarchies or with . and ..', () => {
      const f = (dir: string): Finding[] => [{ kind: 'orphaned-pod-cgroup', severity: 'warning', confidence: 'high', title: 't', cgroups: [{ hierarchy: 'unified', path: '/x', dir }], evidence: [] }];
      assert.throws(() => cleanupScript(f('/etc/x'), { allowedRoots: ['/sys/fs/cgroup/unified'] }), /outside/);
      assert.throws(() => cleanupScript(f('/sys/fs/cgroup/unified/../../etc'), { allowedRoots: ['/sys/fs/cgroup/unified'] }), /\.\./);
      const ok = cleanupScript(f('/sys/fs/cgroup/unified/kubepods/x'), { allowedRoots: ['/sys/fs/cgroup/unified'] });
      assert.doesNotMatch(ok.content, /rm -rf|release_agent|notify_on_release/);
      assert.match(ok.content, /^rm_cgroup \/sys\/fs\/cgroup\/unified\/kubepods\/x /m);
    });
  });

  it('unifiedDiff matches diff -u', () => {
    const a = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const b = a.replace('line 3\n', 'line 3 changed\n').replace('line 20\n', '').replace('line 39\n', 'line 39\nnew\n');
    const dir = mkdtempSync(join(tmpdir(), 'cf-diff-'));
    try {
      writeFileSync(join(dir, 'a'), a);
      writeFileSync(join(dir, 'b'), b);
      const r = spawnSync('diff', ['-u', '--label', 'a', '--label', 'b', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' });
      assert.equal(unifiedDiff(a, b, 'a', 'b'), r.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
