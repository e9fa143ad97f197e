import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { inspectCgroups } from '../../src/core/inspect/inspectCgroups';
import { LocalTransport } from '../../src/core/transport/local';
import { SshTransport } from '../../src/core/transport/ssh/sshTransport';
import type { Transport } from '../../src/core/transport/transport';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';
import { hostBlock, ScriptedInteraction, SshLab, sshdMissing, TestSshd } from '../support/sshd';
import { toolchains } from '../support/toolchains';

/**
 * A cgroup name is any bytes but '/' and NUL; an argv word is UTF-8 text on its way through
 * Node's spawn and an SSH exec request. The process program gets its directories as hex of their
 * bytes, so a name that is not UTF-8 (or is UTF-8 beyond ASCII, which a byte string would
 * otherwise double-encode) reaches the node byte for byte, locally, under each shell/awk, and
 * over SSH. Real cgroups, real processes.
 */
describe('inspect: cgroup names that are not plain text reach the node as bytes', function () {
  this.timeout(120_000);
  const v2 = cgroupMounts().v2;
  let box: CgroupSandbox | undefined;
  const procs: ChildProcess[] = [];
  /** Each cgroup as a byte string (model/bytes.ts) and the pid placed in it. */
  const cgroups: { dir: string; pid: number }[] = [];
  const NAMES: Buffer[] = [
    Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x2d, 0x75, 0x74, 0x66]), // "bad\xff\xfe-utf": not UTF-8
    Buffer.from('café-ünïcode', 'utf8'), // UTF-8 beyond ASCII
    // Option-like, quotes, $( ), a printf format, a backslash, a tab (the kernel refuses a newline).
    Buffer.from("-n it's $(touch pwned) %s\\n\tx", 'utf8'),
  ];

  before(async function () {
    needs(this, v2 ? cgroupMissing(v2) : 'no cgroup2 mount');
    box = CgroupSandbox.create(v2!, 'inspectnames');
    for (const name of NAMES) {
      const dir = Buffer.concat([Buffer.from(box.root + '/'), name]);
      mkdirSync(dir);
      const child = spawn('sleep', ['3600'], { stdio: 'ignore' });
      procs.push(child);
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      writeFileSync(Buffer.concat([dir, Buffer.from('/cgroup.procs')]), `${child.pid}\n`);
      cgroups.push({ dir: dir.toString('latin1'), pid: child.pid! });
    }
  });

  after(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => (p.exitCode !== null || p.signalCode !== null ? undefined : new Promise((r) => p.once('exit', r)))));
    await box?.cleanup();
  });

  async function expectAll(t: Transport): Promise<void> {
    const r = await inspectCgroups(t, cgroups.map((c) => c.dir));
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.deepEqual(r.value.unreadable, []);
    const got = r.value.processes.map((p) => [p.cgroupDir, p.pid]).sort();
    assert.deepEqual(got, cgroups.map((c) => [c.dir, c.pid]).sort());
    for (const d of [homedir(), process.cwd(), '/', box!.root]) assert.equal(existsSync(join(d, 'pwned')), false, `no name ran as a command (${d})`);
  }

  it('locally, with the machine default sh and awk', async () => {
    await expectAll(new LocalTransport());
  });

  for (const tc of toolchains()) {
    it(`locally under ${tc.name}`, async function () {
      needs(this, tc.missing);
      await expectAll(new LocalTransport(tc.env()));
    });
  }

  it('recursively below the sandbox: the directories found on the node come back as the same bytes', async () => {
    const r = await inspectCgroups(new LocalTransport(), [box!.root], { recursive: true });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.deepEqual(r.value.processes.map((p) => [p.cgroupDir, p.pid]).sort(), cgroups.map((c) => [c.dir, c.pid]).sort());
  });

  it('a directory that is gone is reported by its exact bytes', async () => {
    const gone = Buffer.concat([Buffer.from(box!.root + '/'), Buffer.from([0x67, 0x6f, 0x6e, 0x65, 0xff])]).toString('latin1');
    const r = await inspectCgroups(new LocalTransport(), [gone]);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.deepEqual(r.value.unreadable, [{ dir: gone, what: 'vanished' }]);
  });

  describe('over SSH (sshd on loopback)', () => {
    let lab: SshLab | undefined;
    let sshd: TestSshd | undefined;
    let ssh: SshTransport | undefined;

    before(async function () {
      needs(this, sshdMissing());
      lab = new SshLab();
      sshd = await TestSshd.start(lab, 'inspectnames');
      lab.write('known_hosts', `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic()}\n`);
      const cfg = lab.write('n.config', hostBlock('node', { port: sshd.port, identityFile: lab.userKey, knownHosts: lab.path('known_hosts') }));
      ssh = new SshTransport({ alias: 'node', configFile: cfg, interaction: new ScriptedInteraction() });
    });

    after(async () => {
      ssh?.dispose();
      await sshd?.stop();
      lab?.remove();
    });

    it('lists the processes of every oddly named cgroup', async () => {
      await expectAll(ssh!);
    });
  });
});
