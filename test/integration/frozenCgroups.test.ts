import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/core/analysis/forensics';
import { runcHasFrozenInitMitigation } from '../../src/core/analysis/frozen';
import { interpretFacts } from '../../src/core/facts/nodeFacts';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { cgroupMissing, cgroupMounts, needs, toolMissing } from '../support/prereq';
import { evidenceLines } from '../../src/core/analysis/evidence';

// Cgroups frozen for real (the v1 freezer's freezer.state, the v2 cgroup.freeze), each inside a
// sandbox of the test's own, scanned by the real probe through the built CLI and the core API.
// Every frozen cgroup is thawed in after(), before its processes are killed and the sandbox removed:
// on v1 a frozen process does not die, so the sandbox could not be removed otherwise.
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');
const mounts = cgroupMounts();
const freezerMount = mounts.v1.get('freezer');
const uid = (): string => {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
const cid = (): string => randomBytes(32).toString('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const read = (f: string): string => readFileSync(f, 'utf8').trim();

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); ) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Thaws every frozen cgroup below dir (parents first), v1 and v2 alike. Errors are collected, not thrown. */
function thawAll(dir: string, errors: string[] = []): string[] {
  if (!existsSync(dir)) return errors;
  try {
    if (existsSync(join(dir, 'freezer.state')) && read(join(dir, 'freezer.state')) !== 'THAWED') writeFileSync(join(dir, 'freezer.state'), 'THAWED');
    if (existsSync(join(dir, 'cgroup.freeze')) && read(join(dir, 'cgroup.freeze')) !== '0') writeFileSync(join(dir, 'cgroup.freeze'), '0');
  } catch (e) {
    errors.push(`${dir}: ${String(e)}`);
  }
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) thawAll(join(dir, e.name), errors);
  return errors;
}

function processState(pid: number): string | undefined {
  try {
    return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined; // gone
  }
}

interface JsonFinding {
  kind: string;
  severity: string;
  title: string;
  evidence: string[];
  cgroups: { hierarchy: string; path: string; dir: string }[];
  containerId?: string;
  processes?: number;
  processList?: { pid: number; state: string; comm: string }[];
}

