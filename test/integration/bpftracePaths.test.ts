import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { bpftraceScript } from '../../src/core/fixes/monitoring';
import { LocalTransport } from '../../src/core/transport/local';
import type { Transport } from '../../src/core/transport/transport';
import { traceLiveChurn } from '../../src/core/trends/liveChurn';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { cgroupMissing, cgroupMounts, needs, toolMissing } from '../support/prereq';

// bpftrace keys must be whole cgroup paths: bpftrace cuts strings at 64 bytes by default (before
// 0.23), so every burstable pod would count under "/kubepods.slice/kubepods-burstable.slice/kubepods-b".
// Checked with the real bpftrace (Debian's 0.17 here) on the real cgroup tracepoints, with tracefs
// mounted in a mount namespace of the test's own, while the test makes kubelet-shaped cgroups in
// its sandbox whose paths are longer than 64 bytes and differ only after byte 64.

const PRIVATE_TRACEFS = 'mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing; exec "$@"';
const POD_A = 'kubepods-burstable-pod0a1b2c3d_0000_4000_8000_00000000000a.slice';
const POD_B = 'kubepods-burstable-pod0a1b2c3d_0000_4000_8000_00000000000b.slice';

function prereq(ctx: Mocha.Context): string {
  const v2 = cgroupMounts().v2;
  needs(ctx, process.getuid?.() !== 0 ? 'needs root for bpftrace' : toolMissing('bpftrace') ?? toolMissing('unshare') ?? (v2 === undefined ? 'no cgroup2 mount' : cgroupMissing(v2)));
  return v2!;
}

/** Runs bpftrace FILE in a private mount namespace while `during` runs; resolves with all it printed. */
async function traced(file: string, env: Record<string, string>, during: () => Promise<void>): Promise<string> {
  const child = spawn('unshare', ['-m', 'sh', '-c', PRIVATE_TRACEFS, 'sh', 'bpftrace', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    for (let i = 0; i < 200 && !out.includes('Attaching'); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    await during();
    await exited;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  return out;
}

describe('bpftrace keys are whole cgroup paths', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cf-bt-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("bpftrace's dry run (-d on 0.17) accepts the script as its header says to run it", function () {
    prereq(this);
    const bt = join(dir, 'churn.bt');
    writeFileSync(bt, bpftraceScript().content);
    const r = spawnSync('unshare', ['-m', 'sh', '-c', PRIVATE_TRACEFS, 'sh', 'bpftrace', '-d', bt], { encoding: 'utf8', env: { ...process.env, BPFTRACE_STRLEN: '200' }, maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    // A misspelt field fails the same dry run: the check can fail.
    writeFileSync(bt, bpftraceScript().content.replace('args->path', 'args->pth'));
    const bad = spawnSync('unshare', ['-m', 'sh', '-c', PRIVATE_TRACEFS, 'sh', 'bpftrace', '-d', bt], { encoding: 'utf8', env: { ...process.env, BPFTRACE_STRLEN: '200' }, maxBuffer: 64 << 20 });
    assert.notEqual(bad.status, 0);
  });

  it('counts two pod cgroups whose paths differ only after byte 64 apart (and the default 64 bytes would not)', async function () {
    const v2 = prereq(this);
    const bt = join(dir, 'churn-4s.bt');
    writeFileSync(bt, bpftraceScript().content + '\ninterval:s:4 { exit(); }\n');
    const run = async (env: Record<string, string>): Promise<{ out: string; a: string; b: string }> => {
      const box = CgroupSandbox.create(v2, 'btpath');
      const base = `/${basename(box.root)}/kubepods.slice/kubepods-burstable.slice`;
      const a = `${base}/${POD_A}`;
      const b = `${base}/${POD_B}`;
      try {
        const out = await traced(bt, env, async () => {
          box.mkdir(`kubepods.slice/kubepods-burstable.slice/${POD_A}`);
          box.mkdir(`kubepods.slice/kubepods-burstable.slice/${POD_B}`);
          await box.cleanup();
        });
        return { out, a, b };
      } finally {
        await box.cleanup();
      }
    };
    const whole = await run({ BPFTRACE_STRLEN: '200' });
    assert.ok(whole.a.length > 64 && whole.a.slice(0, 64) === whole.b.slice(0, 64) && whole.a.length < 200, `${whole.a.length}`);
    for (const p of [whole.a, whole.b]) {
      assert.match(whole.out, new RegExp(`@mkdir\\[0, ${p.replace(/[.]/g, '\\.')}\\]: 1\\n`), whole.out);
      assert.match(whole.out, new RegExp(`@rmdir\\[0, ${p.replace(/[.]/g, '\\.')}\\]: 1\\n`), whole.out);
    }
    // Without the header's setting, bpftrace 0.17 cuts both at 63 bytes and counts them as one:
    // the bug this guards against, shown on the same bpftrace.
    const cut = await run({});
    const prefix = cut.a.slice(0, 63).replace(/[.]/g, '\\.');
    assert.match(cut.out, new RegExp(`@mkdir\\[0, ${prefix}\\]: \\d+\\n`), cut.out);
    assert.doesNotMatch(cut.out, new RegExp(POD_A.replace(/[.]/g, '\\.')));
  });

  it('the live churn tracer sizes its strings from the node\'s bpftrace: paths past byte 64 stay apart', async function () {
    const v2 = prereq(this);
    const local = new LocalTransport();
    const withTracefs: Transport = {
      label: 'local (private tracefs)',
      run: (req) => local.run({ ...req, argv: ['unshare', '-m', 'sh', '-c', PRIVATE_TRACEFS, 'sh', ...req.argv] }),
      dispose: () => undefined,
    };
    const box = CgroupSandbox.create(v2, 'btlive');
    // Containers are made in both pods all along the trace, so some fall inside it whatever the attach time.
    let i = 0;
    const timer = setInterval(() => {
      for (const pod of [POD_A, POD_B]) box.mkdir(`kubepods.slice/kubepods-burstable.slice/${pod}/c${i}`);
      i++;
    }, 100);
    try {
      const r = await traceLiveChurn(withTracefs, 4);
      clearInterval(timer);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      const base = `/${basename(box.root)}/kubepods.slice/kubepods-burstable.slice`;
      const rows = r.value.byParent.filter((x) => x.key.startsWith(base));
      const a = rows.find((x) => x.key === `${base}/${POD_A}`);
      const b = rows.find((x) => x.key === `${base}/${POD_B}`);
      assert.ok(a && b, JSON.stringify(rows));
      assert.ok(a.made >= 5 && Math.abs(a.made - b.made) <= 1, JSON.stringify(rows));
      // No row under a cut key: every record's parent is a whole pod path.
      assert.ok(rows.filter((x) => x.key.includes('-pod')).every((x) => x.key === a.key || x.key === b.key), JSON.stringify(rows));
    } finally {
      clearInterval(timer);
      await box.cleanup();
    }
  });
});
