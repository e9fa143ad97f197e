import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Snapshot } from '../../src/core/model/snapshot';
import { snapshotFromJson } from '../../src/core/model/snapshotJson';
import { takeSnapshot } from '../../src/core/scan';
import { shellCommand } from '../../src/core/shellQuote';
import { LocalTransport } from '../../src/core/transport/local';
import { SshTransport } from '../../src/core/transport/ssh/sshTransport';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { normaliseSnapshot } from '../support/normalise';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';
import { hostBlock, ScriptedInteraction, SshLab, sshdMissing, TestSshd } from '../support/sshd';

// The same real cgroup tree scanned locally and over SSH (the library and the CLI) must give
// the same snapshot: the transport changes how the probe travels, never what it sees.
const repo = join(__dirname, '..', '..');

/**
 * normaliseSnapshot without what moves between two scans for reasons outside the tree: load,
 * uptime, and /proc/cgroups counts (machine-wide; any other work on the machine changes them).
 */
function comparable(s: Snapshot): unknown {
  const n = normaliseSnapshot(s) as { node: Record<string, unknown>; procCgroups: Record<string, unknown>[] };
  // Load, uptime and the kernel's memory figures (meminfo) move between two scans of the same tree.
  return { ...n, node: { ...n.node, loadavg: undefined, uptimeSeconds: undefined, meminfo: undefined }, procCgroups: n.procCgroups.map((r) => ({ ...r, numCgroups: undefined })) };
}
const cli = join(repo, 'dist', 'cli.js');

