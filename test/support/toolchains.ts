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

/**
 * The programs the node-side scripts may run: the probe's own (sh, awk, find, od, sed, date, tr)
 * and the userland the facts and process programs use. PATH holds only these, so a script can
 * rely on nothing else, and no other awk (a gawk beside the mawk under test) can be picked up.
 */
const PROBE_TOOLS = ['sh', 'awk', 'find', 'od', 'sed', 'date', 'tr'];
const USERLAND = ['cat', 'head', 'mktemp', 'rm', 'id', 'ls', 'ps', 'wc', 'chroot', 'timeout', 'uname', 'sleep'];

function systemTool(name: string): string | undefined {
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (existsSync(join(d, name))) return join(d, name);
  }
  return undefined;
}

function pathWith(links: Record<string, string>, busybox: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'cf-tools-'));
  mkdirSync(dir, { recursive: true });
  for (const name of [...PROBE_TOOLS, ...USERLAND]) {
    const target = links[name] ?? (busybox ? '/bin/busybox' : systemTool(name));
    if (target) symlinkSync(target, join(dir, name));
  }
  return dir;
}

export function toolchains(): Toolchain[] {
  const out: Toolchain[] = [];
  out.push({ name: 'dash + mawk + GNU find', ...need(['/bin/dash', '/usr/bin/mawk']), env: lazyEnv({ sh: '/bin/dash', awk: '/usr/bin/mawk' }, false) });
  out.push({ name: 'bash + gawk + GNU find', ...need(['/bin/bash', '/usr/bin/gawk']), env: lazyEnv({ sh: '/bin/bash', awk: '/usr/bin/gawk' }, false) });
  const bb = '/bin/busybox';
  out.push({
    name: 'busybox sh + awk + find + od',
    ...need([bb]),
    env: lazyEnv({}, true),
  });
  return out;
}

function need(files: string[]): { missing?: string } {
  const gone = files.filter((f) => !existsSync(f));
  return gone.length ? { missing: `not installed: ${gone.join(', ')}` } : {};
}

function lazyEnv(links: Record<string, string>, busybox: boolean): () => Record<string, string> {
  let path: string | undefined;
  return () => ({ PATH: (path ??= pathWith(links, busybox)) });
}
