import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { killMarked } from '../support/marked';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';
import { freePort, hostBlock, SshLab, sshdMissing, TestSshd } from '../support/sshd';
import { waitFor } from '../support/waitFor';

// `cgroup-forensics fleet` as a user runs it: the built CLI over Debian's real sshd on loopback,
// with 20 ssh_config aliases onto it, each walking its own real cgroup subtree; one alias on a
// closed port (unreachable), one on a TCP listener of the test's own that accepts and never speaks
// (the SSH handshake's own bound, 20 s, reports it unreachable), and one on a second real sshd
// whose every program never ends (ForceCommand sleep: the node's time runs out, it is timed out).
//
// What is a stand-in: the 20 "nodes" are one machine and one sshd. Each alias gets its own cgroup
// subtree through `--cgroup-root DIR/%n` (%n is the node's name as listed: a real fleet option,
// meant for node filesystems kept side by side; real nodes would leave it out and walk their own
// /sys/fs/cgroup). So the subtree each node reports shows it walked its own: the counts differ
// node by node. The node's facts (kubelet, containerd) are this machine's, pointed at an empty
// kubelet directory so that kubelet knows no pod: a pod cgroup in a subtree is then an orphan.
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');
const UID_CRIT = '3f1e2d4c-5b6a-4789-8a0b-1c2d3e4f5a6b';
const UID_WARN = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const NODES = 20;
const CONCURRENCY = 4;
// Room for a node's snapshot and facts over SSH on a loaded machine of 2 CPUs (facts alone took
// 3 to 14 s here while other suites ran).
const NODE_TIMEOUT_S = 40;
const name = (i: number): string => `node-${String(i).padStart(2, '0')}`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

