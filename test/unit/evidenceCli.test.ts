import assert from 'node:assert/strict';
import { parseSince } from '../../src/cli/commands/evidence';
import { UsageError } from '../../src/cli/command';
import { escapeField } from '../../src/core/probe/fieldEscape';
import { evidenceArgv, EVIDENCE_SCRIPT } from '../../src/core/evidence/evidenceCommand';
import { parseEvidence } from '../../src/core/evidence/evidenceParser';
import { buildEvidenceReport, nodeVersions } from '../../src/core/evidence/nodeEvidence';
import { findPinnedRemoved } from '../../src/core/analysis/daemonHealth';
import { interpretFacts } from '../../src/core/facts/nodeFacts';
import { evidenceLines } from '../../src/core/analysis/evidence';

// What the evidence command sends (a constant program, values as arguments) and reads back.
describe('evidence command and records', () => {
  it('sends the same program bytes every time; values only as arguments', () => {
    const a = evidenceArgv({ hostRoot: "/host'$(id)", since: 1700000000.7, maxLines: 50 });
    assert.deepEqual(a, ['sh', '-c', EVIDENCE_SCRIPT, 'cgroup-forensics-evidence', "/host'$(id)", '1700000000', '50']);
    assert.deepEqual(evidenceArgv(), ['sh', '-c', EVIDENCE_SCRIPT, 'cgroup-forensics-evidence', '', '', '']);
  });

  it('--since: relative, @epoch and ISO dates', () => {
    assert.equal(parseSince('30m', 10_000), 10_000 - 1800);
    assert.equal(parseSince('2h', 10_000), 10_000 - 7200);
    assert.equal(parseSince('7d', 1_000_000), 1_000_000 - 604_800);
    assert.equal(parseSince('@1700000000', 0), 1_700_000_000);
    assert.equal(parseSince('2026-11-26T10:00:00Z', 0), Date.parse('2026-11-26T10:00:00Z') / 1000);
    assert.throws(() => parseSince('yesterday', 0), UsageError);
    assert.throws(() => parseSince('$(id)', 0), UsageError);
    // Out of a date's range: before 1970 is from the beginning; past year 9999 is no time at all.
    assert.equal(parseSince('9999999999d', 10_000), 0);
    assert.throws(() => parseSince('@99999999999999', 0), UsageError);
  });

  it('parses every record kind, unescaping fields; a cut output is not complete', () => {
    const line = 'a\tb\\c\nd';
    const text = ['V\tevidence\t1', 'T\t1000\t200\t100\t4', `L\tdmesg\t${escapeField(line)}`, 'S\tdmesg\t1', 'N\tjournal\tjournalctl\tnot installed: journalctl', 'F\tkubelet-version\tkubelet --version\tKubernetes v1.29.3', 'D\t42\tkubelet\t0\t1024\t12\t30\t500\t100\t9000', `P\t42\tkubelet\t7\t${escapeField('/sys/fs/cgroup/x (deleted)')}`, 'Z\tEND', ''].join('\n');
    const e = parseEvidence(text);
    assert.equal(e.complete, true);
    assert.deepEqual(e.lines, [{ source: 'dmesg', line }]);
    assert.deepEqual(e.daemons, [{ pid: 42, comm: 'kubelet', uid: 0, rssKb: 1024, threads: 12, fds: 30, utimeTicks: 500, stimeTicks: 100, startTicks: 9000 }]);
    assert.deepEqual(e.pins, [{ pid: 42, comm: 'kubelet', fd: '7', target: '/sys/fs/cgroup/x (deleted)' }]);
    assert.deepEqual([e.now, e.uptimeSeconds, e.clockTicks], [1000, 200, 100]);
    assert.equal(parseEvidence(text.replace('Z\tEND\n', '')).complete, false);
    assert.throws(() => parseEvidence('V\tevidence\t2\n'), /speaks evidence 2/);
    assert.throws(() => parseEvidence('X\n'), /unexpected evidence record|nothing recognisable/);
  });

  it('reads the versions the advisories need from facts, the snapshot and kubelet --version', () => {
    const facts = interpretFacts({
      found: [
        { key: 'kernel', source: '/proc/sys/kernel/osrelease', value: '5.15.0-91-generic\n' },
        { key: 'runc-version', source: 'runc --version', value: 'runc version 1.1.12\ncommit: v1.1.12-0-g51d5e946\n' },
        { key: 'containerd-version', source: 'containerd --version', value: 'containerd github.com/containerd/containerd v1.7.13 7c3aca7a\n' },
        { key: 'crio-version', source: 'crio --version', value: 'crio version 1.25.4\nGitCommit: abc\n' },
      ],
      missing: [],
    });
    const e = parseEvidence('V\tevidence\t1\nF\tkubelet-version\tkubelet --version\tKubernetes v1.29.3\nZ\tEND\n');
    assert.deepEqual(nodeVersions(undefined, facts, e), { kernel: '5.15.0-91-generic', runc: '1.1.12', containerd: '1.7.13', crio: '1.25.4', kubelet: '1.29.3' });
    const newer = interpretFacts({ found: [{ key: 'crio-version', source: 'crio --version', value: 'INFO[0000] Starting CRI-O\nVersion:        1.28.1\nGitCommit: x\n' }], missing: [] });
    assert.equal(nodeVersions(undefined, newer, undefined).crio, '1.28.1');
  });

  it('process names and fd targets (untrusted) are shown with control bytes escaped', () => {
    const pins = [{ pid: 7, comm: 'x\x1b]0;t\x07', fd: '3', target: '/sys/fs/cgroup/a\x1b[2Jb (deleted)' }];
    const [f] = findPinnedRemoved(pins);
    assert.equal(f!.title, 'a removed cgroup is held open by x\\x1b]0;t\\x07 (pid 7)');
    assert.ok(evidenceLines(f!)[0]!.endsWith('-> /sys/fs/cgroup/a\\x1b[2Jb (deleted)'));
    const e = parseEvidence('V\tevidence\t1\nZ\tEND\n');
    e.pins = [{ pid: 7, comm: 'x\x1b', fd: '3', target: '/sys/fs/cgroup/a\x1b' }];
    const r = buildEvidenceReport({ findings: [{ kind: 'orphaned-pod-cgroup', severity: 'warning', confidence: 'high', title: 't', cgroups: [{ hierarchy: 'unified', path: '/a\x1b', dir: '/sys/fs/cgroup/a\x1b' }], evidence: [] }], counts: {} }, e);
    assert.deepEqual(evidenceLines(r.findings[0]!), ['open fd: x\\x1b (pid 7) holds /proc/7/fd/3 -> /sys/fs/cgroup/a\\x1b']);
  });
});
