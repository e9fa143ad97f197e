import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/analysis/forensics';
import { interpretFacts } from '../../src/core/facts/nodeFacts';
import { cleanupScript } from '../../src/core/fixes/cleanupScript';
import type { Snapshot } from '../../src/core/model/snapshot';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { cgroupMissing, cgroupMounts, needs, toolMissing } from '../support/prereq';

// The cleanup script's dry run must predict its real run. On the kernel's cgroupfs (cgroup2 and
// the v1 pids hierarchy, one sandbox of this test's own in each), a tree of nested orphans: a pod
// whose containers have children several levels deep, a pod with a process left in one container,
// a pod that gains a child the script does not know, a lost container in a live pod, and the live
// pod. The generated script is run dry, then with --apply, under dash and under busybox sh: the
// per-cgroup lines and the summary are the same (only the verb differs), and what the dry run said
// it would remove is exactly what disappeared.
const hex = (c: string): string => c.repeat(64);
const POD_NESTED = '11111111-1111-4111-8111-111111111111';
const POD_BUSY = '22222222-2222-4222-8222-222222222222';
const POD_LATE = '33333333-3333-4333-8333-333333333333';
const POD_LIVE = '44444444-4444-4444-8444-444444444444';
const pod = (qos: string, uid: string): string => `kubepods/${qos}/pod${uid}`;
const TREE = [
  `${pod('besteffort', POD_NESTED)}/${hex('a')}/deep/deeper`,
  `${pod('besteffort', POD_NESTED)}/${hex('b')}`,
  `${pod('burstable', POD_BUSY)}/${hex('c')}`, // a process is placed here
  `${pod('burstable', POD_BUSY)}/${hex('d')}`,
  `${pod('burstable', POD_LATE)}/${hex('e')}`,
  `${pod('burstable', POD_LIVE)}/${hex('f')}`, // the runtime knows this container
  `${pod('burstable', POD_LIVE)}/${hex('9')}`, // and not this one
];
/** Made after the script was generated: a child the script does not remove keeps its parent. */
const LATE_CHILD = `${pod('burstable', POD_LATE)}/made-later`;

function listDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      out.push(join(d, e.name));
      walk(join(d, e.name));
    }
  };
  walk(root);
  return out.sort();
}

/** The script's per-cgroup lines with the dry run's verbs turned into the real run's. */
function asApplied(lines: string[]): string[] {
  return lines.map((l) => l.replace(/^would rmdir: /, 'removed: ').replace(/^would run: systemctl stop (.*); systemctl reset-failed .*$/, 'stopped: $1'));
}