describe('the built CLI: fleet over a real sshd (20 nodes, one unreachable, one that hangs)', function () {
  this.timeout(180_000);
  const v2 = cgroupMounts().v2;
  let lab: SshLab | undefined;
  let sshd: TestSshd | undefined;
  let box: CgroupSandbox | undefined;
  let work: string | undefined;
  let hangSshd: TestSshd | undefined;
  let hang: Server | undefined;
  const hangSockets: { socket: Socket; accepted: number; closed?: number }[] = [];
  const hangMark = randomBytes(6).toString('hex');
  let cfg: string;
  let sshdPort: number;

  before(async function () {
    needs(this, sshdMissing() ?? (v2 ? cgroupMissing(v2) : 'no cgroup2 mount'));
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
    lab = new SshLab();
    mkdirSync(lab.path('home'), { recursive: true });
    // Sessions get a HOME of the test's own (root's ~/.bashrc here runs pyenv: see sshScan.test.ts).
    // MaxStartups: every alias is this one sshd, which by default starts refusing some of more than
    // 10 connections in their handshake; real nodes each have their own sshd.
    sshd = await TestSshd.start(lab, 'fleet', { config: [`SetEnv HOME=${lab.path('home')}`, 'MaxStartups 100'] });
    sshdPort = sshd.port;
    lab.write('known_hosts', `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic()}\n`);

    hang = createServer((socket) => {
      const rec: (typeof hangSockets)[number] = { socket, accepted: Date.now() };
      hangSockets.push(rec);
      socket.on('error', () => undefined);
      socket.resume(); // read (and ignore) what the client says, so its end is seen
      socket.on('close', () => (rec.closed = Date.now()));
    });
    await new Promise<void>((r) => hang!.listen(0, '127.0.0.1', r));
    const hangPort = (hang.address() as { port: number }).port;
    const closedPort = await freePort();
    // A node that is reached and whose programs never end: a real sshd that runs sleep for every command.
    // Its sleeps outlive the sessions the CLI gives up on (as they would on a node): they carry a
    // marker, and after() ends exactly those.
    hangSshd = await TestSshd.start(lab, 'hang', { config: [`SetEnv HOME=${lab.path('home')} CF_MARK=${hangMark}`, 'ForceCommand exec sleep 3600'] });
    lab.write('known_hosts', `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic()}\n[127.0.0.1]:${hangSshd.port} ${hangSshd.hostKeyPublic()}\n`);

    const known = lab.path('known_hosts');
    const blocks = Array.from({ length: NODES }, (_, i) => hostBlock(name(i), { port: sshd!.port, identityFile: lab!.userKey, knownHosts: known }));
    cfg = lab.write(
      'fleet.config',
      [
        // The hanging nodes first, so their waits overlap the others' work.
        hostBlock('node-hang', { port: hangSshd.port, identityFile: lab.userKey, knownHosts: known }),
        hostBlock('node-silent', { port: hangPort, identityFile: lab.userKey, knownHosts: known }),
        hostBlock('node-down', { port: closedPort, identityFile: lab.userKey, knownHosts: known }),
        ...blocks,
        hostBlock('other-host', { port: sshd.port, identityFile: lab.userKey, knownHosts: known }),
        // A pattern, not a node: it must never be listed (it gives user@host:port entries their key).
        'Host node-* 127.0.0.1',
        `  IdentityFile ${lab.userKey}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${known}`,
        '  GlobalKnownHostsFile /dev/null',
        '  IdentityAgent none',
        '',
      ].join('\n'),
    );

    // Each node's own subtree: node-NN holds NN+1 plain cgroups; node-03 an orphaned pod with a
    // process left in it (critical), node-07 an empty orphaned pod (warning).
    box = CgroupSandbox.create(v2!, 'fleet');
    for (let i = 0; i < NODES; i++) for (let c = 0; c <= i; c++) box.mkdir(`${name(i)}/c${c}`);
    await box.spawnIn(`${name(3)}/kubepods/burstable/pod${UID_CRIT}/leftover`);
    box.mkdir(`${name(7)}/kubepods/besteffort/pod${UID_WARN}`);
    box.mkdir('root@127.0.0.1:' + String(sshd.port));
    work = mkdtempSync(join(tmpdir(), 'cf-fleet-'));
    mkdirSync(join(work, 'kubelet', 'pods'), { recursive: true }); // kubelet knows no pod here
    // No containerd here: a file where its socket would be refuses at once (ctr waits out its
    // 5 s connect timeout on a path that does not exist).
    writeFileSync(join(work, 'containerd.sock'), '');
  });

  after(async () => {
    await box?.cleanup();
    for (const s of hangSockets) s.socket.destroy();
    await new Promise((r) => (hang ? hang.close(r) : r(undefined)));
    if (work) rmSync(work, { recursive: true, force: true });
    await sshd?.stop();
    await hangSshd?.stop();
    killMarked(hangMark);
    lab?.remove();
  });

  /** Cgroups in a node's subtree (its root and every directory below), as the walk counts them. */
  const cgroupsOf = (dir: string): number => 1 + readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).reduce((a, e) => a + cgroupsOf(join(dir, e.name)), 0);

  function fleet(args: string[]): Promise<Run> {
    const common = ['--ssh-config', cfg, '--cgroup-root', `${box!.root}/%n`, '--kubelet-dir', join(work!, 'kubelet'), '--containerd-address', join(work!, 'containerd.sock'), '--grace', '0'];
    const t0 = Date.now();
    return new Promise((resolve) => {
      execFile(process.execPath, [cli, 'fleet', ...args, ...common], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 150_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr, ms: Date.now() - t0 });
      });
    });
  }

  /**
   * Sessions open at once, from sshd's own log: a session starts at "Starting session" and ends at
   * its "Close session", or with its connection ("Disconnected from user": a client that closes
   * the connection after its last program gets no "Close session" logged).
   */
  function peakSessions(log: string): number {
    const open = new Map<string, Set<string>>();
    let peak = 0;
    const count = (): number => [...open.values()].reduce((a, ids) => a + ids.size, 0);
    for (const m of log.matchAll(/Starting session: \S+ for \S+ from \S+ port (\d+) id (\d+)|Close session: user \S+ from \S+ port (\d+) id (\d+)|Disconnected from user \S+ \S+ port (\d+)/g)) {
      if (m[1] !== undefined) {
        const ids = open.get(m[1]) ?? new Set<string>();
        ids.add(m[2]!);
        open.set(m[1], ids);
      } else if (m[3] !== undefined) open.get(m[3])?.delete(m[4]!);
      else open.delete(m[5]!);
      peak = Math.max(peak, count());
    }
    return peak;
  }

  /** sshd's log arrives through a pipe: wait until every connection it accepted is logged disconnected. */
  async function settledLog(from: number): Promise<string> {
    const end = Date.now() + 10_000;
    for (;;) {
      const log = sshd!.logText.slice(from);
      const accepted = (log.match(/Accepted publickey for/g) ?? []).length;
      const gone = (log.match(/Disconnected from user/g) ?? []).length;
      if ((accepted > 0 && accepted === gone) || Date.now() > end) return log;
      await new Promise((w) => setTimeout(w, 50));
    }
  }

  it('ranks every node by what needs attention, says why two could not be investigated, keeps to --concurrency and exits 1', async () => {
    const logFrom = sshd!.logText.length;
    const hangsBefore = hangSockets.length;
    const hangLogFrom = hangSshd!.logText.length;
    const r = await fleet(['--ssh-pattern', 'node-*', '--concurrency', String(CONCURRENCY), '--node-timeout', String(NODE_TIMEOUT_S)]);
    assert.equal(r.code, 1, `exit status (a node has findings):\n${r.stderr}`);

    const lines = r.stdout.split('\n');
    assert.deepEqual(lines[0]!.split(/\s{2,}/), ['NODE', 'LAYOUT', 'CGROUPS', 'DYING', 'ORPHANS', 'WORST FINDING', 'KERNEL', 'RUNTIME', 'REACHED BY / WHY NOT']);
    const rows = lines.slice(1, lines.indexOf(''));
    const order = rows.map((l) => l.split(/\s+/)[0]);
    // Attention first: the critical orphan, the warning orphan, the two not investigated (by
    // name), then the clear nodes, most cgroups first. other-host does not match the pattern,
    // and the `Host node-* 127.0.0.1` line is a pattern, not a node.
    const clear = Array.from({ length: NODES }, (_, i) => i)
      .filter((i) => i !== 3 && i !== 7)
      .reverse()
      .map(name);
    assert.deepEqual(order, [name(3), name(7), 'node-down', 'node-hang', 'node-silent', ...clear], r.stdout);

    const row = (n: string): string => rows.find((l) => l.startsWith(`${n} `))!;
    const cells = (n: string): string[] => row(n).split(/\s{2,}/);
    // Each node walked its own subtree: its cgroup count is that subtree's.
    for (let i = 0; i < NODES; i++) {
      const c = cells(name(i));
      assert.equal(c[1], 'v2', row(name(i)));
      assert.equal(Number(c[2]), cgroupsOf(join(box!.root, name(i))), `cgroups of ${name(i)}: ${row(name(i))}`);
      assert.equal(c[3], '0', `dying of ${name(i)}`);
      assert.equal(c.at(-1), `ssh root@127.0.0.1:${sshdPort}`, row(name(i)));
    }
    assert.deepEqual(cells(name(3)).slice(4, 6), ['1', 'critical orphaned-pod-cgroup']);
    assert.deepEqual(cells(name(7)).slice(4, 6), ['1', 'warning orphaned-pod-cgroup']);
    assert.deepEqual(cells(name(0)).slice(4, 6), ['0', 'none']);
    assert.match(row('node-down'), /unreachable: .*connection refused by 127\.0\.0\.1:\d+/);
    assert.match(row('node-hang'), new RegExp(`timed out: no answer within ${NODE_TIMEOUT_S} s \\(during snapshot\\); stopped and disconnected \\(ssh root@127.0.0.1:${hangSshd!.port}\\)`));
    assert.match(row('node-silent'), /unreachable: .*no SSH handshake with 127\.0\.0\.1:\d+ within the connect timeout/);
    assert.match(r.stdout, /23 nodes: 2 with findings, 3 not investigated \(2 unreachable, 1 timed out\), 18 clear/);

    // Progress: without a terminal, one plain line per node done (no carriage returns).
    const progress = r.stderr.split('\n').filter((l) => l.startsWith('fleet: '));
    assert.equal(progress.length, NODES + 3, r.stderr);
    assert.ok(!r.stderr.includes('\r'), 'no in-place rewriting without a terminal');

    // The hanging node was stopped within its bound, and its connection closed; the others completed.
    const hangTime = Number(new RegExp(`node-hang: timed-out: .* \\((\\d+\\.\\d) s\\)`).exec(r.stderr)?.[1]);
    assert.ok(hangTime >= NODE_TIMEOUT_S && hangTime < NODE_TIMEOUT_S + 2.5, `node-hang took ${hangTime} s with --node-timeout ${NODE_TIMEOUT_S}`);
    await waitFor("the hanging node's sshd to log the disconnection", () => /Disconnected from user root/.test(hangSshd!.logText.slice(hangLogFrom)), { timeoutMs: 3000 });
    // The silent host: the handshake's bound (20 s) closed its socket.
    const silent = hangSockets.slice(hangsBefore);
    assert.equal(silent.length, 1, 'the silent host was connected to once');
    await waitFor('the connection to the silent host to close', () => silent[0]!.closed !== undefined, { timeoutMs: 3000 });
    assert.ok(silent[0]!.closed! - silent[0]!.accepted < 20_000 + 2500, `closed ${silent[0]!.closed! - silent[0]!.accepted} ms after it was opened`);

    // Never more sessions at once than --concurrency (one node, one session at a time), and more than one.
    const peak = peakSessions(await settledLog(logFrom));
    assert.ok(peak <= CONCURRENCY, `sshd had ${peak} sessions open at once with --concurrency ${CONCURRENCY}`);
    assert.ok(peak > 1, `nodes were investigated one at a time (peak ${peak})`);
  });

  it('--json: each node with its status, how it was reached or why not, and its findings as orphans --json prints them', async () => {
    const r = await fleet(['--ssh-pattern', 'node-0?', '--json', '--quiet', '--node-timeout', String(NODE_TIMEOUT_S)]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, '', '--quiet: nothing on standard error');
    const doc = JSON.parse(r.stdout) as { schema: string; nodes: { node: string; status: string; verdict?: string; reachedBy: string; error?: string; summary?: { cgroups: number; orphans: number; layout: string }; findings?: { schema: string; findings: { kind: string; severity: string; podUid?: string }[] } }[] };
    assert.equal(doc.schema, 'cgroup-forensics/fleet@1');
    assert.deepEqual(
      doc.nodes.map((n) => n.node),
      [name(3), name(7), name(9), name(8), name(6), name(5), name(4), name(2), name(1), name(0)],
    );
    const n3 = doc.nodes[0]!;
    assert.equal(n3.status, 'investigated');
    assert.equal(n3.verdict, 'actionable');
    assert.equal(n3.findings!.schema, 'cgroup-forensics/findings@1');
    assert.deepEqual(
      n3.findings!.findings.map((f) => [f.kind, f.severity, f.podUid]),
      [['orphaned-pod-cgroup', 'critical', UID_CRIT]],
    );
    assert.equal(n3.summary!.cgroups, cgroupsOf(join(box!.root, name(3))));
    assert.equal(doc.nodes.at(-1)!.verdict, 'clear');
    assert.deepEqual(doc.nodes.at(-1)!.findings!.findings, []);
  });

  it('--hosts-file: aliases and user@host:port with comments; 6 when nodes could not be investigated and none has findings', async () => {
    const hosts = lab!.write(
      'hosts.txt',
      ['# the fleet', name(0), `root@127.0.0.1:${sshdPort}   # by address`, '', name(1), 'node-down', name(0), ''].join('\n'),
    );
    const out = join(work!, 'fleet.txt');
    const r = await fleet(['--hosts-file', hosts, '--quiet', '-o', out, '--node-timeout', String(NODE_TIMEOUT_S)]);
    assert.equal(r.code, 6, r.stderr);
    const order = r.stdout === '' ? [] : r.stdout.split('\n');
    assert.deepEqual(order, [], 'the table went to -o FILE');
    const text = readFileSync(out, 'utf8');
    const rows = text.split('\n').slice(1, text.split('\n').indexOf(''));
    assert.deepEqual(
      rows.map((l) => l.split(/\s+/)[0]),
      // Not investigated first, then clear nodes by cgroups: node-01 3, node-00 2, the address's own subtree 1.
      ['node-down', name(1), name(0), `root@127.0.0.1:${sshdPort}`],
      text,
    );
    assert.match(text, /4 nodes: 0 with findings, 1 not investigated \(1 unreachable\), 3 clear/);
  });

  it('bad usage and bad input are one line each', async () => {
    const none = await fleet(['--ssh-pattern', 'nothing-*']);
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, /--ssh-pattern nothing-\* names no node/);
    const missing = await fleet(['--hosts-file', join(work!, 'no-such-file')]);
    assert.equal(missing.code, 3, missing.stderr);
    assert.match(missing.stderr, /cannot read .*no-such-file \(--hosts-file\): no such file/);
    const bad = await fleet(['--hosts-file', lab!.write('bad-hosts.txt', `${name(0)}\nnode-1 extra words\n`)]);
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(bad.stderr, /line 2: expected one host/);
  });
});
