import assert from 'node:assert/strict';
import type { Finding } from '../../src/core/analysis/finding';
import type { ForensicsReport } from '../../src/core/analysis/forensics';
import { logEvidence } from '../../src/core/analysis/logSignatures';
import { parseEvidence } from '../../src/core/evidence/evidenceParser';
import { sinceSeconds } from '../../src/core/evidence/since';
import { interpretFacts } from '../../src/core/facts/nodeFacts';
import type { Snapshot } from '../../src/core/model/snapshot';
import { escapeField } from '../../src/core/probe/fieldEscape';
import { churnSeconds } from '../../src/extension/evidence/churnMeasure';
import { evidenceReportOf, evidenceSummary, mergeEvidence, type GatheredEvidence } from '../../src/extension/evidence/mergeEvidence';
import { evidenceItems } from '../../src/extension/findings/evidenceItems';
import { FindingsHooks, type FindingsInput } from '../../src/extension/findings/findingsHooks';
import { evidenceLines, note } from '../../src/core/analysis/evidence';

// The extension's one merge point for evidence beyond the tree (findingsHooks), the evidence hook
// over the core's buildEvidenceReport, and how the Findings view takes a finding's evidence apart.
const UID = '32828c49-a053-11e8-a528-5254eec04736';
const orphan: Finding = {
  kind: 'orphaned-pod-cgroup',
  severity: 'warning',
  confidence: 'high',
  title: `orphaned pod ${UID}`,
  cgroups: [{ hierarchy: 'unified', path: `/kubepods.slice/kubepods-pod${UID.replace(/-/g, '_')}.slice`, dir: `/sys/fs/cgroup/kubepods.slice/kubepods-pod${UID.replace(/-/g, '_')}.slice` }],
  evidence: [note("kubelet's pods/ has no directory for this pod")],
  podUid: UID,
};
const report: ForensicsReport = { findings: [orphan], counts: { 'orphaned-pod-cgroup': 1 } };
// A unit test needs only what buildEvidenceReport reads of a snapshot: the node's versions.
const snapshot = { node: { kernel: '6.1.0-27-amd64', systemd: '252' }, hierarchies: [] } as unknown as Snapshot;
const facts = interpretFacts({ found: [{ key: 'runc-version', source: 'runc --version', value: 'runc version 1.1.5\n' }], missing: [] });
const input: FindingsInput = { nodeId: 'n1', snapshot, report, facts };

const kubeletLine = `2026-11-26T10:00:00+0000 node-1 kubelet[27200]: E1126 10:00:00.000000 27200 kubelet_volumes.go:140] Orphaned pod "${UID}" found, but volume paths are still present on disk`;
const hostile = '[  100.5] SLUB: Unable to allocate memory on node -1 \x1b[2J\x1b]0;pwned\x07';
const raw = parseEvidence(
  [
    'V\tevidence\t1',
    'T\t1764151200\t1000\t100\t4',
    `L\tjournalctl -u kubelet\t${escapeField(kubeletLine)}`,
    `L\tdmesg\t${escapeField(hostile)}`,
    'S\tjournalctl -u kubelet\t1',
    'S\tdmesg\t1',
    'Z\tEND',
    '',
  ].join('\n'),
);
const gathered: GatheredEvidence = { raw, since: 1764100000, at: 0 };

