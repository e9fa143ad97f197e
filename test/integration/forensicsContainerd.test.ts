import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/analysis/forensics';
import type { Finding } from '../../src/core/analysis/finding';
import { gatherFacts } from '../../src/core/facts/gatherFacts';
import type { RuntimeFacts } from '../../src/core/facts/nodeFacts';
import { cleanupScript } from '../../src/core/fixes/cleanupScript';
import { inspectCgroups } from '../../src/core/inspect/inspectCgroups';
import type { Snapshot } from '../../src/core/model/snapshot';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { Containerd, containerdMissing } from '../support/containerd';
import { needs } from '../support/prereq';
import { SandboxAllHierarchies } from '../support/sandboxAllHierarchies';

// Real leaks, made by the real runtime: Debian's containerd + runc run busybox containers into
// kubelet-shaped cgroup paths (cgroupfs names, and systemd-style names as plain directories: no
// systemd runs here, so runc's systemd driver cannot be used), in every hierarchy of this hybrid
// machine. There is no kubelet here; containerd's labels are the source of which pods exist.

const LIVE_A = 'aaaaaaaa-0000-4000-8000-00000000000a'; // cgroupfs, burstable, live (containerd B)
const DEAD_B = 'bbbbbbbb-0000-4000-8000-00000000000b'; // cgroupfs, besteffort, containers removed
const CRASH_C = 'cccccccc-0000-4000-8000-00000000000c'; // cgroupfs, guaranteed, containerd A crashed
const YOUNG_D = 'dddddddd-0000-4000-8000-00000000000d'; // cgroupfs, burstable, just made, empty
const LIVE_E = 'eeeeeeee-0000-4000-8000-00000000000e'; // systemd names, burstable, live (containerd B)
const DEAD_F = 'ffffffff-0000-4000-8000-00000000000f'; // systemd names, besteffort, removed
// Container IDs are 64 hex digits; a random part per run keeps runs apart.
const RUN = randomBytes(8).toString('hex');
const cid = (c: string): string => (c + RUN).repeat(4).slice(0, 64);

/** Names a workload (or an attacker) could give cgroups below a pod: data, never shell text. */
const HOSTILE = ['a b', "x'y", '$(touch cf-pwned)', '`touch cf-pwned`', '-rf', 'back\\slash', 'tab\there', 'bad\xff\xfe', '*', '; touch cf-pwned #', '"q"'];

/** out: what the program printed on both streams; stdout alone for what must parse (JSON). */
const exec = (file: string, args: string[], cwd: string): Promise<{ code: number; out: string; stdout: string }> =>
  new Promise((resolve) => {
    execFile(file, args, { cwd, maxBuffer: 1 << 24 }, (e, stdout, stderr) => resolve({ code: e ? Number((e as { code?: number }).code ?? 99) : 0, out: stdout + stderr, stdout }));
  });

/** Every directory below dir (latin1 byte strings relative to dir), as the kernel lists them. */
function listDirs(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: Buffer, rel: string): void => {
    for (const e of readdirSync(abs, { withFileTypes: true, encoding: 'buffer' })) {
      if (!e.isDirectory()) continue;
      const name = (e.name as unknown as Buffer).toString('latin1');
      out.push(`${rel}/${name}`);
      walk(Buffer.concat([abs, Buffer.from('/'), e.name as unknown as Buffer]), `${rel}/${name}`);
    }
  };
  if (existsSync(dir)) walk(Buffer.from(dir, 'latin1'), '');
  return out.sort();
}

