// Issue 2's benchmark: a real 100,000-cgroup kubelet-shaped tree in the unified hierarchy,
// scanned by `cgroup-forensics scan --json` (local) and walked by the C reference walker, in
// the same run, alternating. Prints the wall-time ratio (target <= 1.5) and the CLI's peak RSS
// (target <= 250 MiB). Needs root and a cgroup2 mount; removes exactly the tree it made.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildKubeTree } from './lib/kubeTree.mjs';
import { alternate, referenceWalker, timeRun } from './lib/reference.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'dist', 'cli.js');
const N = Number(process.env.BENCH_CGROUPS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

if (process.getuid?.() !== 0) {
  console.log('scan.bench: needs root to build a cgroup tree; skipped');
  process.exit(0);
}

const ref = referenceWalker();
let t0 = Date.now();
const tree = buildKubeTree(N);
console.log(`built ${tree.count} cgroups under ${tree.root} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
try {
  // Warm the dentry cache once for both, so neither pays the first walk alone.
  timeRun(ref, [tree.root]);
  const cliArgs = [cli, 'scan', '--json', '--cgroup-root', tree.root, '-o', '/dev/null'];
  timeRun(process.execPath, cliArgs);

  const r = alternate(
    RUNS,
    () => timeRun(ref, [tree.root]).ms,
    () => timeRun(process.execPath, cliArgs).ms,
  );
  const refOut = timeRun(ref, [tree.root]).stdout.toString().trim();
  console.log(`reference-walk: ${refOut}`);
  console.log(`reference-walk median ${r.a.toFixed(0)} ms  (runs: ${r.as.map((x) => x.toFixed(0)).join(' ')})`);
  console.log(`cgroup-forensics scan --json median ${r.b.toFixed(0)} ms  (runs: ${r.bs.map((x) => x.toFixed(0)).join(' ')})`);
  console.log(`RATIO scan/reference = ${(r.b / r.a).toFixed(2)}  (target <= 1.5)`);

  // Peak RSS of the CLI: the largest maxrss among the children python waited for (node is the largest).
  const rss = spawnSync('python3', ['-c', 'import resource,subprocess,sys; subprocess.run(sys.argv[1:], check=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)', process.execPath, ...cliArgs], { encoding: 'utf8' });
  if (rss.status === 0) console.log(`PEAK RSS of scan --json: ${(Number(rss.stdout.trim()) / 1024).toFixed(0)} MiB  (target <= 250)`);
  else console.log(`peak RSS: not measured (${rss.stderr.trim() || 'python3 missing'})`);
} finally {
  t0 = Date.now();
  tree.remove();
  console.log(`removed the tree in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