describe('frozen cgroups on the real kernel', function () {
  this.timeout(120_000);

  describe('cgroup v1 freezer: freezer.state FROZEN', () => {
    let box: CgroupSandbox | undefined;
    const podUid = uid();
    const id = cid();
    const pod = `kubepods/burstable/pod${podUid}`;
    const ctr = `${pod}/${id}`;
    let pid = 0;

    before(async function () {
      needs(this, freezerMount ? cgroupMissing(freezerMount) : 'no v1 freezer hierarchy mounted');
      if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
      box = CgroupSandbox.create(freezerMount!, 'frozen1');
      box.mkdir(`${ctr}/inner`);
      box.mkdir('paused'); // frozen on purpose, outside kubepods
      pid = await box.spawnIn(ctr);
      writeFileSync(join(box.root, ctr, 'freezer.state'), 'FROZEN');
      writeFileSync(join(box.root, 'paused', 'freezer.state'), 'FROZEN');
      await until('the container cgroup to freeze', () => read(join(box!.root, ctr, 'freezer.state')) === 'FROZEN');
    });

    after(async () => {
      if (!box) return;
      const errors = thawAll(box.root);
      await box.cleanup();
      assert.deepEqual(errors, []);
    });

    it('scan --json records the freezer state of every cgroup: FROZEN for the frozen one and the cgroup below it, thawed elsewhere', () => {
      const r = spawnSync(process.execPath, [cli, 'scan', '--json', '--cgroup-root', box!.root], { encoding: 'utf8', maxBuffer: 1 << 26 });
      assert.equal(r.status, 0, r.stderr);
      const j = JSON.parse(r.stdout) as { hierarchies: { name: string; columns: string[]; cgroups: unknown[][] }[] };
      assert.equal(j.hierarchies.length, 1);
      const h = j.hierarchies[0]!;
      assert.equal(h.name, 'freezer');
      const at = h.columns.indexOf('frozen');
      const name = h.columns.indexOf('name');
      const byName = new Map(h.cgroups.map((row) => [row[name] as string, row[at]]));
      assert.deepEqual(
        ['', 'kubepods', `pod${podUid}`, id, 'inner', 'paused'].map((n) => byName.get(n)),
        [0, 0, 0, 1, 1, 1],
      );
    });

    it('orphans --json reports the frozen container with the line read, its stopped process and the runc verdict for this machine\'s runc', function () {
      const r = spawnSync(process.execPath, [cli, 'orphans', '--json', '--cgroup-root', box!.root, '--grace', '0'], { encoding: 'utf8', maxBuffer: 1 << 26 });
      assert.equal(r.status, 1, `exit 1 on findings: ${r.stderr}`);
      const j = JSON.parse(r.stdout) as { findings: JsonFinding[]; rootCause?: string };
      const frozen = j.findings.filter((f) => f.kind === 'frozen-cgroup');
      assert.deepEqual(frozen.map((f) => f.cgroups[0]!.dir).sort(), [join(box!.root, ctr), join(box!.root, 'paused')], 'the top of each frozen subtree; not "inner"');
      const c = frozen.find((f) => f.containerId === id)!;
      assert.equal(c.severity, 'critical');
      assert.equal(c.evidence[0], `${join(box!.root, ctr)}/freezer.state: FROZEN`);
      assert.equal(c.processes, 1);
      // The CLI lists what is in it: the frozen sleep, in uninterruptible sleep (the freezer's "D").
      assert.deepEqual(c.processList?.map((p) => [p.pid, p.comm, p.state]), [[pid, 'sleep', 'D']]);
      const paused = frozen.find((f) => f.containerId === undefined)!;
      assert.equal(paused.severity, 'info');
      assert.match(paused.title, /outside Kubernetes/);
      // The runc verdict is for the runc this machine has (Debian's runc package).
      needs(this, toolMissing('runc'));
      const version = /runc version (\S+)/.exec(execFileSync('runc', ['--version'], { encoding: 'utf8' }))![1]!;
      const verdict = runcHasFrozenInitMitigation(version) ? `runc ${version} carries the mitigation` : `runc ${version} does not carry the mitigation`;
      assert.ok(c.evidence.some((e) => e.startsWith(verdict)), c.evidence.join('\n'));
    });

    it('what the finding says holds on this kernel: SIGKILL does not kill the frozen process, rmdir is EBUSY, the printed thaw command frees both', async () => {
      process.kill(pid, 'SIGKILL');
      await sleep(300);
      assert.equal(processState(pid), 'D', 'still there, frozen');
      rmdirSync(join(box!.root, ctr, 'inner')); // an empty frozen cgroup can be removed
      assert.throws(() => rmdirSync(join(box!.root, ctr)), /EBUSY/);
      const r = await takeSnapshot(new LocalTransport(), { cgroupRoot: box!.root });
      assert.ok(r.ok);
      const f = analyze(r.value, interpretFacts({ found: [], missing: [] }), { graceSeconds: 0 }).findings.find((x) => x.kind === 'frozen-cgroup' && x.containerId === id)!;
      // The operator's command, run by sh exactly as the finding prints it.
      const thaw = evidenceLines(f).find((e) => e.startsWith('what to do: thaw it: '))!.slice('what to do: thaw it: '.length);
      assert.equal(thaw, `echo THAWED > ${join(box!.root, ctr)}/freezer.state`);
      execFileSync('sh', ['-c', thaw]);
      await until('the killed process to die once thawed', () => processState(pid) === undefined || processState(pid) === 'Z');
      await until('the cgroup to empty', () => read(join(box!.root, ctr, 'cgroup.procs')) === '');
      rmdirSync(join(box!.root, ctr));
      const again = await takeSnapshot(new LocalTransport(), { cgroupRoot: box!.root });
      assert.ok(again.ok);
      const left = analyze(again.value, interpretFacts({ found: [], missing: [] }), { graceSeconds: 0 }).findings.filter((x) => x.kind === 'frozen-cgroup');
      assert.deepEqual(left.map((x) => x.cgroups[0]!.dir), [join(box!.root, 'paused')]);
    });
  });

  describe('cgroup v2: cgroup.freeze 1, cgroup.events frozen 1', () => {
    let box: CgroupSandbox | undefined;
    const podUid = uid();
    const id = cid();
    const ctr = `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${podUid.replace(/-/g, '_')}.slice/cri-containerd-${id}.scope`;
    let pid = 0;

    before(async function () {
      needs(this, mounts.v2 ? cgroupMissing(mounts.v2) : 'no cgroup2 mount');
      box = CgroupSandbox.create(mounts.v2!, 'frozen2');
      pid = await box.spawnIn(ctr);
      // The v2 freezer is part of the core (Linux 5.2+): it works in the unified hierarchy of a
      // hybrid layout too, whatever controllers it has.
      writeFileSync(join(box.root, ctr, 'cgroup.freeze'), '1');
      await until('cgroup.events to say frozen 1', () => /^frozen 1$/m.test(readFileSync(join(box!.root, ctr, 'cgroup.events'), 'utf8')));
    });

    after(async () => {
      if (!box) return;
      const errors = thawAll(box.root);
      await box.cleanup();
      assert.deepEqual(errors, []);
    });

    it('the core API reads it, the finding is a warning with the line read; SIGKILL kills a frozen v2 process and the empty frozen cgroup can be removed, as it says', async () => {
      const r = await takeSnapshot(new LocalTransport(), { cgroupRoot: box!.root });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      const h = r.value.hierarchies[0]!;
      assert.equal(h.kind, 'v2');
      assert.equal(h.tree.stat('frozen', h.tree.find(`/${ctr}`)!), 1);
      assert.equal(h.tree.stat('frozen', h.tree.find('/kubepods.slice')!), 0);
      const fs = analyze(r.value, interpretFacts({ found: [], missing: [] }), { graceSeconds: 0 }).findings.filter((x) => x.kind === 'frozen-cgroup');
      assert.equal(fs.length, 1);
      const f = fs[0]!;
      assert.equal(f.severity, 'warning');
      assert.equal(f.containerId, id);
      assert.equal(evidenceLines(f)[0], `${join(box!.root, ctr)}/cgroup.events: frozen 1`);
      assert.ok(evidenceLines(f).includes(`what to do: thaw it: echo 0 > ${join(box!.root, ctr)}/cgroup.freeze`));
      process.kill(pid, 'SIGKILL');
      await until('the frozen process to die on SIGKILL', () => processState(pid) === undefined || processState(pid) === 'Z');
      await until('the cgroup to empty', () => read(join(box!.root, ctr, 'cgroup.procs')) === '');
      assert.match(readFileSync(join(box!.root, ctr, 'cgroup.events'), 'utf8'), /^frozen 1$/m, 'still frozen, and empty');
      rmdirSync(join(box!.root, ctr));
    });
  });
});
