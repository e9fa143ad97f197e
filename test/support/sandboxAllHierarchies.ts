import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTree } from './cgroupSandbox';
import { cgroupMounts } from './prereq';

/**
 * One cgroup path of a test's own, as it exists in every hierarchy: runc makes a container's
 * cgroup path in all of them. cleanup() kills every process left below the path (in any
 * hierarchy) and removes the path, leaf-first, everywhere; nothing else is touched.
 */
export class SandboxAllHierarchies {
  readonly path: string;
  readonly mounts: string[];

  constructor(label: string) {
    this.path = `/cf-${label}-${process.pid}-${randomBytes(4).toString('hex')}`;
    const m = cgroupMounts();
    this.mounts = [...new Set([...m.v1.values(), ...(m.v2 ? [m.v2] : [])])];
  }

  dirs(rel = ''): string[] {
    return this.mounts.map((m) => m + this.path + rel);
  }

  /** Every process below the sandbox, in any hierarchy. */
  pids(): number[] {
    const out = new Set<number>();
    const walk = (dir: string): void => {
      try {
        for (const p of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (p) out.add(Number(p));
        for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
      } catch {
        // vanished
      }
    };
    for (const d of this.dirs()) walk(d);
    return [...out];
  }

  async cleanup(): Promise<void> {
    for (let round = 0; round < 50; round++) {
      const pids = this.pids();
      if (!pids.length) break;
      for (const p of pids) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const errors: string[] = [];
    for (const d of this.dirs()) {
      if (!existsSync(d)) continue;
      try {
        removeTree(Buffer.from(d, 'latin1'));
      } catch (e) {
        errors.push(`${d}: ${String(e)}`);
      }
    }
    if (errors.length) throw new Error(`sandbox not removed: ${errors.join('; ')}`);
  }
}
