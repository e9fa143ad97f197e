// Issue 3's benchmark: the real 100,000-cgroup kubelet-shaped tree scanned over SSH on loopback
// (`cgroup-forensics scan --json --host ALIAS`, against Debian's sshd started here with keys made
// here) and walked by the C reference walker, in the same run, alternating. Prints the wall-time
// ratio (target <= 2.0), and the local scan for context. Needs root, sshd and a cgroup2 mount;
// removes exactly the tree, the sshd and the temporary directory it made.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildKubeTree } from './lib/kubeTree.mjs';
import { referenceWalker, timeRun } from './lib/reference.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'dist', 'cli.js');
const N = Number(process.env.BENCH_CGROUPS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

if (process.getuid?.() !== 0 || !existsSync('/usr/sbin/sshd')) {
  console.log('sshScan.bench: needs root and /usr/sbin/sshd; skipped');
  process.exit(0);
}

const freePort = () =>
  new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

/** sshd on a loopback port with a host key and an authorized user key of this run's own. */
async function startSshd(dir) {
  const keygen = (f) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', f], { stdio: 'ignore' });
  keygen(join(dir, 'host'));
  keygen(join(dir, 'id'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'id.pub')));
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const cfg = join(dir, 'sshd_config');
  writeFileSync(cfg, [`Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host')}`, 'PidFile none', `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'StrictModes no', 'UsePAM no', 'PermitRootLogin yes', 'PasswordAuthentication no', ''].join('\n'));
  const proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise((res, rej) => {
    let log = '';
    const timer = setTimeout(() => rej(new Error(`sshd did not start: ${log}`)), 10_000);
    proc.stderr.on('data', (d) => {
      log += d;
      if (/Server listening on/.test(log)) {
        clearTimeout(timer);
        res();
      }
    });
    proc.once('exit', () => rej(new Error(`sshd exited: ${log}`)));
  });
  proc.stderr.resume();
  const [type, b64] = readFileSync(join(dir, 'host.pub'), 'utf8').split(' ');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${type} ${b64}\n`);
  const sshConfig = join(dir, 'ssh_config');
  writeFileSync(sshConfig, ['Host bench-node', '  HostName 127.0.0.1', `  Port ${port}`, '  User root', `  IdentityFile ${join(dir, 'id')}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${join(dir, 'known_hosts')}`, '  GlobalKnownHostsFile /dev/null', '  IdentityAgent none', ''].join('\n'));
  return { proc, sshConfig };
}

const ref = referenceWalker();
const dir = mkdtempSync(join(tmpdir(), 'cf-sshbench-'));
chmodSync(dir, 0o700);
let sshd;
let tree;
try {
  sshd = await startSshd(dir);
  let t0 = Date.now();
  tree = buildKubeTree(N);
  console.log(`built ${tree.count} cgroups under ${tree.root} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const sshArgs = [cli, 'scan', '--json', '--host', 'bench-node', '--ssh-config', sshd.sshConfig, '--cgroup-root', tree.root, '-o', '/dev/null'];
  const localArgs = [cli, 'scan', '--json', '--cgroup-root', tree.root, '-o', '/dev/null'];
  // Warm the dentry cache once for all, so none pays the first walk alone.
  timeRun(ref, [tree.root]);
  timeRun(process.execPath, sshArgs);

  // Alternating all three, so load from other work on the machine hits each alike.
  const times = { ref: [], ssh: [], local: [] };
  for (let i = 0; i < RUNS; i++) {
    times.ref.push(timeRun(ref, [tree.root]).ms);
    times.ssh.push(timeRun(process.execPath, sshArgs).ms);
    times.local.push(timeRun(process.execPath, localArgs).ms);
  }
  const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const runs = (xs) => xs.map((x) => x.toFixed(0)).join(' ');
  const [r, s, l] = [med(times.ref), med(times.ssh), med(times.local)];
  console.log(`reference-walk: ${timeRun(ref, [tree.root]).stdout.toString().trim()}`);
  console.log(`reference-walk median ${r.toFixed(0)} ms  (runs: ${runs(times.ref)})`);
  console.log(`scan --json --host (ssh, loopback) median ${s.toFixed(0)} ms  (runs: ${runs(times.ssh)})`);
  console.log(`scan --json (local) median ${l.toFixed(0)} ms  (runs: ${runs(times.local)})`);
  console.log(`RATIO ssh-scan/reference = ${(s / r).toFixed(2)}  (target <= 2.0)`);
  console.log(`ratio ssh-scan/local-scan = ${(s / l).toFixed(2)}  (what the SSH transport itself adds)`);
} finally {
  if (tree) {
    const t0 = Date.now();
    tree.remove();
    console.log(`removed the tree in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (sshd) {
    sshd.proc.kill('SIGTERM');
    await new Promise((r) => (sshd.proc.exitCode !== null || sshd.proc.signalCode !== null ? r() : sshd.proc.once('exit', r)));
  }
  rmSync(dir, { recursive: true, force: true });
}