function summary(out: string): number[] {
  const m = /^(?:would stop|stopped) (\d+) unit\(s\), (?:would remove|removed) (\d+) cgroup\(s\); (\d+) skipped/m.exec(out);
  assert.ok(m, `a summary line in:\n${out}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

describe('cleanup script: the dry run predicts --apply on a real tree', function () {
  this.timeout(120_000);
  const mounts = cgroupMounts();
  const work = mkdtempSync(join(tmpdir(), 'cf-dryrun-'));
  const boxes: CgroupSandbox[] = [];
  after(async () => {
    // The cgroup2 boxes first: their cleanup kills the processes the pids boxes share.
    for (const b of boxes.sort((a, b) => Number(b.mount === mounts.v2) - Number(a.mount === mounts.v2))) await b.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  for (const shell of [['dash'], ['busybox', 'sh']]) {
    it(`${shell.join(' ')}: same lines and counts, and the dry run's removals are exactly what went`, async function () {
      const v2 = mounts.v2;
      const v1 = mounts.v1.get('pids');
      needs(this, v2 ? cgroupMissing(v2) : 'no cgroup2 mount');
      needs(this, v1 ? cgroupMissing(v1) : 'no v1 pids hierarchy');
      needs(this, toolMissing(shell[0]!));
      needs(this, toolMissing('shellcheck'));
      const pair = [CgroupSandbox.create(v2!, 'dryrun'), CgroupSandbox.create(v1!, 'dryrun')];
      boxes.push(...pair);
      for (const b of pair) for (const rel of TREE) b.mkdir(rel);
      const pid = await pair[0]!.spawnIn(`${pod('burstable', POD_BUSY)}/${hex('c')}`);
      pair[1]!.place(pid, `${pod('burstable', POD_BUSY)}/${hex('c')}`);
      // Removed pods were deleted an hour ago (past the grace period).
      const hourAgo = Date.now() / 1000 - 3600;
      for (const b of pair) for (const d of [b.root, ...listDirs(b.root)]) utimesSync(d, hourAgo, hourAgo);

      let snapshot: Snapshot | undefined;
      for (const b of pair) {
        const r = await takeSnapshot(new LocalTransport(), { cgroupRoot: b.root });
        assert.ok(r.ok, r.ok ? '' : r.error.message);
        if (!snapshot) snapshot = r.value;
        else snapshot.hierarchies.push(...r.value.hierarchies.map((h) => ({ ...h, id: snapshot!.hierarchies.length + 1 })));
      }
      const facts = interpretFacts({
        found: [
          { key: 'ctr-reachable', source: 'ctr', value: 'yes' },
          { key: 'ctr-container', source: `ctr containers info ${hex('f')}`, value: `    "ID": "${hex('f')}",\n        "io.kubernetes.pod.uid": "${POD_LIVE}",\n` },
        ],
        missing: [{ key: 'kubelet-pod', source: '/var/lib/kubelet/pods', reason: 'missing' }],
      });
      const findings = analyze(snapshot!, facts, { graceSeconds: 600 }).findings;
      assert.deepEqual(
        findings.map((f) => `${f.kind} ${f.podUid}${f.containerId ? ` ${f.containerId.slice(0, 1)}` : ''}`).sort(),
        [`orphaned-container-cgroup ${POD_LIVE} 9`, `orphaned-pod-cgroup ${POD_BUSY}`, `orphaned-pod-cgroup ${POD_LATE}`, `orphaned-pod-cgroup ${POD_NESTED}`].sort(),
      );
      const script = join(work, `cleanup-${shell[0]}.sh`);
      writeFileSync(script, cleanupScript(findings, { allowedRoots: [v2!, v1!] }).content);
      assert.equal(spawnSync('sh', ['-n', script]).status, 0, 'sh -n');
      const sc = spawnSync('shellcheck', ['-S', 'warning', script], { encoding: 'utf8' });
      assert.equal(sc.status, 0, sc.stdout);

      for (const b of pair) b.mkdir(LATE_CHILD);
      const listing = (): string[] => pair.flatMap((b) => listDirs(b.root));
      const before = listing();
      const run = (...args: string[]): { status: number | null; lines: string[]; out: string } => {
        const r = spawnSync(shell[0]!, [...shell.slice(1), script, ...args], { encoding: 'utf8', cwd: work });
        const out = r.stdout + r.stderr;
        return { status: r.status, lines: out.split('\n').filter((l) => l !== '' && !/^(would stop|stopped) \d+ unit/.test(l)), out };
      };
      const dry = run();
      assert.deepEqual(listing(), before, 'the dry run changes nothing');
      const applied = run('--apply');
      const after = listing();

      // The same lines, the same counts: only the verb differs.
      assert.deepEqual(asApplied(dry.lines), applied.lines, `dry run:\n${dry.out}\n--apply:\n${applied.out}`);
      assert.deepEqual(summary(dry.out), summary(applied.out));
      assert.equal(dry.status, applied.status);
      // What the dry run said it would remove is exactly what went.
      const predicted = dry.lines.filter((l) => l.startsWith('would rmdir: ')).map((l) => l.slice('would rmdir: '.length)).sort();
      const gone = before.filter((d) => !after.includes(d)).sort();
      assert.deepEqual(predicted, gone);
      // And that is what this tree calls for, in both hierarchies: every orphan's cgroup, the nested
      // pod whole (parents whose children go), except the busy container, its pod, and the pod
      // that gained a child; the live pod and its known container stay.
      const expectGone = [
        `${pod('besteffort', POD_NESTED)}`,
        `${pod('besteffort', POD_NESTED)}/${hex('a')}`,
        `${pod('besteffort', POD_NESTED)}/${hex('a')}/deep`,
        `${pod('besteffort', POD_NESTED)}/${hex('a')}/deep/deeper`,
        `${pod('besteffort', POD_NESTED)}/${hex('b')}`,
        `${pod('burstable', POD_BUSY)}/${hex('d')}`,
        `${pod('burstable', POD_LATE)}/${hex('e')}`,
        `${pod('burstable', POD_LIVE)}/${hex('9')}`,
      ];
      assert.deepEqual(gone, pair.flatMap((b) => expectGone.map((rel) => join(b.root, rel))).sort());
      assert.deepEqual(summary(applied.out), [0, 2 * expectGone.length, 6]);
      // cgroup2 says populated, v1 (no cgroup.events) has a child left: the same decision, each said.
      assert.ok(applied.lines.includes(`SKIP (populated): ${join(pair[0]!.root, pod('burstable', POD_BUSY))}`), applied.out);
      assert.ok(applied.lines.includes(`SKIP (has child cgroups): ${join(pair[1]!.root, pod('burstable', POD_BUSY))}`), applied.out);
      assert.ok(applied.lines.includes(`SKIP (has child cgroups): ${join(pair[0]!.root, pod('burstable', POD_LATE))}`), applied.out);
      assert.equal(applied.status, 1, 'cgroups were skipped, and the exit status says so');
      assert.ok(statSync(join(pair[0]!.root, `${pod('burstable', POD_LIVE)}/${hex('f')}`)).isDirectory());
    });
  }
});
