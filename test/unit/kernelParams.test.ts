import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../src/core/analysis/finding';
import { kernelParamsFix, kernelVersion, systemdVersion } from '../../src/core/fixes/kernelParamsFix';
import { CgroupTree } from '../../src/core/model/cgroupTree';
import { SNAPSHOT_SCHEMA, type Hierarchy, type NodeFacts, type Snapshot } from '../../src/core/model/snapshot';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { v1CgroupfsHost } from '../fixtures/hosts/specs';
import { makeFakeHost } from '../support/fakeHost';
import { needs, toolMissing } from '../support/prereq';

// Boot parameters and sysctls only where the node's kernel and systemd support them, with their
// sources; cgroup v2 offered as the migration it is, never as a cure for a finding.

function hierarchy(kind: 'v1' | 'v2', controllers: string[]): Hierarchy {
  const tree = new CgroupTree(16);
  tree.add('/');
  tree.seal();
  return { id: 1, kind, controllers, name: kind === 'v2' ? 'unified' : controllers.join(','), mountPoint: '/sys/fs/cgroup', mountRoot: '/', walkRoot: '/sys/fs/cgroup', basePath: '/', mtimeSupported: true, tree, bounds: [], vanished: [] };
}

function node(facts: NodeFacts, layout: 'v1' | 'v2' | 'hybrid' = 'v1'): Snapshot {
  const hs = layout === 'v2' ? [hierarchy('v2', [])] : layout === 'hybrid' ? [hierarchy('v1', ['memory']), hierarchy('v2', [])] : [hierarchy('v1', ['memory']), hierarchy('v1', ['name=systemd'])];
  return { schema: SNAPSHOT_SCHEMA, takenAt: 0, source: { transport: 'test' }, node: { pidMax: 32768, ...facts }, procCgroups: [], mounts: [], hierarchies: hs, warnings: [] };
}

const finding = (kind: Finding['kind'], over: Partial<Finding> = {}): Finding => ({ kind, severity: 'critical', confidence: 'high', title: kind, cgroups: [], evidence: [], ...over });
const active = (content: string): string[] => content.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
/** The parameters a reader would put on the boot line: the lines right under a "Boot parameters" or "boot with" comment. */
const bootLine = (content: string): string => {
  const lines = content.split('\n');
  return lines.filter((_, i) => i > 0 && /Boot parameters|boot with$/.test(lines[i - 1]!)).join(' ');
};

const RHEL7 = { kernel: '3.10.0-1160.el7.x86_64', systemd: '219', cmdline: 'BOOT_IMAGE=/vmlinuz-3.10.0-1160.el7.x86_64 ro crashkernel=auto' };
const UBUNTU = { kernel: '5.15.0-91-generic', systemd: '249', cmdline: 'BOOT_IMAGE=/boot/vmlinuz-5.15.0-91-generic ro' };
const TROUBLE = [finding('dying-cgroups', { severity: 'warning' }), finding('cgroup-driver-mismatch')];

