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
import { kernelParamsFix } from '../../src/core/fixes/kernelParamsFix';
import { kubeletFix } from '../../src/core/fixes/kubeletFix';
import { unifiedDiff } from '../../src/core/fixes/unifiedDiff';
import type { Snapshot } from '../../src/core/model/snapshot';
import { SNAPSHOT_SCHEMA } from '../../src/core/model/snapshot';
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
    // CRI-O reads crio.conf, then the drop-ins in lexical order, the last value winning
    // (docs/crio.conf.d.5.md; UpdateFromPath's filepath.Walk). No CRI-O binary exists here: the
    // files are read back with a TOML parser in that order, and every diff goes through patch(1).
    const conf = { source: '/etc/crio/crio.conf', value: read('crio/crio.conf') };
    const dropIn = { source: '/etc/crio/crio.conf.d/10-cgroupfs.conf', value: read('crio/crio.conf.d/10-cgroupfs.conf') };
    /** What CRI-O would end up with: each file's [crio.runtime] over the previous ones. */
    const effective = (files: { source: string; value: string }[]): Record<string, unknown> => {
      const order = [...files].sort((a, b) => (a.source === '/etc/crio/crio.conf' ? -1 : b.source === '/etc/crio/crio.conf' ? 1 : a.source < b.source ? -1 : 1));
      return Object.assign({}, ...order.map((c) => (parseToml(c.value) as { crio?: { runtime?: Record<string, unknown> } }).crio?.runtime ?? {})) as Record<string, unknown>;
    };

    it('reads cgroup_manager with drop-ins overriding crio.conf', () => {
      const facts = interpretFacts({ found: [conf, dropIn].map((c) => ({ key: 'crio-config', ...c })), missing: [] });
      assert.deepEqual(facts.crioCgroupManager, { value: 'cgroupfs', source: '/etc/crio/crio.conf.d/10-cgroupfs.conf cgroup_manager' });
    });

    it('patches the drop-in that decides, in place: one line changed, every other byte kept', () => {
      const doc = crioFix('systemd', [conf, dropIn], []);
      assert.equal(doc.targetPath, dropIn.source);
      assert.equal(doc.content, dropIn.value.replace('cgroup_manager = "cgroupfs"', 'cgroup_manager = "systemd"'));
      assert.match(doc.diff!, /^--- a\/etc\/crio\/crio\.conf\.d\/10-cgroupfs\.conf\n\+\+\+ b\/etc\/crio\/crio\.conf\.d\/10-cgroupfs\.conf\n/);
      assert.equal(patched(dropIn.value, doc.diff!), doc.content);
      assert.deepEqual(effective([conf, { ...dropIn, value: doc.content }]).cgroup_manager, 'systemd');
      assert.equal(effective([conf, { ...dropIn, value: doc.content }]).conmon_cgroup, 'pod', '"pod" suits systemd too');
    });

    it('patches crio.conf when it alone decides, and makes conmon_cgroup one cgroupfs accepts', () => {
      const doc = crioFix('cgroupfs', [conf], []);
      assert.equal(doc.targetPath, conf.source);
      const changed = doc.diff!.split('\n').filter((l) => /^[-+][^-+]/.test(l));
      assert.deepEqual(changed, ['-conmon_cgroup = "system.slice"', '+conmon_cgroup = "pod"', '-cgroup_manager = "systemd"', '+cgroup_manager = "cgroupfs"']);
      assert.equal(patched(conf.value, doc.diff!), doc.content);
      assert.deepEqual([effective([{ ...conf, value: doc.content }]).cgroup_manager, effective([{ ...conf, value: doc.content }]).conmon_cgroup], ['cgroupfs', 'pod']);
    });

    it('keeps comments, indentation and a missing final newline; a conmon_cgroup set earlier is overridden next to the key', () => {
      const main = { source: '/etc/crio/crio.conf', value: '[crio.runtime]\nconmon_cgroup = "system.slice"\n' };
      const file = { source: '/etc/crio/crio.conf.d/50-mgr.conf', value: '# ours\n[crio.runtime]\n  cgroup_manager   =  "systemd"   # set by ansible' };
      const doc = crioFix('cgroupfs', [file, main], []);
      assert.equal(doc.content, '# ours\n[crio.runtime]\n  cgroup_manager   =  "cgroupfs"   # set by ansible\n  conmon_cgroup = "pod"');
      assert.deepEqual(effective([main, { ...file, value: doc.content }]), { cgroup_manager: 'cgroupfs', conmon_cgroup: 'pod' });
      // The same file with its final newline: the diff applies with patch(1). (unifiedDiff() does
      // not write "\ No newline at end of file" yet, so a diff of the file without one does not.)
      const withNl = { ...file, value: file.value + '\n' };
      const doc2 = crioFix('cgroupfs', [withNl, main], []);
      assert.equal(doc2.content, doc.content + '\n');
      assert.equal(patched(withNl.value, doc2.diff!), doc2.content);
    });

    it('nothing to do when the deciding file or the default already says it', () => {
      const same = crioFix('cgroupfs', [conf, dropIn], []);
      assert.match(same.noChange!, /10-cgroupfs\.conf already sets cgroup_manager = "cgroupfs"/);
      assert.equal(same.diff, undefined);
      const byDefault = crioFix('systemd', [{ source: '/etc/crio/crio.conf', value: '[crio.api]\nlisten = "/var/run/crio/crio.sock"\n' }], [], { versionText: 'crio version 1.28.1\n' });
      assert.match(byDefault.noChange!, /no CRI-O config file sets cgroup_manager and CRI-O 1\.28\.1's default is "systemd"/);
    });

    it('a new drop-in when no file sets it and the default is not wanted, named after every existing drop-in', () => {
      const late = { source: '/etc/crio/crio.conf.d/zz-late.conf', value: '[crio.image]\npause_image = "x"\n' };
      const doc = crioFix('cgroupfs', [{ source: '/etc/crio/crio.conf', value: '' }, late], []);
      assert.equal(doc.targetPath, '/etc/crio/crio.conf.d/zz99-cgroup-forensics.conf');
      assert.ok(doc.targetPath! > late.source);
      assert.match(doc.diff!, /^--- \/dev\/null\n\+\+\+ b\/etc\/crio\/crio\.conf\.d\/zz99-cgroup-forensics\.conf\n/);
      assert.equal(patched('', doc.diff!), doc.content);
      assert.deepEqual(effective([late, { source: doc.targetPath!, value: doc.content }]), { cgroup_manager: 'cgroupfs' });
      assert.equal(crioFix('cgroupfs', [], []).targetPath, '/etc/crio/crio.conf.d/99-cgroup-forensics.conf');
    });

    it('a deciding file it cannot parse is an error naming it', () => {
      assert.throws(() => crioFix('systemd', [{ source: '/etc/crio/crio.conf.d/01-bad.conf', value: '[crio.runtime\n' }], []), (e: Error) => e.name === 'FixInputError' && /^cannot parse \/etc\/crio\/crio\.conf\.d\/01-bad\.conf: not valid TOML/.test(e.message));
    });
  });

  describe('kernel parameters', () => {
    const snap = (cmdline: string): Snapshot => ({ schema: SNAPSHOT_SCHEMA, takenAt: 0, source: { transport: 'test' }, node: { cmdline, pidMax: 32768 }, procCgroups: [], mounts: [], hierarchies: [], warnings: [] });
    const finding = (kind: Finding['kind'], over: Partial<Finding> = {}): Finding => ({ kind, severity: 'critical', confidence: 'high', title: kind, cgroups: [], evidence: [], ...over });

    it('only what bears on a finding, each with a reason', () => {
      const none = kernelParamsFix(snap('ro quiet'), []);
      assert.match(none.content, /None of this node's findings/);
      assert.doesNotMatch(none.content, /^[^#].*=/m);
      const kmem = kernelParamsFix(snap('ro quiet'), [finding('kmem-accounting')]);
      assert.match(kmem.content, /cgroup\.memory=nokmem/);
      assert.equal(kmem.reasons.length, 1);
      const pids = kernelParamsFix(snap('ro'), [finding('pids-pressure')]);
      assert.match(pids.content, /^kernel\.pid_max = 4194304$/m);
      assert.equal(kernelParamsFix(snap('ro cgroup.memory=nokmem'), [finding('kmem-accounting')]).reasons.length, 0, 'already on the command line');
    });

    it('names the folklore as not a fix, and never recommends it', () => {
      const doc = kernelParamsFix(snap(''), [finding('kmem-accounting'), finding('dying-cgroups')]);
      assert.match(doc.content, /--cgroup-root=\/sys\/fs\/cgroup is wrong/);
      const active = doc.content.split('\n').filter((l) => !l.startsWith('#'));
      assert.ok(!active.some((l) => /notify_on_release|oom_kill_allocating_task|cgroup-root/.test(l)));
    });
  });

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
