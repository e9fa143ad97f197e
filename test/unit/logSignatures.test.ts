import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from '../../src/core/analysis/finding';
import { correlateLogs, LOG_SIGNATURES, lineTime, logFindings, matchLogLines, safeLogText } from '../../src/core/analysis/logSignatures';

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
    assert.equal(none.length, 3);
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
    assert.deepEqual(sigs(3), ['cgroup-driver-misconfiguration', 'cgroup-driver-misconfiguration'], 'node-wide lines go to a finding of a kind they explain');
    assert.deepEqual(sigs(4), ['cgroup-mkdir-enospc'], 'matched by the cgroup path it names');
    // SLUB lines name no pod: they go to the node-wide finding of a kind they explain.
    assert.deepEqual(sigs(0), ['slub-alloc-failure', 'slub-alloc-failure']);
    // Lines naming pods no finding has are not pinned on an unrelated finding.
    assert.ok(unattached.some((m) => m.signature === 'orphaned-pod' && m.podUids[0] === '017aa18b-44cb-11e9-84a1-eeeeeeeeeeee'));
    assert.ok(unattached.some((m) => m.signature === 'cgroup-delete-paths-failed'));
    assert.ok(unattached.some((m) => m.signature === 'transient-unit-arg-list-too-long'), 'no transient-scope finding to attach to');
    const own = logFindings(unattached);
    const t = own.find((f) => f.title.startsWith('systemd refused a transient unit'));
    assert.ok(t && t.kind === 'log-signature' && t.evidence.some((e) => e.includes('Argument list too long')));
  });

  it('shows untrusted lines with control bytes escaped and cut', () => {
    assert.equal(safeLogText('a\x1b[31mred\r\nb'), 'a\\x1b[31mred\\x0d\\x0ab');
    assert.equal(safeLogText('x'.repeat(500), 10), 'xxxxxxxxxx...');
    const [m] = matchLogLines([{ source: 'dmesg', line: '[1.0] SLUB: Unable to allocate memory \x1b]0;owned\x07' }], { now: 100, uptimeSeconds: 10 });
    const f = logFindings([m!]);
    assert.ok(f[0]!.evidence.every((e) => !/[\x00-\x1f]/.test(e)));
  });
});
