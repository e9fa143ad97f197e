// Issue 15's fleet benchmark: `cgroup-forensics fleet` over at least 100 SSH aliases onto the
// local sshd (Debian's, started here with keys made here), each alias walking its own real
// kubelet-shaped cgroup subtree (`--cgroup-root PARENT/%n`: %n is the alias). Reports the fleet's
// wall time against one node's time (the same command over one alias, median of runs) x N /
// concurrency, the speed-up over scanning the nodes one after another, and the CLI's peak memory
// (GNU time's maximum resident set size). The C reference walker's time over all the subtrees is
// printed for context. Needs root, sshd, a cgroup2 mount and /usr/bin/time; removes exactly the
// trees, the sshd and the temporary directory it made.
//
// What is a stand-in: every "node" is this machine behind one sshd (MaxStartups raised so that 16
// handshakes at once are not refused, as each real node's own sshd would not), so the nodes share
// its 2 CPUs: the fleet cannot run 16 times faster than one node here, and the ratio says how far
// it is from that ideal. The node's facts are this machine's; containerd's socket is a plain file
// so that ctr is refused at once (a missing path costs ctr its 5 s connect timeout on every node),
// and kubelet's pods directory is empty with --grace 0: every pod cgroup is an orphan, so the
// fleet is a leaking one and its JSON carries every node's findings.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { buildKubeTree, removeTree, unifiedMount } from './lib/kubeTree.mjs';
import { referenceWalker, timeRun } from './lib/reference.mjs';
import { startSshd } from './lib/sshd.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'dist', 'cli.js');
const NODES = Number(process.env.BENCH_FLEET_NODES ?? 100);
const PER_NODE = Number(process.env.BENCH_FLEET_CGROUPS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_FLEET_CONCURRENCY ?? 16);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

if (process.getuid?.() !== 0 || !existsSync('/usr/sbin/sshd') || !existsSync('/usr/bin/time')) {
  console.log('fleet.bench: needs root, /usr/sbin/sshd and /usr/bin/time; skipped');
  process.exit(0);
}

/** One CLI run under GNU time: wall ms, peak RSS (KiB), exit status, stdout. Exit 0 and 1 (findings) are both a finished run. */
function timedCli(args, dir) {
  const rusage = join(dir, 'time.out');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', rusage, process.execPath, cli, ...args], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`fleet exited ${r.status ?? r.signal}: ${String(r.stderr).slice(0, 800)}`);
  const kib = Number(readFileSync(rusage, 'utf8').trim().split('\n').at(-1));
  return { ms, kib, status: r.status, stdout: r.stdout };
}

const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
// Context only (the figures are ratios against one node): a worktree without ../shared runs without it.
let ref;
try {
  ref = referenceWalker();
} catch (e) {
  console.log(`reference walker: ${e.message}; its context line is skipped`);
}
const dir = mkdtempSync(join(tmpdir(), 'cf-fleetbench-'));
chmodSync(dir, 0o700);
const parent = join(unifiedMount(), `cf-fleetbench-${process.pid}-${randomBytes(4).toString('hex')}`);
let sshd;
try {
  mkdirSync(parent);
  let t0 = Date.now();
  const aliases = [];
  let cgroups = 0;
  for (let i = 0; i < NODES; i++) {
    const tree = buildKubeTree(PER_NODE, parent);
    aliases.push(basename(tree.root));
    cgroups += tree.count;
  }
  console.log(`built ${NODES} node subtrees of ${PER_NODE} cgroups (${cgroups} in all) under ${parent} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  mkdirSync(join(dir, 'home'));
  sshd = await startSshd(dir, { aliases, config: ['MaxStartups 200', `SetEnv HOME=${join(dir, 'home')}`, 'SetEnv PYENV_REHASH_TIMEOUT=0'] });
  mkdirSync(join(dir, 'kubelet', 'pods'), { recursive: true });
  writeFileSync(join(dir, 'containerd.sock'), '');
  writeFileSync(join(dir, 'one-node.txt'), `${aliases[0]}\n`);
  const common = ['--ssh-config', sshd.sshConfig, '--cgroup-root', `${parent}/%n`, '--kubelet-dir', join(dir, 'kubelet'), '--containerd-address', join(dir, 'containerd.sock'), '--grace', '0', '--quiet', '--json'];
  const one = ['fleet', '--hosts-file', join(dir, 'one-node.txt'), ...common];
  const all = ['fleet', '--ssh-pattern', 'cf-bench-*', '--concurrency', String(CONCURRENCY), ...common];
  if (ref) timeRun(ref, [parent]); // warm the dentry cache for every run alike
  timedCli(one, dir);

  const single = [];
  let singleKib = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = timedCli(one, dir);
    single.push(r.ms);
    singleKib = Math.max(singleKib, r.kib);
  }
  const s = med(single);
  t0 = Date.now();
  const fleet = timedCli(all, dir);
  const nodes = JSON.parse(fleet.stdout).nodes;
  const investigated = nodes.filter((n) => n.status === 'investigated').length;
  const refMs = ref ? timeRun(ref, [parent]).ms : undefined;

  const ideal = (s * NODES) / CONCURRENCY;
  console.log(`one node (fleet --hosts-file, 1 alias): median ${s.toFixed(0)} ms  (runs: ${single.map((x) => x.toFixed(0)).join(' ')}), peak RSS ${(singleKib / 1024).toFixed(0)} MiB`);
  console.log(`fleet of ${NODES} aliases, --concurrency ${CONCURRENCY}: ${fleet.ms.toFixed(0)} ms, ${investigated}/${NODES} investigated, exit ${fleet.status}`);
  if (refMs !== undefined) console.log(`reference-walk over all ${NODES} subtrees (${cgroups} cgroups): ${refMs.toFixed(0)} ms (context: the walk alone, no SSH, no facts)`);
  console.log(`RATIO fleet / (one node x ${NODES} / ${CONCURRENCY}) = ${(fleet.ms / ideal).toFixed(2)}  (1.0 = every slot busy and no node slower than alone; here ${CONCURRENCY} slots share 2 CPUs)`);
  console.log(`ratio (one node x ${NODES}) / fleet = ${((s * NODES) / fleet.ms).toFixed(2)}  (speed-up over one node after another)`);
  console.log(`PEAK RSS of the CLI over the fleet: ${(fleet.kib / 1024).toFixed(0)} MiB  (one node: ${(singleKib / 1024).toFixed(0)} MiB; ratio ${(fleet.kib / singleKib).toFixed(2)})`);
  if (investigated !== NODES) console.log(`not investigated: ${nodes.filter((n) => n.status !== 'investigated').map((n) => `${n.node} ${n.status}: ${n.error}`).slice(0, 5).join('; ')}`);
} finally {
  if (existsSync(parent)) {
    const t0 = Date.now();
    removeTree(parent);
    console.log(`removed the trees in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (sshd) await sshd.stop();
  rmSync(dir, { recursive: true, force: true });
}
