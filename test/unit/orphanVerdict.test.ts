import assert from 'node:assert/strict';
import type { Confidence, Finding, FindingKind } from '../../src/core/analysis/finding';
import { rootCause } from '../../src/core/analysis/forensics';
import { isActionable, cleanupPlan, isCleanupTarget, isOrphan, isReported, orphanSummaryLine, orphanVerdict } from '../../src/core/analysis/orphanVerdict';
import { cleanupScript } from '../../src/core/fixes/cleanupScript';
import { podSpecFix } from '../../src/core/fixes/podSpecFix';
import { confirmationText, summariseDryRun } from '../../src/extension/fixes/cleanupConfirmation';

// The one verdict of "orphan" (src/core/analysis/orphanVerdict.ts) that orphans' exit status, the
// cleanup script, podspec and the extension's views share; here as a table, then through its users.
const ROOT = '/sys/fs/cgroup/unified';
const finding = (kind: FindingKind, confidence: Confidence, knownToApi: string | undefined, processes: number, n = 0): Finding => ({
  kind,
  severity: knownToApi !== undefined || confidence === 'low' ? 'info' : processes > 0 ? 'critical' : 'warning',
  confidence,
  title: `${kind} ${n}`,
  cgroups: [{ hierarchy: 'unified', path: `/kubepods/besteffort/pod-${n}`, dir: `${ROOT}/kubepods/besteffort/pod-${n}` }],
  evidence: [],
  ...(knownToApi !== undefined ? { knownToApi } : {}),
  processes,
  podUid: `uid-${n}`,
});

