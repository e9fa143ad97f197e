import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A cgroup directory as a node has it (0755), whatever the test runner's umask: mkdir's mode is
 * masked by it, and CI has run with a umask that left the sandbox unreadable to the non-root
 * users some tests run as.
 */
function makeDir(dir: string): void {
  mkdirSync(dir);
  chmodSync(dir, 0o755);
}

/**
 * A unique parent cgroup of a test's own inside one real hierarchy. Everything the test builds
 * goes below it, and cleanup() removes exactly that parent: processes placed in it are killed
 * first, then directories are removed leaf-first. Nothing else under the mount is touched.
 */
export class CgroupSandbox {
  readonly root: string;
  private readonly procs: ChildProcess[] = [];

  private constructor(readonly mount: string, name: string) {
    this.root = join(mount, name);
  }

  static create(mount: string, label = 'test'): CgroupSandbox {
    removeStaleSandboxes(mount);
    const box = new CgroupSandbox(mount, `cf-${label}-${process.pid}-${randomBytes(4).toString('hex')}`);
    makeDir(box.root);
    return box;
  }

  /** Makes a cgroup (and its parents) at a path relative to the sandbox root; returns its directory. */
  mkdir(rel: string): string {
    let dir = this.root;
    for (const part of rel.split('/').filter((p) => p !== '')) {
      dir = join(dir, part);
      if (!existsSync(dir)) makeDir(dir);
    }
    return dir;
  }

  /** Starts a sleeping process and moves it into the cgroup at rel (in this hierarchy). */
  async spawnIn(rel: string): Promise<number> {
    const child = spawn('sleep', ['3600'], { stdio: 'ignore' });
    this.procs.push(child);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    this.place(child.pid!, rel);
    return child.pid!;
  }

  /** Moves a process into the cgroup at rel. */
  place(pid: number, rel: string): void {
    writeFileSync(join(this.mkdir(rel), 'cgroup.procs'), `${pid}\n`);
  }

  /** Removes the sandbox and everything below it; throws if something could not be removed. */
  async cleanup(): Promise<void> {
    for (const p of this.procs) p.kill('SIGKILL');
    await Promise.all(this.procs.map((p) => (p.exitCode !== null || p.signalCode !== null ? undefined : new Promise((r) => p.once('exit', r)))));
    this.procs.length = 0;
    if (!existsSync(this.root)) return;
    // Processes that other code put in the sandbox (containers, shims) must be gone already.
    removeTree(this.root);
  }
}

/**
 * Sandboxes of test runs that were killed before their cleanup (named cf-LABEL-PID-HEX, whose PID
 * no longer runs) are removed, so a killed run does not leave cgroups behind for good. Only
 * directories of that form, of dead processes, and holding no process, are touched.
 */
function removeStaleSandboxes(mount: string): void {
  for (const name of readdirSync(mount)) {
    const m = /^cf-[a-z0-9]+-(\d+)-[0-9a-f]{8}$/.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    try {
      if (!holdsProcesses(join(mount, name))) removeTree(join(mount, name));
    } catch {
      // Another run may be removing it at the same moment.
    }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holdsProcesses(dir: string): boolean {
  if (cgroupProcs(dir).length > 0) return true;
  return readdirSync(dir, { withFileTypes: true }).some((e) => e.isDirectory() && holdsProcesses(join(dir, e.name)));
}

/**
 * rmdir leaf-first; cgroup directories hold only control files, which rmdir removes with them.
 * Paths are handled as bytes, so names that are not UTF-8 are removed too.
 */
export function removeTree(dir: string | Buffer): void {
  const d = typeof dir === 'string' ? Buffer.from(dir) : dir;
  for (const e of readdirSync(d, { withFileTypes: true, encoding: 'buffer' })) {
    if (e.isDirectory()) removeTree(Buffer.concat([d, Buffer.from('/'), e.name]));
  }
  for (let attempt = 0; ; attempt++) {
    try {
      rmdirSync(d);
      return;
    } catch (e) {
      // A killed process leaves its cgroup a moment after it exits.
      if ((e as NodeJS.ErrnoException).code === 'EBUSY' && attempt < 100) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        continue;
      }
      throw e;
    }
  }
}

export function cgroupProcs(dir: string): number[] {
  return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
}

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
