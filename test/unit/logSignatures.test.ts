import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from '../../src/core/analysis/finding';
import { parseEvidence } from '../../src/core/evidence/evidenceParser';
import { buildEvidenceReport } from '../../src/core/evidence/nodeEvidence';
import { correlateLogs, LOG_SIGNATURES, lineTime, logFindings, matchLogLines, safeLogText, signatureSources, type SignatureId } from '../../src/core/analysis/logSignatures';
import { evidenceLine, evidenceLines, note } from '../../src/core/analysis/evidence';

// The signature matcher on real-world lines (test/fixtures/logs/signatures.tsv names the public
// report each came from), the times it reads from each log format, and correlation to findings.
const FIXTURE = readFileSync(join(__dirname, '..', 'fixtures', 'logs', 'signatures.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'))
  .map((l) => {
    const tab = l.indexOf('\t');
    return { expected: l.slice(0, tab), line: l.slice(tab + 1) };
  });

const finding = (o: Partial<Finding> & Pick<Finding, 'kind'>): Finding => ({ severity: 'warning', confidence: 'high', title: o.kind, cgroups: [], evidence: [], ...o });

describe('log signatures', () => {
  for (const sig of LOG_SIGNATURES) {
    it(`${sig.id}: every fixture line of it matches it, and only it`, () => {
      const lines = FIXTURE.filter((f) => f.expected === sig.id);
      assert.ok(lines.length > 0, `no fixture line for ${sig.id}`);
      for (const l of lines) {
        assert.deepEqual(matchLogLines([{ source: 'fixture', line: l.line }]).map((m) => m.signature), [sig.id], l.line);
      }
      // No line of another signature (or of none) matches this one.
      for (const l of FIXTURE.filter((f) => f.expected !== sig.id)) {
        assert.ok(!matchLogLines([{ source: 'fixture', line: l.line }]).some((m) => m.signature === sig.id), `${sig.id} also matched: ${l.line}`);
      }
    });
  }

  it('lines that mention cgroups without a leak signature match nothing', () => {
    const none = FIXTURE.filter((f) => f.expected === 'none');
    assert.equal(none.length, 9);
    assert.deepEqual(matchLogLines(none.map((l) => ({ source: 'x', line: l.line }))), []);
  });

  it('reads the pod UID (dashes or underscores), the cgroup path and the container ID a line names', () => {
    const [busy] = matchLogLines([{ source: 'journalctl -u kubelet', line: FIXTURE.find((f) => f.line.includes('manager.go:1123'))!.line }]);
    assert.deepEqual(busy!.podUids, ['9b0a6c4e-1f2d-4e5f-8a9b-0c1d2e3f4a5b']);
    assert.ok(busy!.paths.includes('/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod9b0a6c4e_1f2d_4e5f_8a9b_0c1d2e3f4a5b.slice'), busy!.paths.join(' '));
    const cid = 'c'.repeat(64);
    const [m] = matchLogLines([{ source: 'x', line: `failed to delete cgroup paths for container ${cid}` }]);
    assert.deepEqual(m!.containerIds, [cid]);
  });

  it('reads times from journalctl short-iso, RFC 3339 and classic syslog stamps, and places dmesg with the node clock', () => {
    assert.equal(lineTime('2026-11-26T10:05:00+0000 node-1 kubelet[901]: x'), Date.parse('2026-11-26T10:05:00Z'));
    assert.equal(lineTime('2026-11-26T10:05:00.250+01:00 node-1 kubelet[901]: x'), Date.parse('2026-11-26T09:05:00.250Z'));
    const clock = { now: Date.parse('2026-11-26T12:00:00Z') / 1000, uptimeSeconds: 7200 };
    assert.equal(lineTime('Nov 26 11:30:00 node kernel: x', clock), Date.parse('2026-11-26T11:30:00Z'));
    // December lines read in January belong to last year.
    assert.equal(lineTime('Dec 31 23:00:00 node kernel: x', { now: Date.parse('2027-01-01T01:00:00Z') / 1000, uptimeSeconds: 1 }), Date.parse('2026-12-31T23:00:00Z'));
    assert.equal(lineTime('[  60.500000] SLUB: Unable to allocate memory', clock), Date.parse('2026-11-26T10:01:00.500Z'));
    assert.equal(lineTime('[  60.500000] x'), undefined, 'dmesg needs the node clock');
    assert.equal(lineTime('no stamp here'), undefined);
  });

  it('attaches a line to the finding with the same pod UID, else the same cgroup path, else one of a kind it explains', () => {
    const uid = '32828c49-a053-11e8-a528-5254eec04736';
    const findings = [
      finding({ kind: 'dying-cgroups' }),
      finding({ kind: 'orphaned-pod-cgroup', podUid: uid }),
      finding({ kind: 'orphaned-pod-cgroup', podUid: '9b0a6c4e-1f2d-4e5f-8a9b-0c1d2e3f4a5b' }),
      finding({ kind: 'cgroup-driver-mismatch' }),
      finding({ kind: 'orphaned-container-cgroup', cgroups: [{ hierarchy: 'memory', path: '/kubepods/pod0f6c3c27-3186-11e8-afd3-fa163ecf2dce/8a65cb234767', dir: '/sys/fs/cgroup/memory/kubepods/pod0f6c3c27-3186-11e8-afd3-fa163ecf2dce/8a65cb234767' }] }),
    ];
    const lines = FIXTURE.filter((f) => f.expected !== 'none').map((f) => ({ source: 'fixture', line: f.line }));
    const ms = matchLogLines(lines);
    const { byFinding, unattached } = correlateLogs(findings, ms);
    const sigs = (i: number): string[] => (byFinding.get(i) ?? []).map((m) => m.signature);
    assert.deepEqual(sigs(1), ['orphaned-pod'], 'the orphan with the UID of the first line');
    assert.deepEqual(sigs(2), ['orphaned-pod', 'cgroup-remove-busy'], 'both lines naming 9b0a6c4e-… (one with underscores)');
    assert.deepEqual(sigs(3), ['cgroup-driver-misconfiguration', 'cgroup-driver-misconfiguration', 'cgroup-driver-misconfiguration'], 'node-wide lines go to a finding of a kind they explain');
    assert.deepEqual(sigs(4), ['cgroup-mkdir-enospc'], 'matched by the cgroup path it names');
    // SLUB lines (and runc's rmdir of a path no finding has) name no pod: they go to the node-wide
    // finding of a kind they explain.
    assert.deepEqual(sigs(0), ['slub-alloc-failure', 'slub-alloc-failure', 'cgroup-remove-busy', 'slub-alloc-failure', 'slub-alloc-failure']);
    // Lines naming pods no finding has are not pinned on an unrelated finding.
    assert.ok(unattached.some((m) => m.signature === 'orphaned-pod' && m.podUids[0] === '017aa18b-44cb-11e9-84a1-eeeeeeeeeeee'));
    assert.ok(unattached.some((m) => m.signature === 'cgroup-delete-paths-failed'));
    assert.ok(unattached.some((m) => m.signature === 'transient-unit-arg-list-too-long'), 'no transient-scope finding to attach to');
    const own = logFindings(unattached);
    const t = own.find((f) => f.title.startsWith('systemd refused a transient unit'));
    assert.ok(t && t.kind === 'log-signature' && evidenceLines(t).some((e) => e.includes('Argument list too long')));
  });

  it('shows untrusted lines with control bytes escaped and cut', () => {
    assert.equal(safeLogText('a\x1b[31mred\r\nb'), 'a\\x1b[31mred\\x0d\\x0ab');
    assert.equal(safeLogText('x'.repeat(500), 10), 'xxxxxxxxxx...');
    const [m] = matchLogLines([{ source: 'dmesg', line: '[1.0] SLUB: Unable to allocate memory \x1b]0;owned\x07' }], { now: 100, uptimeSeconds: 10 });
    const f = logFindings([m!]);
    assert.ok(evidenceLines(f[0]!).every((e) => !/[\x00-\x1f]/.test(e)));
  });

  // ---- checked against upstream (issue 12) ----------------------------------------------------

  it('every signature names where it is checked upstream: https URLs, the printing code at a tag or commit and a real report', () => {
    const BLOB = /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/blob\/(?:v\d[\w.-]*|[0-9a-f]{40})\/[\w./-]+$/;
    const REPORT = /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/(?:issues|pull)\/\d+$/;
    for (const sig of LOG_SIGNATURES) {
      assert.ok(sig.sources.length > 0, `${sig.id} has no source`);
      for (const u of sig.sources) {
        assert.ok(BLOB.test(u) || REPORT.test(u), `${sig.id}: ${u} is neither a file at a tag/commit nor an issue/PR`);
        assert.equal(new URL(u).protocol, 'https:', u);
      }
      assert.ok(sig.sources.some((u) => REPORT.test(u)), `${sig.id}: no upstream report of the real line`);
      assert.equal(new Set(sig.sources).size, sig.sources.length, `${sig.id}: a source twice`);
    }
    // The one row whose printing code was not found at a named tag or commit ("code: unconfirmed").
    assert.deepEqual(LOG_SIGNATURES.filter((s) => !s.sources.some((u) => BLOB.test(u))).map((s) => s.id), ['systemd-unit-already-exists']);
  });

  // What the printing code writes (its format string with values filled in, as the comment above
  // each row quotes it) matches the row; near-misses (other text of the same programs, or the same
  // words in another failure) do not.
  const PRINTED: Record<SignatureId, { printed: string[]; near: string[] }> = {
    'orphaned-pod': {
      printed: [
        'Orphaned pod "0cea2c05-d76d-11e6-80a4-001e4f520ea4" found, but error <nil> occured during reading volume dir from disk',
        'Orphaned pod "0cea2c05-d76d-11e6-80a4-001e4f520ea4" found, but volume paths are still present on disk',
        'Failed to remove orphaned pod "0cea2c05-d76d-11e6-80a4-001e4f520ea4" dir; err: remove /var/lib/kubelet/pods/x: device or resource busy',
      ],
      near: ['Orphaned pod "0cea2c05-d76d-11e6-80a4-001e4f520ea4" found, removing', '"Cleaned up orphaned pod volumes dir" podUID="0cea2c05-d76d-11e6-80a4-001e4f520ea4" path="/var/lib/kubelet/pods/0cea2c05-d76d-11e6-80a4-001e4f520ea4/volumes"'],
    },
    'cgroup-remove-busy': {
      printed: ['level=warning msg="Failed to remove cgroup (will retry)" error="rmdir /sys/fs/cgroup/pids/kubepods/besteffort/pod1: device or resource busy"', 'level=error msg="Failed to remove cgroup" error="rmdir /sys/fs/cgroup/kubepods.slice/x.scope: device or resource busy"'],
      near: ['rmdir /var/lib/docker/overlay2/abc/merged: device or resource busy', 'level=warning msg="Failed to remove cgroup (will retry)" error="rmdir /sys/fs/cgroup/pids/kubepods/pod1: no such file or directory"'],
    },
    'cgroup-delete-paths-failed': {
      printed: ['failed to delete cgroup paths for [kubepods burstable pod1] : unable to destroy cgroup paths for cgroup [kubepods burstable pod1] : x', '"Failed to delete cgroup paths" cgroupName=["kubepods","pod1"] err="x"'],
      near: ['failed to kill all the processes attached to the [kubepods burstable pod1] cgroups : x'],
    },
    'slub-alloc-failure': {
      printed: ['SLUB: Unable to allocate memory on node -1 (gfp=0x20)', 'SLUB: Unable to allocate memory on node 0, gfp=0x6000c0(GFP_KERNEL)'],
      near: ['SLAB: Unable to allocate memory on node 0, gfp=0x6000c0(GFP_KERNEL)', '  cache: kmalloc-256, object size: 256, buffer size: 256, default order: 1, min order: 0'],
    },
    'cgroup-mkdir-enospc': {
      printed: ['mkdir /sys/fs/cgroup/memory/kubepods/burstable/pod1: no space left on device'],
      // containerd/cgroups#48: a cpuset with no mems, not a full ID space.
      near: ['mkdir /var/lib/kubelet/pods/x/volumes: no space left on device', 'write /sys/fs/cgroup/cpuset/test/cgroup.procs: no space left on device'],
    },
    'cgroup-mkdir-enomem': {
      printed: ['mkdir /sys/fs/cgroup/memory/kubepods/burstable/pod1: cannot allocate memory'],
      // kata-containers/runtime#1249
      near: ['open /sys/fs/cgroup/rdma/kata/e2261a46e43cfcc3bd5cb2c64dd0ca1c74ee73311e372ae83ad673862fd6e877/cgroup.procs: cannot allocate memory'],
    },
    'transient-unit-arg-list-too-long': {
      printed: ['Failed to start transient scope unit: Argument list too long', 'Failed to start transient service unit: Argument list too long'],
      near: ['Failed to start transient scope unit: Connection timed out', 'Started Kubernetes transient mount for /x; sed: Argument list too long'],
    },
    'cgroup-driver-misconfiguration': {
      printed: [
        'misconfiguration: kubelet cgroup driver: "systemd" is different from docker cgroup driver: "cgroupfs"',
        'expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/kubepods/pod1" instead',
        String.raw`error="OCI runtime create failed: expected cgroupsPath to be of format \\\"slice:prefix:name\\\" for systemd cgroups"`,
      ],
      near: ['"Creating device plugin manager" cgroupDriver="systemd"', 'Setting cgroupDriver to systemd'],
    },
    'pids-fork-rejected': {
      printed: ['cgroup: fork rejected by pids controller in /kubepods/besteffort/pod1'],
      near: ['bash: fork: retry: Resource temporarily unavailable'],
    },
    'systemd-unit-already-exists': {
      printed: ['Unit kubepods-burstable-pod1.slice already exists.', 'Unit cri-containerd-abc.scope already exists.'],
      near: ['Unit kubelet.service already exists.', 'failed to initialize top level QOS containers: failed to create top level Burstable QOS cgroup : Unit kubepods-burstable.slice already exists.'],
    },
    'kubelet-qos-cgroups-failed': {
      printed: ['failed to initialize top level QOS containers: failed to create top level Burstable QOS cgroup : x', 'Failed to start ContainerManager failed to initialise top level QOS containers: x'],
      near: ['failed to update top level Burstable QOS cgroup : x'],
    },
  };

  for (const sig of LOG_SIGNATURES) {
    it(`${sig.id}: the text its code prints matches, near-misses do not`, () => {
      const t = PRINTED[sig.id];
      for (const l of t.printed) assert.ok(matchLogLines([{ source: 'x', line: l }]).some((m) => m.signature === sig.id), `does not match: ${l}`);
      for (const l of t.near) assert.ok(!matchLogLines([{ source: 'x', line: l }]).some((m) => m.signature === sig.id), `matches: ${l}`);
    });
  }

  it("a log-signature finding's evidence lists its signature's sources once, not once per line", () => {
    const lines = ['[1.0] SLUB: Unable to allocate memory on node -1 (gfp=0x20)', '[2.0] SLUB: Unable to allocate memory on node -1 (gfp=0x20)', '[3.0] SLUB: Unable to allocate memory on node 0 (gfp=0x20)'];
    const ms = matchLogLines(lines.map((line) => ({ source: 'dmesg', line })), { now: 100, uptimeSeconds: 10 });
    const [f] = logFindings(ms);
    const slub = LOG_SIGNATURES.find((s) => s.id === 'slub-alloc-failure')!;
    assert.deepEqual(evidenceLines(f!).filter((e) => e.startsWith('source: ')), slub.sources.map((u) => `source: ${u}`));
    assert.equal(evidenceLines(f!).filter((e) => e.startsWith('log ')).length, 3);
    // Two signatures: each one's sources, in the order their lines came.
    const two = matchLogLines([{ source: 'dmesg', line: lines[0]! }, { source: 'dmesg', line: 'cgroup: fork rejected by pids controller in /a' }, { source: 'dmesg', line: lines[1]! }]);
    const pids = LOG_SIGNATURES.find((s) => s.id === 'pids-fork-rejected')!;
    assert.deepEqual(signatureSources(two).map(evidenceLine), [...slub.sources, ...pids.sources].map((u) => `source: ${u}`));
  });

  it('a finding that log lines attach to lists each signature\'s sources once, after its lines', () => {
    const uid = '32828c49-a053-11e8-a528-5254eec04736';
    const raw = parseEvidence('V\tevidence\t1\nT\t1764151200\t1000\t100\t4\nZ\tEND\n');
    const line = (n: number): string => `E1012 11:27:2${n}.992579   27200 kubelet_volumes.go:140] Orphaned pod "${uid}" found, but volume paths are still present on disk`;
    raw.lines = [1, 2, 3].map((n) => ({ source: 'journalctl -u kubelet', line: line(n) }));
    const orphan = finding({ kind: 'orphaned-pod-cgroup', podUid: uid, evidence: [note('engine')] });
    const r = buildEvidenceReport({ findings: [orphan] } as unknown as Parameters<typeof buildEvidenceReport>[0], raw);
    const f = r.findings.find((x) => x.kind === 'orphaned-pod-cgroup')!;
    const sig = LOG_SIGNATURES.find((s) => s.id === 'orphaned-pod')!;
    assert.deepEqual(evidenceLines(f).filter((e) => e.startsWith('source: ')), sig.sources.map((u) => `source: ${u}`), evidenceLines(f).join('\n'));
    assert.equal(evidenceLines(f).filter((e) => e.startsWith('log orphaned-pod ')).length, 3);
    assert.equal(orphan.evidence.length, 1, "the engine's finding is not changed");
  });
});