describe('kernel parameters for the node they are made for', function () {
  this.timeout(30_000);
  it('reads kernel and systemd versions as nodes print them', () => {
    assert.deepEqual(kernelVersion('3.10.0-1160.el7.x86_64'), { version: [3, 10, 0], build: 1160 });
    assert.deepEqual(kernelVersion('5.15.0-91-generic'), { version: [5, 15, 0], build: 91 });
    assert.deepEqual(kernelVersion('6.8'), { version: [6, 8, 0] });
    assert.equal(kernelVersion('garbage'), undefined);
    assert.equal(systemdVersion('219'), 219);
    assert.equal(systemdVersion('252.19-1~deb12u1'), 252);
    assert.equal(systemdVersion(undefined), undefined);
  });

  it('a RHEL 7 node (3.10.0-1160, systemd 219) is never told to boot with systemd.unified_cgroup_hierarchy', () => {
    const doc = kernelParamsFix(node(RHEL7), [...TROUBLE, finding('kmem-accounting')]);
    assert.doesNotMatch(bootLine(doc.content), /unified_cgroup_hierarchy/, doc.content);
    assert.ok(!doc.reasons.some((r) => /unified_cgroup_hierarchy|cgroup v2/.test(r)), doc.reasons.join('\n'));
    assert.doesNotMatch(doc.title, /unified/);
    // Why not, with the versions: the kernel is older than 5.8, systemd 219 predates the parameter (226).
    assert.match(doc.content, /cgroup v2 is not offered: kernel 3\.10\.0-1160\.el7\.x86_64 is older than 5\.8.*systemd 219 does not know systemd\.unified_cgroup_hierarchy \(added in systemd 226\)/);
    // nokmem: 1160 is past the first EL7 kernel reported to honour it, with the bound marked unconfirmed.
    assert.match(bootLine(doc.content), /^#\s+cgroup\.memory=nokmem$/);
    assert.match(doc.reasons.join('\n'), /3\.10\.0-1062.*unconfirmed/);
  });

  it('a 5.15 + systemd 249 v1 node is offered cgroup v2 as a migration only, the same whatever its findings', () => {
    const calm = kernelParamsFix(node(UBUNTU), []);
    const troubled = kernelParamsFix(node(UBUNTU), TROUBLE);
    assert.match(calm.content, /Optional migration, not a fix for any finding above: this v1 node \(kernel 5\.15\.0-91-generic, systemd 249\)/);
    assert.match(bootLine(calm.content), /systemd\.unified_cgroup_hierarchy=1/);
    // Not a cure: the same text with dying memcgs and a driver mismatch, never in the reasons or the title.
    assert.equal(troubled.content, calm.content);
    assert.deepEqual(troubled.reasons, []);
    assert.equal(troubled.title, 'kernel parameters: none needed');
    assert.match(troubled.content, /does not remove dying memory cgroups.*does not fix a driver mismatch \(align the drivers: fix driver\)/);
    assert.deepEqual(active(troubled.content), [], 'nothing outside comments: the migration is not applied by copying the file');
  });

  it('cgroup v2 needs systemd 244+ and a known version; a v2 node or one already booted so is not asked', () => {
    assert.match(kernelParamsFix(node({ ...UBUNTU, systemd: '237' }), []).content, /not offered: systemd 237 is older than 244/);
    assert.match(kernelParamsFix(node({ kernel: UBUNTU.kernel }), []).content, /not offered: the systemd version is unknown/);
    assert.match(kernelParamsFix(node({ ...UBUNTU, kernel: '5.4.0-150-generic' }), []).content, /not offered: kernel 5\.4\.0-150-generic is older than 5\.8/);
    assert.doesNotMatch(kernelParamsFix(node(UBUNTU, 'v2'), []).content, /cgroup v2|unified_cgroup_hierarchy/);
    assert.doesNotMatch(kernelParamsFix(node({ ...UBUNTU, cmdline: 'ro systemd.unified_cgroup_hierarchy=1' }, 'hybrid'), []).content, /Optional migration/);
    assert.doesNotMatch(kernelParamsFix(node({ ...UBUNTU, cmdline: 'ro systemd.unified_cgroup_hierarchy=yes' }, 'hybrid'), []).content, /Optional migration/);
    assert.match(kernelParamsFix(node({ ...UBUNTU, cmdline: 'ro systemd.unified_cgroup_hierarchy=1 systemd.unified_cgroup_hierarchy=0' }), []).content, /Optional migration/, 'the last one counts');
  });

  it('cgroup.memory=nokmem only for the kmem finding on EL7 kernels that honour it', () => {
    const kmem = [finding('kmem-accounting')];
    const old = kernelParamsFix(node({ ...RHEL7, kernel: '3.10.0-957.1.3.el7.x86_64' }), kmem);
    assert.doesNotMatch(bootLine(old.content), /nokmem/);
    assert.match(old.content, /nokmem is not offered: kernel 3\.10\.0-957\.1\.3\.el7\.x86_64 is older than 3\.10\.0-1062.*Update the kernel first/);
    assert.match(bootLine(kernelParamsFix(node({ ...RHEL7, kernel: '3.10.0-1062.4.1.el7.x86_64' }), kmem).content), /cgroup\.memory=nokmem/);
    assert.doesNotMatch(bootLine(kernelParamsFix(node(UBUNTU), kmem).content), /nokmem/, 'not an EL7 3.10 kernel');
    assert.deepEqual(kernelParamsFix(node({ ...RHEL7, cmdline: 'ro cgroup.memory=nokmem' }), kmem).reasons, [], 'already on the command line');
    // cgroup.memory= is a comma-separated list in the kernel's parser.
    assert.deepEqual(kernelParamsFix(node({ ...RHEL7, cmdline: 'ro cgroup.memory=nosocket,nokmem' }), kmem).reasons, [], 'in a list');
    assert.equal(kernelParamsFix(node({ ...RHEL7, cmdline: 'ro cgroup.memory=nosocket' }), kmem).reasons.length, 1);
    assert.doesNotMatch(bootLine(kernelParamsFix(node(RHEL7), []).content), /nokmem/, 'no kmem finding, no parameter');
    assert.match(kernelParamsFix(node(RHEL7), [], { liveFacts: false }).content, /kmem accounting was not checked: it needs the live node/);
  });

  it('says what the write-up\'s vm.overcommit_memory=1 and vm.panic_on_oom=0 do and do not do, and never sets them', () => {
    const doc = kernelParamsFix(node(UBUNTU), [finding('pids-pressure')]);
    assert.match(doc.content, /vm\.overcommit_memory=1 makes the kernel grant every address-space request.*\n#.*frees no cgroup, removes no dying memory cgroup/);
    assert.match(doc.content, /vm\.panic_on_oom=0 is the kernel default.*\n#.*a memory cgroup OOM never panics/);
    assert.match(doc.content, /vm\.oom_kill_allocating_task has nothing to do with cgroup leaks/);
    assert.match(doc.content, /notify_on_release cleans nothing by itself/);
    assert.deepEqual(active(doc.content), ['kernel.pid_max = 4194304']);
  });

  it("procps sysctl reads the generated file, and every key it sets exists under this kernel's /proc/sys", function () {
    needs(this, toolMissing('sysctl') ?? toolMissing('unshare') ?? (process.getuid?.() === 0 ? undefined : 'needs root for a private mount namespace'));
    const doc = kernelParamsFix(node(UBUNTU), [finding('pids-pressure')]);
    for (const line of active(doc.content)) {
      const key = line.split('=')[0]!.trim();
      assert.ok(existsSync(`/proc/sys/${key.replace(/\./g, '/')}`), key);
    }
    const dir = mkdtempSync(join(tmpdir(), 'cf-sysctl-'));
    try {
      const file = join(dir, '90-cgroup-forensics.conf');
      writeFileSync(file, doc.content);
      // pid_max is not namespaced: procps writes into a tmpfs laid over /proc/sys in a mount
      // namespace of the test's own, so the parse and the key are real and the machine is untouched.
      const script = 'mount -t tmpfs none /proc/sys && mkdir -p /proc/sys/kernel && echo 32768 > /proc/sys/kernel/pid_max && sysctl -p "$1" && cat /proc/sys/kernel/pid_max';
      const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'kernel.pid_max = 4194304\n4194304\n');
      // The same run fails on a key the kernel does not have: the check can fail.
      writeFileSync(file, 'kernel.pid_maxx = 1\n');
      assert.notEqual(spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', file], { encoding: 'utf8' }).status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads systemd's version on a node without libsystemd-shared (systemd < 231, RHEL 7's 219) from PID 1's binary, running nothing", async () => {
    const spec = v1CgroupfsHost();
    const files = { ...spec.files };
    delete files['usr/lib/systemd/libsystemd-shared-252.so'];
    files['usr/lib/systemd/systemd'] = '\x7fELF\x02\x01\x01\x00junk\x00systemd 219\n+PAM +AUDIT +SELINUX -APPARMOR\x00more\x00';
    const host = makeFakeHost({ ...spec, files });
    try {
      const r = await takeSnapshot(new LocalTransport(), { hostRoot: host.root });
      assert.ok(r.ok);
      assert.equal(r.value.node.systemd, '219');
      assert.equal(r.value.node.kernel, '3.10.0-1160.el7.x86_64');
      const doc = kernelParamsFix(r.value, TROUBLE);
      assert.doesNotMatch(bootLine(doc.content), /unified_cgroup_hierarchy/);
      assert.match(doc.content, /systemd 219 does not know systemd\.unified_cgroup_hierarchy/);
    } finally {
      host.remove();
    }
  });
});
