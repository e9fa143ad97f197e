import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The shells, awks and finds a node may have. Each is a PATH holding just one combination;
 * the probe must give the same snapshot under all of them.
 */
export interface Toolchain {
  name: string;
  /** Why it cannot run here, or undefined. */
  missing?: string;
  /** Environment that puts this combination first in PATH (made on first call). */
  env(): Record<string, string>;
}

/** Every program the probe runs. PATH holds only these, so the probe can use nothing else. */
const PROBE_TOOLS = ['sh', 'awk', 'find', 'od', 'sed', 'date', 'tr'];
const SYSTEM: Record<string, string> = { find: '/usr/bin/find', od: '/usr/bin/od', sed: '/bin/sed', date: '/bin/date', tr: '/usr/bin/tr' };

function pathWith(links: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cf-tools-'));
  mkdirSync(dir, { recursive: true });
  for (const name of PROBE_TOOLS) symlinkSync(links[name] ?? SYSTEM[name]!, join(dir, name));
  return dir;
}

export function toolchains(): Toolchain[] {
  const out: Toolchain[] = [];
  out.push({ name: 'dash + mawk + GNU find', ...need(['/bin/dash', '/usr/bin/mawk']), env: lazyEnv({ sh: '/bin/dash', awk: '/usr/bin/mawk' }) });
  out.push({ name: 'bash + gawk + GNU find', ...need(['/bin/bash', '/usr/bin/gawk']), env: lazyEnv({ sh: '/bin/bash', awk: '/usr/bin/gawk' }) });
  const bb = '/bin/busybox';
  out.push({
    name: 'busybox sh + awk + find + od',
    ...need([bb]),
    env: lazyEnv(Object.fromEntries(PROBE_TOOLS.map((t) => [t, bb]))),
  });
  return out;
}

function need(files: string[]): { missing?: string } {
  const gone = files.filter((f) => !existsSync(f));
  return gone.length ? { missing: `not installed: ${gone.join(', ')}` } : {};
}

function lazyEnv(links: Record<string, string>): () => Record<string, string> {
  let path: string | undefined;
  return () => ({ PATH: (path ??= pathWith(links)) });
}