describe('ssh: scanning a node', function () {
  this.timeout(120_000);
  const mounts = cgroupMounts();
  let lab: SshLab;
  let sshd: TestSshd;
  let box: CgroupSandbox;
  let cfg: string;
  let knownHosts: string;
  /** A walk root whose name needs quoting on its way through the remote shell. */
  let walkRoot: string;

  before(async function () {
    needs(this, sshdMissing() ?? (mounts.v2 ? cgroupMissing(mounts.v2) : 'no cgroup2 mount'));
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
    lab = new SshLab();
    // Sessions get a HOME of the test's own: root's ~/.bashrc here runs pyenv, whose rehash waits
    // 60 s on a lock that sshResilience's killed sessions may leave (see the e2e test).
    mkdirSync(lab.path('home'), { recursive: true });
    sshd = await TestSshd.start(lab, 'scan', { config: [`SetEnv HOME=${lab.path('home')}`] });
    knownHosts = lab.path('known_hosts');
    cfg = lab.write('scan.config', [hostBlock('node', { port: sshd.port, identityFile: lab.userKey, knownHosts }), hostBlock('fresh', { port: sshd.port, identityFile: lab.userKey, knownHosts: lab.path('fresh_known_hosts') })].join('\n'));
    lab.write('known_hosts', `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic()}\n`);
    box = CgroupSandbox.create(mounts.v2!, 'sshscan');
    const top = `it's a "tree" $(x) ;`;
    for (let p = 0; p < 6; p++) {
      const pod = `${top}/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${randomBytes(16).toString('hex')}.slice`;
      box.mkdir(`${pod}/cri-containerd-${randomBytes(32).toString('hex')}.scope`);
      box.mkdir(`${pod}/cri-containerd-${randomBytes(32).toString('hex')}.scope`);
    }
    await box.spawnIn(`${top}/kubepods.slice`);
    walkRoot = join(box.root, top);
  });

  after(async () => {
    await box?.cleanup();
    await sshd?.stop();
    lab?.remove();
  });

  it('takeSnapshot over SSH equals the local snapshot of the same real tree', async () => {
    const local = await takeSnapshot(new LocalTransport(), { cgroupRoot: walkRoot });
    const t = new SshTransport({ alias: 'node', configFile: cfg, interaction: new ScriptedInteraction() });
    try {
      const remote = await takeSnapshot(t, { cgroupRoot: walkRoot });
      assert.ok(local.ok && remote.ok, `${local.ok ? '' : local.error.message} ${remote.ok ? '' : remote.error.message}`);
      assert.equal(remote.value.source.transport, 'ssh node');
      assert.equal(remote.value.hierarchies[0]!.tree.size, 1 + 2 + 6 * 3);
      assert.deepEqual(comparable(remote.value), comparable(local.value));
    } finally {
      t.dispose();
    }
  });

  it('cgroup-forensics scan --json --host ALIAS --ssh-config FILE equals the local scan', () => {
    const run = (args: string[]) => spawnSync(process.execPath, [cli, 'scan', '--json', '--cgroup-root', walkRoot, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const local = run([]);
    const remote = run(['--host', 'node', '--ssh-config', cfg]);
    assert.equal(local.status, 0, local.stderr);
    assert.equal(remote.status, 0, remote.stderr);
    assert.equal(remote.stderr, '');
    assert.deepEqual(comparable(snapshotFromJson(remote.stdout)), comparable(snapshotFromJson(local.stdout)));
  });

  it('CLI: an unknown host is refused when there is no terminal to ask on, and --accept-new records it', () => {
    const fresh = lab.path('fresh_known_hosts');
    const refused = spawnSync(process.execPath, [cli, 'scan', '--host', 'fresh', '--ssh-config', cfg, '--cgroup-root', walkRoot], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(refused.status, 4, refused.stderr);
    assert.match(refused.stderr, /The authenticity of host '\[127\.0\.0\.1\]:\d+' can't be established/);
    assert.match(refused.stderr, /ED25519 key fingerprint is SHA256:/);
    assert.match(refused.stderr, /--accept-new/);
    assert.equal(existsSync(fresh), false, 'nothing written');
    const accepted = spawnSync(process.execPath, [cli, 'scan', '--host', 'fresh', '--ssh-config', cfg, '--cgroup-root', walkRoot, '--accept-new'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(accepted.status, 0, accepted.stderr);
    assert.match(accepted.stderr, /Permanently added '\[127\.0\.0\.1\]:\d+' \(ED25519\)/);
    assert.equal(readFileSync(fresh, 'utf8'), `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic()}\n`);
    assert.match(accepted.stdout, /^Node /);
  });

  it('CLI: on a terminal, an unknown host is asked about; "no" writes nothing, "yes" records the key', function () {
    if (!existsSync('/usr/bin/script')) needs(this, 'script(1) from util-linux is needed for a terminal');
    const kh = lab.path('tty_known_hosts');
    const cfgTty = lab.write('tty.config', hostBlock('ttyhost', { port: sshd.port, identityFile: lab.userKey, knownHosts: kh }));
    // script(1) gives the CLI a real pseudo-terminal; the answer is typed ahead on it.
    const onTty = (answer: string) =>
      spawnSync('script', ['-q', '-e', '-c', shellCommand([process.execPath, cli, 'scan', '--host', 'ttyhost', '--ssh-config', cfgTty, '--cgroup-root', walkRoot]), '/dev/null'], {
        encoding: 'utf8',
        input: `${answer}\n`,
        env: { ...process.env, SHELL: '/bin/sh' },
      });
    const no = onTty('no');
    assert.match(no.stdout, /ED25519 key fingerprint is SHA256:/);
    assert.match(no.stdout, /Are you sure you want to continue connecting \(yes\/no\)\?/);
    assert.equal(no.status, 4, no.stdout);
    assert.equal(existsSync(kh), false);
    const yes = onTty('yes');
    assert.equal(yes.status, 0, yes.stdout);
    assert.match(yes.stdout, /Node /);
    assert.equal(readFileSync(kh, 'utf8'), `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic()}\n`);
  });

  it('CLI: tree --host works the same way, and ssh options without --host are a usage error', () => {
    const r = spawnSync(process.execPath, [cli, 'tree', '--host', 'node', '--ssh-config', cfg, '--cgroup-root', walkRoot, '--depth', '1'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /kubepods\.slice/);
    const bad = spawnSync(process.execPath, [cli, 'scan', '--accept-new'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--accept-new needs --host/);
  });
});
