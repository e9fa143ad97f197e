import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';
import { hostBlock, SshLab, sshdMissing, TestSshd } from '../support/sshd';

// One connection per CLI run, whatever the command does: every step (snapshot, facts, evidence,
// the processes left in orphans) travels over the run's one SSH connection, so a host that asks
// for a password asks once. Counted where it cannot be faked: the real sshd's log of accepted
// authentications.
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');
const UID = '3f1e2d4c-5b6a-4789-8a0b-1c2d3e4f5a6b';

describe('the built CLI over SSH: one connection per run', function () {
  this.timeout(120_000);
  const v2 = cgroupMounts().v2;
  let lab: SshLab | undefined;
  let sshd: TestSshd | undefined;
  let box: CgroupSandbox | undefined;
  let work: string | undefined;
  let cfg: string;

  before(async function () {
    needs(this, sshdMissing() ?? (v2 ? cgroupMissing(v2) : 'no cgroup2 mount'));
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
    lab = new SshLab();
    // Sessions get a HOME of the test's own (root's ~/.bashrc here runs pyenv: see sshScan.test.ts).
    mkdirSync(lab.path('home'), { recursive: true });
    sshd = await TestSshd.start(lab, 'once', { config: [`SetEnv HOME=${lab.path('home')}`] });
    lab.write('known_hosts', `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic()}\n`);
    cfg = lab.write('once.config', hostBlock('node', { port: sshd.port, identityFile: lab.userKey, knownHosts: lab.path('known_hosts') }));
    // An orphaned pod cgroup with a process in it: `orphans` then also lists the processes left.
    box = CgroupSandbox.create(v2!, 'oneconn');
    await box.spawnIn(`kubepods/burstable/pod${UID}/leftover`);
    work = mkdtempSync(join(tmpdir(), 'cf-oneconn-'));
    mkdirSync(join(work, 'kubelet', 'pods'), { recursive: true }); // kubelet knows no pod here
  });

  after(async () => {
    await box?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
    await sshd?.stop();
    lab?.remove();
  });

  const count = (re: RegExp): number => (sshd!.logText.match(new RegExp(re.source, 'gm')) ?? []).length;

  /** Runs the CLI against the test host; resolves once sshd has logged every connection's end. */
  async function logins(args: string[]): Promise<{ code: number | null; stderr: string; accepted: number }> {
    const before = count(/Accepted publickey for root/);
    const closedBefore = count(/Disconnected from user root/);
    const node = ['--host', 'node', '--ssh-config', cfg!, '--cgroup-root', box!.root, '--kubelet-dir', join(work!, 'kubelet'), '--containerd-address', join(work!, 'no.sock'), '--grace', '0', '--no-kube'];
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [cli, ...args, ...node], { encoding: 'utf8', maxBuffer: 1 << 26 }, (err, _stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr });
      });
    });
    const accepted = (): number => count(/Accepted publickey for root/) - before;
    // The log arrives through sshd's stderr pipe: wait until every connection of the run was logged closed.
    const end = Date.now() + 10_000;
    while (Date.now() < end && (accepted() === 0 || count(/Disconnected from user root/) - closedBefore < accepted())) await new Promise((w) => setTimeout(w, 20));
    return { ...r, accepted: accepted() };
  }

  it('orphans --host: snapshot, facts and the processes left in orphans over one connection', async () => {
    const r = await logins(['orphans']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.accepted, 1, `sshd accepted ${r.accepted} authentications for one run:\n${sshd!.logText}`);
  });

  it('evidence --host: snapshot, facts and evidence over one connection', async () => {
    const r = await logins(['evidence', '--since', '1h']);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    assert.equal(r.accepted, 1, `sshd accepted ${r.accepted} authentications for one run`);
  });

  it('fix cleanup --host: snapshot and facts over one connection', async () => {
    const r = await logins(['fix', 'cleanup']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.accepted, 1, `sshd accepted ${r.accepted} authentications for one run`);
  });
});
