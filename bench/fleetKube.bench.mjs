// Issue 15's fleet benchmark, for the Kubernetes transport: `cgroup-forensics fleet --kube-nodes`
// with the real kubectl against the stand-in API server of the tests (test/support/kubeApiStandIn.ts),
// over at least 100 nodes. Reports the fleet's wall time against one node's (the same command with a
// selector naming one node, median of runs) x N / concurrency, and the CLI's peak memory (GNU time's
// maximum resident set size).
//
// What is a stand-in, and why (as in test/integration/kubeTransport.test.ts): no real cluster can run
// here. The API server is this process; a pod "runs" at once; each exec runs the program on this
// machine, chroot'ed as in the pod, with this machine's / at /host. So every node is this machine and
// walks the same real kubelet-shaped subtree of the benchmark's own (--cgroup-root, the node's path),
// and the figures measure what the fleet adds per node through kubectl (a pod create, get, several
// exec, a delete) on top of the walk, sharing 2 CPUs. The stand-in is in this process, so the CLI is
// run asynchronously (never spawnSync: the server would stop answering).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildKubeTree, removeTree } from './lib/kubeTree.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'dist', 'cli.js');
const NODES = Number(process.env.BENCH_KUBE_NODES ?? 100);
const CGROUPS = Number(process.env.BENCH_KUBE_CGROUPS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_FLEET_CONCURRENCY ?? 16);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
if (process.getuid?.() !== 0 || kubectl.status !== 0 || !existsSync('/usr/bin/time')) {
  console.log('fleetKube.bench: needs root (unshare, chroot), kubectl and /usr/bin/time; skipped');
  process.exit(0);
}
const require = createRequire(import.meta.url);
require('tsx/cjs');
const { startKubeApiStandIn } = require('../test/support/kubeApiStandIn.ts');

/** One CLI run under GNU time, asynchronously: wall ms, peak RSS (KiB), exit status, stdout. */
function timedCli(args, dir, env) {
  const rusage = join(dir, 'time.out');
  const t0 = process.hrtime.bigint();
  return new Promise((done, fail) => {
    const p = spawn('/usr/bin/time', ['-f', '%M', '-o', rusage, process.execPath, cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    p.stdout.on('data', (c) => out.push(c));
    p.stderr.on('data', (c) => err.push(c));
    p.on('close', (status) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (status !== 0 && status !== 1) return fail(new Error(`fleet exited ${status}: ${Buffer.concat(err).toString().slice(0, 800)}`));
      const kib = Number(readFileSync(rusage, 'utf8').trim().split('\n').at(-1));
      done({ ms, kib, status, stdout: Buffer.concat(out).toString() });
    });
  });
}

const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), 'cf-kubefleetbench-'));
const name = (i) => `node-${String(i).padStart(3, '0')}`;
let api;
let tree;
try {
  tree = buildKubeTree(CGROUPS);
  const nodes = Array.from({ length: NODES }, (_, i) => ({ metadata: { name: name(i), labels: { 'kubernetes.io/hostname': name(i) } } }));
  api = await startKubeApiStandIn({ nodes, pods: [], minor: 32 });
  const env = { ...process.env, HOME: api.home };
  mkdirSync(join(dir, 'kubelet', 'pods'), { recursive: true });
  writeFileSync(join(dir, 'containerd.sock'), '');
  const common = ['--kubeconfig', api.kubeconfig, '--cgroup-root', tree.root, '--kubelet-dir', join(dir, 'kubelet'), '--containerd-address', join(dir, 'containerd.sock'), '--grace', '0', '--quiet', '--json'];
  const one = ['fleet', '--selector', `kubernetes.io/hostname=${name(0)}`, ...common];
  const all = ['fleet', '--kube-nodes', '--concurrency', String(CONCURRENCY), ...common];
  await timedCli(one, dir, env); // warm kubectl's discovery cache and the dentry cache

  const single = [];
  let singleKib = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await timedCli(one, dir, env);
    single.push(r.ms);
    singleKib = Math.max(singleKib, r.kib);
  }
  const s = med(single);
  const execsBefore = api.pods.execs.length;
  const fleet = await timedCli(all, dir, env);
  const got = JSON.parse(fleet.stdout).nodes;
  const investigated = got.filter((n) => n.status === 'investigated').length;
  const ideal = (s * NODES) / CONCURRENCY;
  console.log(`one node (fleet --selector naming one node, a ${tree.count}-cgroup subtree): median ${s.toFixed(0)} ms  (runs: ${single.map((x) => x.toFixed(0)).join(' ')}), peak RSS ${(singleKib / 1024).toFixed(0)} MiB`);
  console.log(`fleet of ${NODES} nodes through kubectl, --concurrency ${CONCURRENCY}: ${fleet.ms.toFixed(0)} ms, ${investigated}/${NODES} investigated, exit ${fleet.status}, ${api.pods.execs.length - execsBefore} kubectl exec, ${api.pods.pods.size} pods left`);
  console.log(`RATIO fleet / (one node x ${NODES} / ${CONCURRENCY}) = ${(fleet.ms / ideal).toFixed(2)}  (1.0 = every slot busy and no node slower than alone; here ${CONCURRENCY} slots, the stand-in and every program share 2 CPUs)`);
  console.log(`ratio (one node x ${NODES}) / fleet = ${((s * NODES) / fleet.ms).toFixed(2)}  (speed-up over one node after another)`);
  console.log(`PEAK RSS of the CLI over the fleet: ${(fleet.kib / 1024).toFixed(0)} MiB  (one node: ${(singleKib / 1024).toFixed(0)} MiB; ratio ${(fleet.kib / singleKib).toFixed(2)})`);
  if (investigated !== NODES) console.log(`not investigated: ${got.filter((n) => n.status !== 'investigated').map((n) => `${n.node} ${n.status}: ${n.error}`).slice(0, 5).join('; ')}`);
} finally {
  if (tree && existsSync(tree.root)) removeTree(tree.root);
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
}