describe('evidence merged into findings', () => {
  it('hooks run in order, a throwing hook is skipped and reported, a removed hook no longer runs', () => {
    const errors: string[] = [];
    const hooks = new FindingsHooks((name, e) => errors.push(`${name}: ${(e as Error).message}`));
    const tag = (t: string) => (fs: readonly Finding[]) => fs.map((f) => ({ ...f, evidence: [...f.evidence, note(t)] }));
    hooks.add('a', tag('a'));
    const removeBoom = hooks.add('boom', () => {
      throw new Error('no');
    });
    const removeB = hooks.add('b', tag('b'));
    assert.deepEqual(evidenceLines(hooks.apply(input)[0]!).slice(-2), ['a', 'b']);
    assert.deepEqual(errors, ['boom: no']);
    removeB();
    removeBoom();
    assert.deepEqual(evidenceLines(hooks.apply(input)[0]!).slice(-1), ['a']);
    assert.equal(errors.length, 1);
    assert.equal(report.findings[0]!.evidence.length, 1, "the engine's report is not changed");
  });

  it('without gathered evidence the findings pass unchanged', () => {
    assert.deepEqual(mergeEvidence(report.findings, input, undefined), { findings: report.findings });
  });

  it('attaches the log line to the finding of its pod; the unexplained line and the advisory become findings', () => {
    const { findings: merged, report: r } = mergeEvidence(report.findings, input, gathered);
    assert.equal(r?.findings, merged);
    const o = merged.find((f) => f.kind === 'orphaned-pod-cgroup')!;
    assert.ok(evidenceLines(o).some((e) => e.startsWith('log orphaned-pod 2026-11-26T10:00:00Z journalctl -u kubelet: ') && e.includes(UID)), JSON.stringify(evidenceLines(o)));
    const slub = merged.find((f) => f.kind === 'log-signature');
    assert.ok(slub, 'the SLUB line no finding explains is a finding of its own');
    assert.ok(evidenceLines(slub).some((e) => e.includes('\\x1b[2J') && !e.includes('\x1b')), 'the hostile line is kept as escaped text');
    const adv = merged.filter((f) => f.kind === 'version-advisory').map((f) => f.title);
    assert.ok(adv.some((t) => /runc/.test(t)), JSON.stringify(adv));
    const s = evidenceSummary(evidenceReportOf(report.findings, input, gathered), report.findings);
    assert.equal(s.logMatches, 2);
    assert.equal(s.attached, 1);
    assert.equal(s.added, merged.length - 1);
    assert.equal(s.nothing, false);
  });

  it('"nothing found" when no line matched and nothing was added', () => {
    const quiet: GatheredEvidence = { raw: parseEvidence('V\tevidence\t1\nT\t1764151200\t1000\t100\t4\nZ\tEND\n'), since: 0, at: 0 };
    const bare: FindingsInput = { ...input, facts: interpretFacts({ found: [], missing: [] }), snapshot: { node: {}, hierarchies: [] } as unknown as Snapshot };
    const merged = mergeEvidence(report.findings, bare, quiet).findings;
    assert.equal(merged.length, 1);
    assert.deepEqual(evidenceSummary(evidenceReportOf(report.findings, bare, quiet), report.findings), { logMatches: 0, attached: 0, added: 0, nothing: true });
  });

  it('the Findings view shows a log line as its label with its time and source beside it', () => {
    const items = evidenceItems({
      evidence: [
        logEvidence({ signature: 'orphaned-pod', source: 'journalctl -u kubelet', line: 'a: b \x1b[2J', time: Date.parse('2026-11-26T10:00:00Z'), podUids: [], paths: [], containerIds: [] }),
        logEvidence({ signature: 'slub-alloc-failure', source: '/var/log/kern.log', line: 'SLUB: x', podUids: [], paths: [], containerIds: [] }),
        { kind: 'open-fd', pid: 7, fd: '3', target: '/sys/fs/cgroup/x', comm: 'kubelet' },
        note('a plain statement'),
      ],
    });
    assert.deepEqual(
      items.map((i) => [i.kind, i.label, i.description]),
      [
        ['log', 'a: b \\x1b[2J', '2026-11-26T10:00:00Z · journalctl -u kubelet'],
        ['log', 'SLUB: x', 'time unknown · /var/log/kern.log'],
        ['fd', 'open fd: kubelet (pid 7) holds /proc/7/fd/3 -> /sys/fs/cgroup/x', undefined],
        ['text', 'a plain statement', undefined],
      ],
    );
    assert.match(items[0]!.tooltip, /^orphaned-pod\n2026-11-26T10:00:00Z\njournalctl -u kubelet\n\na: b/);
  });

  it('since: the forms the CLI takes; anything else is refused', () => {
    assert.equal(sinceSeconds('2h', 10_000), 2800);
    assert.equal(sinceSeconds(' 30m ', 10_000), 8200);
    assert.equal(sinceSeconds('@1700000000', 0), 1_700_000_000);
    assert.equal(sinceSeconds('2 hours ago', 0), undefined);
    assert.equal(sinceSeconds('$(id)', 0), undefined);
  });

  it('a churn duration is a whole number of seconds from 5 to 600', () => {
    assert.deepEqual([5, 30, 600, '45', ' 7 '].map(churnSeconds), [5, 30, 600, 45, 7]);
    assert.deepEqual([4, 601, 2.5, '1e2', '', 'x', undefined, null].map(churnSeconds), [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});

