import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import type { Context } from 'mocha';

/**
 * Tests that need the real thing (root, a writable cgroupfs, sshd, containerd) skip with a reason
 * on a laptop that lacks it, and fail under CI=true, where a missing prerequisite is a broken
 * machine set-up rather than a reason to pass.
 */
export function needs(ctx: Context, missing: string | undefined): void {
  if (missing === undefined) return;
  if (process.env.CI === 'true') throw new Error(`prerequisite missing under CI: ${missing}`);
  ctx.skip();
}

/** Why a tool cannot be used here ("bpftrace is not installed"), or undefined when it is on PATH. */
export function toolMissing(tool: string): string | undefined {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).status === 0 ? undefined : `${tool} is not installed`;
}

/** Why cgroup integration tests cannot run here, or undefined when they can. */
export function cgroupMissing(mountPoint: string): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to make cgroups';
  try {
    accessSync(mountPoint, constants.W_OK);
  } catch {
    return `${mountPoint} is not writable`;
  }
  return undefined;
}

/** The cgroup mounts of this machine: v2 mount point (if any) and v1 controller mount points. */
export function cgroupMounts(): { v2?: string; v1: Map<string, string> } {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    const mp = pre[4]!;
    if (post[0] === 'cgroup2') v2 ??= mp;
    else if (post[0] === 'cgroup') {
      for (const opt of (post[2] ?? '').split(',')) {
        if (['rw', 'ro'].includes(opt) || opt.includes('release_agent') || opt === 'xattr') continue;
        v1.set(opt, mp);
      }
    }
  }
  return v2 === undefined ? { v1 } : { v2, v1 };
}