describe('the orphan verdict', () => {
  it('is a table: orphan kinds × confidence × knownToApi × processes', () => {
    const rows: string[] = [];
    let n = 0;
    for (const kind of ['orphaned-pod-cgroup', 'orphaned-container-cgroup', 'failed-systemd-unit', 'dying-cgroups'] as const) {
      for (const confidence of ['low', 'medium', 'high'] as const) {
        for (const api of [undefined, 'shop/web-1']) {
          for (const processes of [0, 2]) {
            const f = finding(kind, confidence, api, processes, n++);
            const v = orphanVerdict(f);
            const orphanKind = kind === 'orphaned-pod-cgroup' || kind === 'orphaned-container-cgroup';
            const expected = orphanKind && api === undefined && confidence !== 'low';
            assert.equal(v.orphan, expected, `${kind} ${confidence} ${api ?? '-'} ${processes}`);
            if (v.orphan) assert.equal(v.leftoverProcesses, processes, 'processes left do not make it less of an orphan');
            else rows.push(`${kind} ${confidence} ${api ?? '-'} ${processes}: ${v.reason}`);
            // The cleanup removes exactly the orphans, plus the leftover systemd units it trusts.
            assert.equal(isCleanupTarget(f), expected || (kind === 'failed-systemd-unit' && confidence !== 'low'));
            // orphans' exit status: an orphan kind by the verdict alone, whatever its severity says.
            assert.equal(isActionable(f), orphanKind ? expected : f.severity !== 'info');
            // The monitoring counts every finding but an orphan the verdict leaves alone.
            assert.equal(isReported(f), orphanKind ? expected : true);
          }
        }
      }
    }
    // The API's knowledge wins over confidence in the reason given.
    assert.ok(rows.includes('orphaned-pod-cgroup low shop/web-1 0: known-to-api'));
    assert.ok(rows.includes('orphaned-pod-cgroup low - 0: low-confidence'));
    assert.ok(rows.includes('dying-cgroups high - 2: not-an-orphan-kind'));
  });

  it('is what every user applies: the script, podspec, the exit status and the summary line agree', () => {
    const gone = finding('orphaned-pod-cgroup', 'high', undefined, 0, 1);
    const busy = finding('orphaned-pod-cgroup', 'high', undefined, 3, 2);
    const known = finding('orphaned-pod-cgroup', 'low', 'default/web-1', 1, 3);
    const ageless = finding('orphaned-pod-cgroup', 'low', undefined, 0, 4);
    const all = [gone, busy, known, ageless];
    const plan = cleanupPlan(all);
    assert.deepEqual(plan.targets, [gone, busy]);
    assert.deepEqual(plan.leftOut.map((l) => l.why), ['the Kubernetes API knows pod default/web-1 on this node', 'low confidence']);
    const script = cleanupScript(all, { allowedRoots: [ROOT] }).content;
    const removed = script.split('\n').filter((l) => l.startsWith('rm_cgroup '));
    assert.deepEqual(removed.map((l) => l.split(' ')[1]), [`${ROOT}/kubepods/besteffort/pod-1`, `${ROOT}/kubepods/besteffort/pod-2`]);
    assert.match(script, /^# not included \(the Kubernetes API knows pod default\/web-1 on this node\): orphaned-pod-cgroup 3$/m);
    assert.match(script, /^# not included \(low confidence\): orphaned-pod-cgroup 4$/m);
    // A pod the API knows that has processes is a running pod, not a workload that outlived its container.
    assert.match(podSpecFix(all).content, /# Pods: uid-2\n/);
    assert.match(podSpecFix([known]).content, /No finding on this node calls for a pod-spec change/);
    assert.equal(all.filter(isOrphan).length, 2);
    assert.equal(all.some(isActionable), true);
    assert.equal([known, ageless].some(isActionable), false, 'orphans exits 0 when only such orphans are left');
    // The root cause `orphans` prints: only orphans by the verdict explain anything.
    assert.match(rootCause(all) ?? '', /lost track of running containers/);
    assert.equal(rootCause([known, ageless]), undefined);
    assert.equal(orphanSummaryLine(all), 'orphans: 2 to clean up (fix cleanup removes them); 1 left alone: the Kubernetes API knows their pods on this node; 1 left alone: low confidence (empty, of unknown age)');
  });

  it('leaves out an orphan at or under a frozen cgroup (runc#4534: a frozen runc init the runtime lost), by directory and hierarchy', () => {
    const frozenDir = `${ROOT}/kubepods/besteffort/pod-2`;
    const frozen: Finding = {
      kind: 'frozen-cgroup',
      severity: 'warning',
      confidence: 'high',
      title: 'frozen cgroup /kubepods/besteffort/pod-2/ctr',
      cgroups: [{ hierarchy: 'unified', path: '/kubepods/besteffort/pod-2/ctr', dir: `${frozenDir}/ctr` }],
      evidence: [],
    };
    // The orphan's leaf is the frozen cgroup itself; its other cgroup (the pod) is above it.
    const inFrozen = { ...finding('orphaned-pod-cgroup', 'high', undefined, 1, 2), cgroups: [{ hierarchy: 'unified', path: '/kubepods/besteffort/pod-2/ctr', dir: `${frozenDir}/ctr` }, { hierarchy: 'unified', path: '/kubepods/besteffort/pod-2', dir: frozenDir }] };
    // Under it (a child of the frozen cgroup).
    const below = { ...finding('orphaned-container-cgroup', 'high', undefined, 1, 3), cgroups: [{ hierarchy: 'unified', path: '/kubepods/besteffort/pod-2/ctr/sub', dir: `${frozenDir}/ctr/sub` }] };
    // A sibling whose name starts like it, and the same path in another hierarchy: not frozen.
    const sibling = { ...finding('orphaned-pod-cgroup', 'high', undefined, 0, 4), cgroups: [{ hierarchy: 'unified', path: '/kubepods/besteffort/pod-2/ctrx', dir: `${frozenDir}/ctrx` }] };
    const otherHierarchy = { ...finding('orphaned-pod-cgroup', 'high', undefined, 0, 5), cgroups: [{ hierarchy: 'memory', path: '/kubepods/besteffort/pod-2/ctr', dir: `/sys/fs/cgroup/memory/kubepods/besteffort/pod-2/ctr` }] };
    const all = [frozen, inFrozen, below, sibling, otherHierarchy];
    const plan = cleanupPlan(all);
    assert.deepEqual(plan.targets, [sibling, otherHierarchy]);
    assert.deepEqual(plan.leftOut.map((l) => [l.finding, l.why]), [
      [inFrozen, 'frozen: thaw it first (see the frozen-cgroup finding)'],
      [below, 'frozen: thaw it first (see the frozen-cgroup finding)'],
    ]);
    const script = cleanupScript(all, { allowedRoots: [ROOT, '/sys/fs/cgroup/memory'] }).content;
    const removed = script.split('\n').filter((l) => l.startsWith('rm_cgroup ')).map((l) => l.split(' ')[1]);
    assert.ok(!removed.some((d) => d!.startsWith(frozenDir + '/ctr') && d !== `${frozenDir}/ctrx`) && !removed.includes(frozenDir), removed.join('\n'));
    assert.match(script, /^# not included \(frozen: thaw it first \(see the frozen-cgroup finding\)\): orphaned-pod-cgroup 2$/m);
  });

});

describe('the cleanup confirmation text', () => {
  const dry = [
    'SKIP (has processes): /sys/fs/cgroup/unified/kubepods/burstable/podb/c1',
    ...Array.from({ length: 7 }, (_, i) => `would rmdir: /sys/fs/cgroup/unified/kubepods/besteffort/poda/c${i}`),
    'would rmdir: /sys/fs/cgroup/unified/kubepods/besteffort/poda',
    'would stop 0 unit(s), would remove 8 cgroup(s); 1 skipped. Dry run: run with --apply to do it.',
  ].join('\n');

  it('counts from the dry run summary, a few names, the short hash; a few lines whatever the size', () => {
    const s = summariseDryRun(dry);
    assert.deepEqual(s && [s.units, s.cgroups, s.skipped, s.examples.length], [0, 8, 1, 5]);
    const t = confirmationText({ label: 'node-17', summary: s!, orphans: 1, digest: 'ab'.repeat(32), scriptName: 'cleanup-abababababab.sh', outputName: 'cleanup-abababababab.dry-run.txt' });
    assert.equal(t.message, 'Remove 8 cgroup(s) of 1 orphan(s) on node-17?');
    assert.match(t.detail, /^The dry run would remove 8 cgroup\(s\); 1 skipped/);
    assert.match(t.detail, /… and 3 more/);
    assert.match(t.detail, /SHA-256 abababababababab… \(cleanup-abababababab\.sh\)/);
    assert.ok(t.detail.split('\n').length <= 12, t.detail);
    const long = summariseDryRun(dry.replace(/c0$/m, 'c0' + 'x'.repeat(500)))!;
    const lt = confirmationText({ label: 'n', summary: long, orphans: 1, digest: 'ab'.repeat(32), scriptName: 's', outputName: 'o' });
    assert.ok(lt.detail.split('\n').every((l) => l.length <= 200), 'long names are cut');
  });

  it('says what the plan really does: units stopped, cgroups removed, orphans and leftovers, no zero parts', () => {
    const units = summariseDryRun('would stop 3 unit(s), would remove 0 cgroup(s); 0 skipped. Dry run: run with --apply to do it.\n')!;
    const t = confirmationText({ label: 'node-17', summary: units, orphans: 0, leftovers: 3, digest: 'ab'.repeat(32), scriptName: 's', outputName: 'o' });
    assert.equal(t.message, 'Stop 3 systemd unit(s) of 3 leftover(s) (failed units, mount scopes) on node-17?');
    assert.match(t.detail, /^The dry run would stop 3 systemd unit\(s\); 0 skipped/);
    assert.doesNotMatch(t.message + t.detail, /\b0 (cgroup|orphan)/);
    const both = summariseDryRun('would stop 1 unit(s), would remove 4 cgroup(s); 2 skipped. Dry run: run with --apply to do it.\n')!;
    const b = confirmationText({ label: 'n', summary: both, orphans: 2, leftovers: 1, digest: 'ab'.repeat(32), scriptName: 's', outputName: 'o' });
    assert.equal(b.message, 'Remove 4 cgroup(s) and stop 1 systemd unit(s) of 2 orphan(s) and 1 leftover(s) (failed units, mount scopes) on n?');
  });

  it('no summary line (the script did not finish): undefined, never a guess', () => {
    assert.equal(summariseDryRun('would rmdir: /x\n'), undefined);
  });
});
