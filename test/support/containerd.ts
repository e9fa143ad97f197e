import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, copyFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Why real containerd tests cannot run here, or undefined when they can. */
export function containerdMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to run containerd';
  for (const f of ['/usr/bin/containerd', '/usr/bin/ctr', '/usr/bin/containerd-shim-runc-v2', '/bin/busybox']) {
    if (!existsSync(f)) return `not installed: ${f} (apt-get install containerd runc busybox-static)`;
  }
  if (!['/usr/sbin/runc', '/usr/bin/runc'].some(existsSync)) return 'not installed: runc';
  return undefined;
}

/**
 * Debian's containerd with a private root, state, socket and config of the test's own, running
 * busybox containers from a plain directory (no image) into any cgroup path. stop() kills it, its
 * shims and what they ran, and removes its directory; it is safe to call after a failure.
 */
export class Containerd {
  readonly dir: string;
  readonly socket: string;
  readonly config: string;
  readonly rootfs: string;
  private child: ChildProcess | undefined;
  /** Containers started, for the shim sockets a killed shim leaves behind. */
  private readonly ids = new Set<string>();

  private constructor(label: string) {
    this.dir = mkdtempSync(join(tmpdir(), `cf-ctrd-${label}-`));
    this.socket = join(this.dir, 'c.sock');
    this.config = join(this.dir, 'config.toml');
    this.rootfs = join(this.dir, 'rootfs');
  }

  static async start(label: string): Promise<Containerd> {
    const c = new Containerd(label);
    mkdirSync(join(c.rootfs, 'bin'), { recursive: true });
    copyFileSync('/bin/busybox', join(c.rootfs, 'bin', 'busybox'));
    for (const t of ['sh', 'sleep']) symlinkSync('busybox', join(c.rootfs, 'bin', t));
    // The CRI plugin is not needed to run containers with ctr, and starts slowly.
    writeFileSync(c.config, 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n');
    const log = openSync(join(c.dir, 'containerd.log'), 'a');
    c.child = spawn('containerd', ['--config', c.config, '--root', join(c.dir, 'root'), '--state', join(c.dir, 'state'), '--address', c.socket], { stdio: ['ignore', log, log] });
    for (let i = 0; ; i++) {
      try {
        await c.ctr('version');
        return c;
      } catch (e) {
        if (i > 100 || c.child.exitCode !== null) {
          await c.stop();
          throw new Error(`containerd did not start: ${String(e)}\n${readFileSync(join(c.dir, 'containerd.log'), 'utf8').slice(-2000)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async ctr(...args: string[]): Promise<string> {
    const r = await run('ctr', ['-a', this.socket, '-n', 'k8s.io', ...args], { maxBuffer: 1 << 24 });
    return r.stdout;
  }

  /** Runs `sleep 3600` as container id in the cgroup path (made in every hierarchy by runc). */
  async runContainer(id: string, cgroupPath: string, podUid: string): Promise<number> {
    this.ids.add(id);
    await this.ctr('run', '--rootfs', '--runc-root', join(this.dir, 'runc'), '--cgroup', cgroupPath, '--label', `io.kubernetes.pod.uid=${podUid}`, '-d', '--null-io', this.rootfs, id, '/bin/sleep', '3600');
    const tasks = await this.ctr('tasks', 'ls');
    const line = tasks.split('\n').find((l) => l.startsWith(id + ' '));
    const pid = Number(line?.trim().split(/\s+/)[1]);
    if (!pid) throw new Error(`no task for ${id}: ${tasks}`);
    return pid;
  }

  /** Kills a container and removes it, as kubelet does when a pod goes: its cgroup parents stay. */
  async removeContainer(id: string): Promise<void> {
    await this.ctr('tasks', 'kill', '-s', 'SIGKILL', id).catch(() => undefined);
    await this.ctr('tasks', 'rm', '-f', id);
    await this.ctr('containers', 'rm', id);
  }

  /** The shims this containerd started (they name its socket in their command line). */
  shimPids(): number[] {
    const out: number[] = [];
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
      try {
        const argv = readFileSync(`/proc/${e}/cmdline`, 'latin1').split('\0');
        const i = argv.indexOf('-address');
        if (argv[0]?.endsWith('containerd-shim-runc-v2') && argv[i + 1] === this.socket) out.push(Number(e));
      } catch {
        // gone
      }
    }
    return out;
  }

  /** SIGKILL containerd, then its shims: what a crash or an OOM kill of the runtime leaves. */
  async crash(): Promise<void> {
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await new Promise((r) => c.once('exit', r));
    }
    for (const pid of this.shimPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // A shim listens on /run/containerd/s/<sha256 of address/namespace/id> whatever the state
    // directory, and only removes it when it exits cleanly.
    for (const id of this.ids) {
      const sock = `/run/containerd/s/${createHash('sha256').update(join(this.socket, 'k8s.io', id)).digest('hex')}`;
      try {
        unlinkSync(sock);
      } catch {
        // removed by its shim
      }
    }
  }

  async stop(): Promise<void> {
    await this.crash();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
