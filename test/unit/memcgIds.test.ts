import assert from 'node:assert/strict';
import { findDying, KERNEL_MEMORY_SHARE } from '../../src/core/analysis/dying';
import { analyze } from '../../src/core/analysis/forensics';
import { matchLogLines } from '../../src/core/analysis/logSignatures';
import { memcgIdVerdict } from '../../src/core/analysis/memcgIds';
import { parseEvidence } from '../../src/core/evidence/evidenceParser';
import { buildEvidenceReport } from '../../src/core/evidence/nodeEvidence';
import { interpretFacts } from '../../src/core/facts/nodeFacts';
import { CgroupTree, STAT_NAMES } from '../../src/core/model/cgroupTree';
import { SNAPSHOT_SCHEMA, type NodeFacts, type Snapshot } from '../../src/core/model/snapshot';
import { evidenceLines } from '../../src/core/analysis/evidence';

// Whether dying memory cgroups hold memcg IDs depends on the kernel (73f576c04b94, Linux 4.7, and
// its stable backports 4.4.18 and 4.6.6; RHEL 7's 3.10), and so does the text mkdir fails with
// when they run out (11d6761218d1, Linux 5.7, backported to 5.4.41 and 5.6.13). Each bound is
// checked just below, at and above, through the verdict and through the finding.

/** A v1 node whose whole memory hierarchy was walked: LIVE directories, /proc/cgroups says IN_USE. */
function v1Node(kernel: string | undefined, inUse: number, meminfo?: NodeFacts['meminfo'], live = 12): Snapshot {
  const tree = new CgroupTree();
  const values = (): Float64Array => new Float64Array(STAT_NAMES.length).fill(NaN);
  tree.add('/', values());
  for (let i = 1; i < live; i++) tree.add(`/pod${i}`, values());
  tree.seal();
  return {
    schema: SNAPSHOT_SCHEMA,
    takenAt: 0,
    source: { transport: 'test' },
    node: { ...(kernel !== undefined ? { kernel } : {}), ...(meminfo ? { meminfo } : {}) },
    procCgroups: [{ subsys: 'memory', hierarchy: 5, numCgroups: inUse, enabled: true }],
    mounts: [],
    hierarchies: [{ id: 1, kind: 'v1', controllers: ['memory'], name: 'memory', mountPoint: '/sys/fs/cgroup/memory', mountRoot: '/', walkRoot: '/sys/fs/cgroup/memory', basePath: '/', mtimeSupported: true, tree, bounds: [], vanished: [] }],
    warnings: [],
  };
}

const QUIET = { memTotalKb: 16_000_000, slabKb: 300_000, sUnreclaimKb: 100_000, percpuKb: 20_000 }; // 0.75%
const HEAVY = { memTotalKb: 16_000_000, slabKb: 2_600_000, sUnreclaimKb: 1_500_000, percpuKb: 300_000 }; // 11.25%
const dyingOf = (s: Snapshot): ReturnType<typeof findDying>[number] => {
  const f = findDying(s).find((x) => x.title.includes('memory hierarchy'));
  assert.ok(f, 'a memory dying-cgroups finding');
  return f;
};

