// Issue 3's benchmark: the real 100,000-cgroup kubelet-shaped tree scanned over SSH on loopback
// (`cgroup-forensics scan --json --host ALIAS`, against Debian's sshd started here with keys made
// here) and walked by the C reference walker, in the same run, alternating. Prints the wall-time
// ratio (target <= 2.0), and the local scan for context. Needs root, sshd and a cgroup2 mount;
// removes exactly the tree, the sshd and the temporary directory it made.
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildKubeTree } from './lib/kubeTree.mjs';
import { referenceWalker, timeRun } from './lib/reference.mjs';
import { startSshd } from './lib/sshd.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'dist', 'cli.js');
const N = Number(process.env.BENCH_CGROUPS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

if (process.getuid?.() !== 0 || !existsSync('/usr/sbin/sshd')) {
  console.log('sshScan.bench: needs root and /usr/sbin/sshd; skipped');
  process.exit(0);
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
  if (sshd) await sshd.stop();
  rmSync(dir, { recursive: true, force: true });
}