describe('forensics against real containerd + runc leaks', function () {
  this.timeout(120_000);
  let a: Containerd | undefined;
  let b: Containerd | undefined;
  let box: SandboxAllHierarchies | undefined;
  let work: string | undefined;

  const SB = (): string => box!.path;
  const cgfsPod = (qos: string, uid: string): string => `${SB()}/kubepods${qos === 'guaranteed' ? '' : `/${qos}`}/pod${uid}`;
  const sdPod = (qos: string, uid: string): string => `${SB()}/kubepods.slice/kubepods-${qos}.slice/kubepods-${qos}-pod${uid.replace(/-/g, '_')}.slice`;
  const sdCtr = (pod: string, id: string): string => `${pod}/cri-containerd-${id}.scope`;

  after(async () => {
    // Runs even when a test failed: containerds and shims killed, sandbox gone everywhere.
    await b?.stop();
    await a?.stop();
    await box?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  let snapshot: Snapshot;
  let facts: RuntimeFacts;
  let findings: Finding[];
  const pids: Record<string, number> = {};

  before(async function () {
    needs(this, containerdMissing());
    box = new SandboxAllHierarchies('forensics');
    work = mkdtempSync(join(tmpdir(), 'cf-forensics-'));

    // Containerd A: pods whose containers are removed, and containers it is running when it crashes.
    a = await Containerd.start('a');
    await a.runContainer(cid('b1'), `${cgfsPod('besteffort', DEAD_B)}/${cid('b1')}`, DEAD_B);
    await a.runContainer(cid('b2'), `${cgfsPod('besteffort', DEAD_B)}/${cid('b2')}`, DEAD_B);
    await a.runContainer(cid('f1'), sdCtr(sdPod('besteffort', DEAD_F), cid('f1')), DEAD_F);
    pids.crashC = await a.runContainer(cid('c1'), `${cgfsPod('guaranteed', CRASH_C)}/${cid('c1')}`, CRASH_C);
    // A container of a pod that lives on (in containerd B) but that only A knew about.
    pids.lostX = await a.runContainer(cid('a9'), `${cgfsPod('burstable', LIVE_A)}/${cid('a9')}`, LIVE_A);
    for (const c of ['b1', 'b2', 'f1']) await a.removeContainer(cid(c));
    await a.crash();

    // Containerd B, started afresh (its predecessor's state lost): the live pods.
    b = await Containerd.start('b');
    pids.liveA1 = await b.runContainer(cid('a1'), `${cgfsPod('burstable', LIVE_A)}/${cid('a1')}`, LIVE_A);
    pids.liveA2 = await b.runContainer(cid('a2'), `${cgfsPod('burstable', LIVE_A)}/${cid('a2')}`, LIVE_A);
    pids.liveE1 = await b.runContainer(cid('e1'), sdCtr(sdPod('burstable', LIVE_E), cid('e1')), LIVE_E);

    // Hostile names below an orphan (in the pids and v2 hierarchies), and beside the pods (kept).
    const pidsMount = box.mounts.find((m) => m.endsWith('/pids'))!;
    const unified = box.mounts.find((m) => m.endsWith('/unified'))!;
    for (const m of [pidsMount, unified]) {
      for (const n of HOSTILE) mkdirSync(Buffer.from(`${m}${cgfsPod('besteffort', DEAD_B)}/${n}`, 'latin1'));
      mkdirSync(Buffer.from(`${m}${cgfsPod('besteffort', DEAD_B)}/a b/tab\there`, 'latin1'));
      mkdirSync(Buffer.from(`${m}${SB()}/kubepods/besteffort/keep $(touch cf-pwned)`, 'latin1'));
      mkdirSync(Buffer.from(`${m}${SB()}/'; rmdir *'`, 'latin1'));
    }
    // The removed pods were deleted an hour ago; the young pod cgroup was made just now.
    const hourAgo = Date.now() / 1000 - 3600;
    for (const m of box.mounts) {
      for (const pod of [cgfsPod('besteffort', DEAD_B), sdPod('besteffort', DEAD_F)]) {
        const root = `${m}${pod}`;
        for (const rel of ['', ...listDirs(root)]) utimesSync(Buffer.from(root + rel, 'latin1'), hourAgo, hourAgo);
      }
      mkdirSync(`${m}${cgfsPod('burstable', YOUNG_D)}`);
    }

    // Snapshot first, then facts: what the snapshot shows existed before the runtime was asked.
    snapshot = await sandboxSnapshot(box);
    const f = await gatherFacts(new LocalTransport(), { containerdAddress: b.socket, containerdConfig: b.config, kubeletDir: join(work, 'no-kubelet') });
    assert.ok(f.ok, f.ok ? '' : f.error.message);
    facts = f.value;
    findings = analyze(snapshot, facts, { graceSeconds: 600 }).findings;
  });

  it('reads what containerd knows, with the pod UID labels', () => {
    const known = (facts.containerdContainers ?? []).map((c) => `${c.id} ${c.podUid}`).sort();
    assert.deepEqual(known, [`${cid('a1')} ${LIVE_A}`, `${cid('a2')} ${LIVE_A}`, `${cid('e1')} ${LIVE_E}`].sort());
    assert.equal(facts.containerdVersion?.split('.')[0], '1');
    assert.match(facts.runcVersion ?? '', /^\d+\.\d+/);
    assert.ok(facts.raw.missing.some((m) => m.key === 'kubelet-pod'), 'no kubelet pods dir is recorded as missing');
  });

  it('finds exactly the orphaned pods: removed, crashed; not live, not young', () => {
    const orphanPods = findings.filter((x) => x.kind === 'orphaned-pod-cgroup');
    assert.deepEqual(orphanPods.map((x) => x.podUid).sort(), [DEAD_B, CRASH_C, DEAD_F].sort());
    const crash = orphanPods.find((x) => x.podUid === CRASH_C)!;
    assert.equal(crash.processes, 1);
    assert.equal(crash.severity, 'critical');
    const dead = orphanPods.find((x) => x.podUid === DEAD_B)!;
    assert.equal(dead.processes, 0);
    assert.ok(dead.cgroups.every((c) => (c.ageSeconds ?? 0) >= 3500), 'ages come from the directories');
    // Every directory of the orphan in every hierarchy, children before parents.
    const podPath = cgfsPod('besteffort', DEAD_B);
    assert.equal(dead.cgroups.filter((c) => c.path === podPath).length, box!.mounts.length);
    const index = new Map(dead.cgroups.map((c, i) => [`${c.hierarchy} ${c.path}`, i]));
    for (const c of dead.cgroups) {
      if (c.path === podPath) continue;
      const parent = c.path.slice(0, c.path.lastIndexOf('/'));
      assert.ok(index.get(`${c.hierarchy} ${c.path}`)! < index.get(`${c.hierarchy} ${parent}`)!, 'leaf-first');
    }
  });

  it('finds the container cgroup of a live pod that the runtime no longer knows', () => {
    const orphanCtrs = findings.filter((x) => x.kind === 'orphaned-container-cgroup');
    assert.deepEqual(orphanCtrs.map((x) => `${x.podUid} ${x.containerId}`), [`${LIVE_A} ${cid('a9')}`]);
    assert.equal(orphanCtrs[0]!.processes, 1);
  });

  it('sees both driver trees side by side', () => {
    const m = findings.filter((x) => x.kind === 'cgroup-driver-mismatch');
    assert.equal(m.length, 1);
    assert.deepEqual([...new Set(m[0]!.cgroups.map((c) => c.path))].sort(), [`${SB()}/kubepods`, `${SB()}/kubepods.slice`]);
  });

  it('inspects processes: the crashed container reparented to init, the live one under its shim', async () => {
    const unified = box!.mounts.find((m) => m.endsWith('/unified'))!;
    const r = await inspectCgroups(new LocalTransport(), [`${unified}${cgfsPod('guaranteed', CRASH_C)}`, `${unified}${cgfsPod('burstable', LIVE_A)}`], { recursive: true });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const byPid = new Map(r.value.processes.map((p) => [p.pid, p]));
    const crashed = byPid.get(pids.crashC!);
    assert.ok(crashed, 'the crashed container process is listed');
    assert.equal(crashed.ppid, 1);
    assert.equal(crashed.reparentedToInit, true);
    assert.equal(crashed.comm, 'sleep');
    assert.deepEqual(crashed.argv, ['/bin/sleep', '3600']);
    assert.equal(crashed.user, 'root');
    assert.equal(crashed.threads, 1);
    assert.ok(crashed.rssBytes > 0);
    assert.ok(Math.abs(crashed.startTime! - Date.now() / 1000) < 600, 'start time is recent');
    assert.equal(crashed.cgroupDir, `${unified}${cgfsPod('guaranteed', CRASH_C)}/${cid('c1')}`);
    const live = byPid.get(pids.liveA1!);
    assert.ok(live);
    assert.equal(live.reparentedToInit, false);
    assert.ok(b!.shimPids().includes(live.ppid), 'the live container is a child of its shim');
    assert.equal(byPid.get(pids.lostX!)?.reparentedToInit, true);
  });

  it('the CLI: orphans exits 1 with the findings and the leftover processes, 0 on a live container, 5 when it cannot tell', async () => {
    const unified = box!.mounts.find((m) => m.endsWith('/unified'))!;
    const cli = (...args: string[]): Promise<{ code: number; out: string; stdout: string }> =>
      exec('node', ['-r', 'tsx/cjs', '-r', './test/setup/textLoader.cjs', 'src/cli/main.ts', ...args], join(__dirname, '..', '..'));
    const ctrd = ['--containerd-address', b!.socket, '--containerd-config', b!.config, '--kubelet-dir', join(work!, 'no-kubelet')];
    const found = await cli('orphans', '--cgroup-root', `${unified}${SB()}`, ...ctrd);
    assert.equal(found.code, 1, found.out);
    assert.match(found.out, new RegExp(`orphaned pod cgroup ${cgfsPod('guaranteed', CRASH_C)} with 1 leftover process`));
    assert.match(found.out, new RegExp(`pid ${pids.crashC} ppid 1 root S .* REPARENTED-TO-INIT  /bin/sleep 3600`));
    assert.match(found.out, /most likely root cause: kubelet and the container runtime use different cgroup drivers/);
    const json = await cli('orphans', '--json', '--cgroup-root', `${unified}${SB()}`, ...ctrd);
    const parsed = JSON.parse(json.stdout) as { findings: { kind: string; podUid?: string; processList?: { pid: number }[] }[] };
    assert.deepEqual(parsed.findings.filter((f) => f.kind === 'orphaned-pod-cgroup').map((f) => f.podUid).sort(), [DEAD_B, CRASH_C, DEAD_F].sort());
    assert.deepEqual(parsed.findings.find((f) => f.podUid === CRASH_C)!.processList!.map((p) => p.pid), [pids.crashC]);
    const clean = await cli('orphans', '--cgroup-root', `${unified}${cgfsPod('burstable', LIVE_A)}/${cid('a1')}`, ...ctrd);
    assert.equal(clean.code, 0, clean.out);
    assert.match(clean.out, /^no findings$/m);
    const blind = await cli('orphans', '--cgroup-root', `${unified}${SB()}/kubepods`, '--containerd-address', join(work!, 'no.sock'), '--kubelet-dir', join(work!, 'no-kubelet'));
    assert.equal(blind.code, 5, blind.out);
    assert.match(blind.out, /orphans: could not tell: no source of pods could be read/);
    const script = await cli('fix', 'cleanup', '--cgroup-root', `${unified}${SB()}`, ...ctrd);
    assert.equal(script.code, 0, script.out);
    assert.match(script.out, /^#!\/bin\/sh$/m);
    assert.match(script.out, new RegExp(`^rm_cgroup ${unified}${cgfsPod('besteffort', DEAD_B)} `, 'm'));
    const inspect = await cli('inspect', cgfsPod('guaranteed', CRASH_C), '--recursive');
    assert.equal(inspect.code, 0, inspect.out);
    assert.match(inspect.out, new RegExp(`pid ${pids.crashC} ppid 1 .*REPARENTED-TO-INIT`));
    assert.match(inspect.out, new RegExp(`in container ${cid('c1').slice(0, 12)} \\(unknown\\) of pod ${CRASH_C}`));
  });

  it('the cleanup script removes exactly the orphans, re-checking each, and runs no name', async () => {
    const doc = cleanupScript(findings, { allowedRoots: box!.mounts });
    const script = join(work!, 'cleanup.sh');
    writeFileSync(script, doc.content);
    const listing = (): string[] => box!.mounts.flatMap((m) => listDirs(`${m}${SB()}`).map((d) => `${m} ${d}`));
    const before = listing();
    const orphanDirs = (pod: string): string[] => before.filter((l) => l.includes(` ${pod.slice(SB().length)}`));
    const expected = (gone: string[]): string[] => before.filter((l) => !gone.includes(l));

    const dry = await exec('sh', [script], work!);
    assert.deepEqual(listing(), before, 'the dry run changes nothing');
    assert.match(dry.out, /would rmdir/);
    assert.match(dry.out, /SKIP \(has processes\)/);

    const first = await exec('sh', [script, '--apply'], work!);
    assert.equal(first.code, 1, `cgroups with processes are skipped, and said so:\n${first.out}`);
    const goneFirst = [...orphanDirs(cgfsPod('besteffort', DEAD_B)), ...orphanDirs(sdPod('besteffort', DEAD_F))];
    assert.ok(goneFirst.length > 2 * box!.mounts.length);
    assert.deepEqual(listing(), expected(goneFirst), first.out);

    // Once the leftover processes are gone, the same script removes the rest.
    process.kill(pids.crashC!, 'SIGKILL');
    process.kill(pids.lostX!, 'SIGKILL');
    for (let i = 0; i < 100; i++) {
      const left = box!.dirs(cgfsPod('guaranteed', CRASH_C).slice(SB().length)).some((d) => readFileSync(`${d}/${cid('c1')}/cgroup.procs`, 'utf8') !== '');
      if (!left) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const second = await exec('sh', [script, '--apply'], work!);
    assert.equal(second.code, 0, second.out);
    const lostX = `${cgfsPod('burstable', LIVE_A)}/${cid('a9')}`.slice(SB().length);
    const goneAll = [...goneFirst, ...orphanDirs(cgfsPod('guaranteed', CRASH_C)), ...before.filter((l) => l.endsWith(` ${lostX}`))];
    assert.deepEqual(listing(), expected(goneAll), second.out);
    assert.equal(existsSync(join(work!, 'cf-pwned')), false, 'no name was run as a command');
    // The live pods, the young pod and the hostile names beside the pods are all still there.
    for (const keep of [cgfsPod('burstable', LIVE_A), `${cgfsPod('burstable', LIVE_A)}/${cid('a1')}`, sdPod('burstable', LIVE_E), cgfsPod('burstable', YOUNG_D)]) {
      for (const d of box!.dirs(keep.slice(SB().length))) assert.ok(existsSync(d), d);
    }
  });
});

/** One snapshot of the sandbox in every hierarchy: a --cgroup-root walk of each, merged. */
async function sandboxSnapshot(box: SandboxAllHierarchies): Promise<Snapshot> {
  let merged: Snapshot | undefined;
  for (const dir of box.dirs()) {
    if (!existsSync(dir)) continue;
    const r = await takeSnapshot(new LocalTransport(), { cgroupRoot: dir });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    if (!merged) merged = r.value;
    else merged.hierarchies.push(...r.value.hierarchies.map((h) => ({ ...h, id: merged!.hierarchies.length + 1 })));
  }
  return merged!;
}