describe('memcg ID verdict by kernel release', () => {
  const ids = (k: string | undefined): string => memcgIdVerdict(k).ids;

  it('mainline: held before 4.7, released from 4.7 (73f576c04b94)', () => {
    assert.equal(ids('4.6'), 'held');
    assert.equal(ids('4.5.7'), 'held');
    assert.equal(ids('4.7'), 'released');
    assert.equal(ids('4.7.0'), 'released');
    assert.equal(ids('4.8.17'), 'released');
    assert.equal(ids('6.1.0-27-amd64'), 'released');
    assert.equal(ids('6.18.44-fc-v1252'), 'released');
    assert.equal(ids('3.18.140'), 'held', 'no 3.18.y backport was found');
    assert.equal(ids('4.1.52'), 'held', 'no 4.1.y backport was found');
  });

  it('stable backports: 4.4.18 and 4.6.6 release IDs, the levels below hold them', () => {
    assert.equal(ids('4.4.17'), 'held');
    assert.equal(ids('4.4.18'), 'released');
    assert.equal(ids('4.4.19'), 'released');
    assert.equal(ids('4.6.5'), 'held');
    assert.equal(ids('4.6.6'), 'released');
    assert.equal(ids('4.6.7'), 'released');
  });

  it('a distribution build of 4.4 or 4.6 whose name hides the stable level is unconfirmed, not held', () => {
    assert.equal(ids('4.4.0-36-generic'), 'unknown');
    assert.match(memcgIdVerdict('4.4.0-36-generic').why, /4\.4\.18 backport .* unconfirmed/);
    // Upstream-style names carry the real level.
    assert.equal(ids('4.4.0'), 'held');
  });

  it("RHEL/CentOS 7's 3.10 holds IDs, with the backport said to be unconfirmed and both error texts", () => {
    const v = memcgIdVerdict('3.10.0-1160.el7.x86_64');
    assert.equal(v.ids, 'held');
    assert.ok(v.sources.some((x) => /RHEL 7 backport of 73f576c04b94 unconfirmed/.test(x)), v.sources.join('\n'));
    assert.match(v.mkdirError, /ENOSPC.*ENOMEM|ENOMEM.*ENOSPC/);
    assert.equal(ids('3.10.108'), 'held', 'upstream 3.10 predates the private memcg ID');
  });

  it('unknown or unparsable release: unknown', () => {
    assert.equal(ids(undefined), 'unknown');
    assert.equal(ids(''), 'unknown');
    assert.equal(ids('linux'), 'unknown');
  });

  it('mkdir error text: ENOSPC without the private ID, ENOMEM with it until 11d6761218d1 (5.7; 5.4.41, 5.6.13)', () => {
    const err = (k: string): string => memcgIdVerdict(k).mkdirError;
    assert.match(err('4.6.5'), /^No space left on device/);
    assert.match(err('4.6.6'), /^Cannot allocate memory/);
    assert.match(err('4.4.18'), /^Cannot allocate memory/);
    assert.match(err('4.19.300'), /^Cannot allocate memory/);
    assert.match(err('5.4.40'), /^Cannot allocate memory/);
    assert.match(err('5.4.41'), /^No space left on device/);
    assert.match(err('5.6.12'), /^Cannot allocate memory/);
    assert.match(err('5.6.13'), /^No space left on device/);
    assert.match(err('5.6'), /^Cannot allocate memory/);
    assert.match(err('5.7'), /^No space left on device/);
    assert.match(err('6.1.0-27-amd64'), /^No space left on device/);
    // Ubuntu's 5.4.0-N hides its stable level: either.
    assert.match(err('5.4.0-150-generic'), /Cannot allocate memory .* or No space left on device/);
  });
});

