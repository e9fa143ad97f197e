import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseSshConfig } from 'ssh-config';
import { DEFAULT_IDENTITY_FILES, localUser, type JumpHop } from './hostConfig';

/**
 * The fallback where no OpenSSH client exists: the ssh_config files parsed by the `ssh-config`
 * package, with `Include` expanded here and `Match exec` never run (config text is data, and
 * running it is what `ssh -G` is for). Returns the same keyword -> values map as `ssh -G`.
 *
 * Include inside a Host/Match block is inlined and the block's condition is restated after it,
 * which is how OpenSSH scopes it for the common case of included files holding plain options.
 */
export function resolveWithLibrary(host: JumpHop, configFile: string | undefined): Map<string, string[]> {
  const files = configFile !== undefined ? [configFile] : [join(homedir(), '.ssh', 'config'), '/etc/ssh/ssh_config'];
  const text = files
    .filter((f) => existsSync(f))
    .map((f) => inlineIncludes(f, configFile !== undefined || f !== '/etc/ssh/ssh_config' ? join(homedir(), '.ssh') : '/etc/ssh', 0))
    .join('\n');
  const computed = parseSshConfig(text).compute(host.host, { ignoreCase: true, matchExec: false }) as Record<string, string | string[]>;
  const out = new Map<string, string[]>();
  for (const [k, v] of Object.entries(computed)) out.set(k.toLowerCase(), Array.isArray(v) ? v : [v]);
  const one = (k: string, v: string): void => {
    if (!out.has(k)) out.set(k, [v]);
  };
  if (host.user !== undefined) out.set('user', [host.user]);
  if (host.port !== undefined) out.set('port', [String(host.port)]);
  one('hostname', host.host);
  one('user', localUser());
  one('port', '22');
  one('identityfile', '');
  if (out.get('identityfile')?.join('') === '') out.set('identityfile', DEFAULT_IDENTITY_FILES);
  one('userknownhostsfile', '~/.ssh/known_hosts ~/.ssh/known_hosts2');
  one('globalknownhostsfile', '/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2');
  one('serveralivecountmax', '3');
  one('serveraliveinterval', '0');
  return out;
}

/** A config file with its Include lines replaced by the files they name (also used to list a config's Host aliases: fleet). */
export function inlineIncludes(file: string, relativeTo: string, depth = 0): string {
  if (depth > 16) throw new Error(`${file}: Include nested too deeply`);
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: string[] = [];
  let block: string | undefined;
  for (const line of lines) {
    const m = /^\s*(\w+)\s*=?\s*(.*?)\s*$/.exec(line);
    const kw = m?.[1]?.toLowerCase();
    if (kw === 'host' || kw === 'match') block = line;
    if (kw !== 'include') {
      out.push(line);
      continue;
    }
    for (const pattern of splitArgs(m![2]!)) {
      const abs = expandHome(pattern);
      const full = isAbsolute(abs) ? abs : join(relativeTo, abs);
      for (const f of globFiles(full)) out.push(inlineIncludes(f, relativeTo, depth + 1));
    }
    if (block !== undefined) out.push(block);
  }
  return out.join('\n');
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2]!);
  return out;
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
}

/** Files matching a path whose last component may hold * and ? (sorted, as glob(3) returns). */
function globFiles(path: string): string[] {
  const dir = dirname(path);
  const base = path.slice(dir.length + 1);
  if (!/[*?]/.test(base)) return existsSync(path) ? [path] : [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return names.filter((n) => re.test(n) && !n.startsWith('.')).sort().map((n) => join(dir, n));
}
