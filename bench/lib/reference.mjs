// The floor: ../shared/bench/reference-walk.c, compiled once into a cache folder and timed on
// the same tree in the same run as whatever it is compared with.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function referenceWalker() {
  const src = [join(repo, '..', 'shared', 'bench', 'reference-walk.c'), join(repo, 'shared', 'bench', 'reference-walk.c')].find(existsSync);
  if (!src) throw new Error('reference-walk.c not found beside the repository (../shared/bench)');
  const out = join(repo, '.cache', 'bench', 'reference-walk');
  mkdirSync(dirname(out), { recursive: true });
  execFileSync('cc', ['-O2', '-o', out, src]);
  return out;
}

/** Wall time (ms) of one run of a command, and its peak RSS (KiB) from GNU time-like rusage. */
export function timeRun(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 30, ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status ?? r.signal}: ${String(r.stderr).slice(0, 500)}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

/** Median of k runs, alternating a and b so drift hits both alike. */
export function alternate(k, a, b) {
  const ta = [];
  const tb = [];
  for (let i = 0; i < k; i++) {
    ta.push(a());
    tb.push(b());
  }
  const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return { a: med(ta), b: med(tb), as: ta, bs: tb };
}