describe('dying memory cgroups: the finding depends on the kernel', () => {
  it('6.x with 64,000 dying memory cgroups: a memory finding, not an ID finding; severity by the memory they hold', () => {
    const quiet = dyingOf(v1Node('6.1.0-27-amd64', 64_012, QUIET));
    assert.equal(quiet.title, '64000 dying cgroup(s) in the memory hierarchy (memory cgroups: they hold memory, not memcg IDs, on this kernel, unreclaimable kernel memory 0.75% of MemTotal)');
    assert.equal(quiet.severity, 'warning', 'many dying cgroups are a leak sign, not an ID emergency');
    assert.ok(!evidenceLines(quiet).some((e) => /headroom \d|of the kernel.s 65535/.test(e)), evidenceLines(quiet).join('\n'));
    assert.ok(evidenceLines(quiet).some((e) => e.startsWith('memcg IDs: released on this kernel: kernel 6.1.0-27-amd64 (4.7 or later)')));
    assert.ok(evidenceLines(quiet).includes('source: https://git.kernel.org/torvalds/c/73f576c04b94 (first in v4.7; stable 4.4.18, 4.6.6)'));
    assert.ok(evidenceLines(quiet).includes('source: https://git.kernel.org/torvalds/c/11d6761218d1 (first in v5.7; stable 5.4.41, 5.6.13)'));
    assert.ok(evidenceLines(quiet).some((e) => /^\/proc\/meminfo: SUnreclaim 97\.7 MiB, Percpu 19\.5 MiB, Slab 293 MiB, MemTotal 15\.3 GiB; unreclaimable kernel memory \(SUnreclaim \+ Percpu\) 117 MiB = 0\.75% of MemTotal/.test(e)), evidenceLines(quiet).join('\n'));
    const heavy = dyingOf(v1Node('6.1.0-27-amd64', 64_012, HEAVY));
    assert.equal(heavy.severity, 'critical', `${KERNEL_MEMORY_SHARE.critical * 100}% or more of MemTotal unreclaimable`);
    const middling = dyingOf(v1Node('6.1.0-27-amd64', 5_012, { memTotalKb: 10_000_000, sUnreclaimKb: 500_000, percpuKb: 100_000 }));
    assert.equal(middling.severity, 'warning', '6% of MemTotal');
    // A few dying cgroups are not blamed for the node's unreclaimable memory.
    assert.equal(dyingOf(v1Node('6.1.0-27-amd64', 111, HEAVY)).severity, 'info');
  });

  it('3.10 (RHEL 7) near 65,535: the ID finding, critical, with the sources', () => {
    const f = dyingOf(v1Node('3.10.0-1160.el7.x86_64', 64_012, QUIET));
    assert.equal(f.severity, 'critical');
    assert.equal(f.title, '64000 dying cgroup(s) in the memory hierarchy (memory cgroups: on this kernel live and dying share the 65535 memcg IDs, 1523 left)');
    assert.ok(evidenceLines(f).some((e) => /^memory cgroups in use \(live \+ dying\): 64012 of the kernel's 65535 memcg IDs; headroom 1523; when they run out, mkdir of a memory cgroup fails with No space left on device \(ENOSPC\) or Cannot allocate memory \(ENOMEM\)$/.test(e)), evidenceLines(f).join('\n'));
    assert.ok(evidenceLines(f).some((e) => e.startsWith('source: RHEL 7 backport of 73f576c04b94 unconfirmed')));
  });

  it('4.6 vs 4.7 and 4.4.17 vs 4.4.18 with the same counts: ID headroom only where IDs are held', function () {
    this.timeout(20_000); // two trees of 62,000 live cgroups
    const critical = (k: string): string => dyingOf(v1Node(k, 63_000, QUIET)).severity;
    assert.equal(critical('4.6.0'), 'critical');
    assert.equal(critical('4.7.0'), 'warning');
    assert.equal(critical('4.4.17'), 'critical');
    assert.equal(critical('4.4.18'), 'warning');
    assert.equal(critical('4.6.5'), 'critical');
    assert.equal(critical('4.6.6'), 'warning');
    // Headroom alone (few dying, many live) still raises it where IDs are held.
    assert.equal(dyingOf(v1Node('4.6.0', 62_512, undefined, 62_000)).severity, 'critical');
    assert.equal(dyingOf(v1Node('4.7.0', 62_512, undefined, 62_000)).severity, 'info');
  });

  it('unknown kernel: the ID verdict is unconfirmed, no ID exhaustion claimed', () => {
    const f = dyingOf(v1Node(undefined, 64_012));
    assert.equal(f.severity, 'warning');
    assert.match(f.title, /whether they hold memcg IDs on this kernel is unconfirmed\)$/);
    assert.ok(evidenceLines(f).some((e) => /memcg IDs: unknown on this kernel: the kernel release is unknown/.test(e)));
    assert.ok(!evidenceLines(f).some((e) => /headroom \d/.test(e)));
    assert.ok(evidenceLines(f).includes('/proc/meminfo: could not be read (MemTotal, SUnreclaim): the memory dying memory cgroups hold is not judged'));
  });

  it('failed cgroup mkdirs in the logs make the memory finding critical on any kernel, with the lines', () => {
    const s = v1Node('6.1.0-27-amd64', 5_012, QUIET);
    const facts = interpretFacts({ found: [], missing: [] });
    const report = analyze(s, facts);
    assert.equal(report.findings.find((x) => x.kind === 'dying-cgroups')!.severity, 'info');
    const e = parseEvidence('V\tevidence\t1\nT\t1000\t200\t100\t4\nL\tdmesg\tmkdir: cannot create directory \u2018/sys/fs/cgroup/memory/test/test-100\u2019: No space left on device\nS\tdmesg\t1\nZ\tEND\n');
    const r = buildEvidenceReport(report, e, s, facts);
    const f = r.findings.find((x) => x.kind === 'dying-cgroups')!;
    assert.equal(f.severity, 'critical');
    assert.ok(evidenceLines(f).some((x) => /^1 failed cgroup mkdir\(s\) in the logs \(cgroup-mkdir-enospc\)/.test(x)), evidenceLines(f).join('\n'));
    assert.ok(evidenceLines(f).some((x) => x.startsWith('log cgroup-mkdir-enospc ')), 'the line itself');
    // The report given to the evidence builder is not changed under its caller.
    assert.equal(report.findings.find((x) => x.kind === 'dying-cgroups')!.severity, 'info');
  });
});

describe('memcg ID exhaustion log signatures: specific to a cgroup mkdir', () => {
  const sigs = (line: string): string[] => matchLogLines([{ source: 'x', line }]).map((m) => m.signature);

  it('both error texts, as kubelet, runc (through docker) and coreutils print them', () => {
    // kubernetes/kubernetes#61937 (coreutils mkdir on 3.10.0-514)
    assert.deepEqual(sigs('mkdir: cannot create directory \u2018/sys/fs/cgroup/memory/test/test-100\u2019: No space left on device'), ['cgroup-mkdir-enospc']);
    // The commit message of 73f576c04b94 (a cgroup path of its own mount)
    assert.deepEqual(sigs("mkdir: cannot create directory '/sys/fs/cgroup/memory/foo': No space left on device"), ['cgroup-mkdir-enospc']);
    // kubernetes/kubernetes#112940
    assert.deepEqual(sigs('mkdir /sys/fs/cgroup/memory/kubepods/burstable/podf2552b87-fd99-4c85-9b6c-e997dcdb6a0f: cannot allocate memory'), ['cgroup-mkdir-enomem']);
    // The systemd driver's v2 paths
    assert.deepEqual(sigs('mkdir /sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice: cannot allocate memory'), ['cgroup-mkdir-enomem']);
  });

  it('not a full disk, not inotify, not an ENOMEM elsewhere', () => {
    // docker/for-linux#214: a full disk
    assert.deepEqual(sigs("Service 'web' failed to build: mkdir /var/run/docker/libcontainerd/: no space left on device"), []);
    // kubernetes/kubernetes#70324: inotify watches used up, under a cgroup path
    assert.deepEqual(sigs('W1026 19:07:41.543128    1606 raw.go:87] Error while processing event ("/sys/fs/cgroup/devices/system.slice/run-r18291965551b44e2bcfc7076348375a5.scope": 0x40000100 == IN_CREATE|IN_ISDIR): inotify_add_watch /sys/fs/cgroup/devices/system.slice/run-r18291965551b44e2bcfc7076348375a5.scope: no space left on device'), []);
    // Lines of these shapes: a full disk beside a cgroup word, a fork that failed, a write to a cgroup file.
    assert.deepEqual(sigs('kubelet cgroup manager: mkdir /var/lib/kubelet/pods/x/volumes: no space left on device'), []);
    assert.deepEqual(sigs('failed to start container in /sys/fs/cgroup/memory/kubepods: fork/exec /usr/bin/runc: cannot allocate memory'), []);
    assert.deepEqual(sigs('write /sys/fs/cgroup/memory/kubepods/pod1/memory.limit_in_bytes: cannot allocate memory'), []);
  });
});
