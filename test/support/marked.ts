import { readdirSync, readFileSync } from 'node:fs';

/**
 * Pids of this machine whose environment holds CF_MARK=mark: a test that starts programs it cannot
 * keep a handle on (a node's sessions behind a real sshd) gives them a marker of its own, then
 * finds exactly those in /proc, and ends exactly those.
 */
export function marked(mark: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`).includes(`CF_MARK=${mark}\0`)) out.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** Ends every process carrying the marker (SIGKILL). */
export function killMarked(mark: string): void {
  for (const pid of marked(mark)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}
