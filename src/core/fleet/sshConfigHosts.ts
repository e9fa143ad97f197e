import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { inlineIncludes } from '../transport/ssh/resolveLibrary';

/**
 * The Host aliases of the ssh_config files ssh would read (FILE alone for --ssh-config FILE, else
 * ~/.ssh/config and /etc/ssh/ssh_config, with their Include lines followed) that match an
 * ssh-style glob (`*`, `?`). A Host word holding a wildcard or a negation is a pattern that
 * applies options to hosts, not a host: it is never listed. In file order, each alias once.
 */
export function sshConfigAliases(glob: string, configFile?: string): string[] {
  const files = configFile !== undefined ? [configFile] : [join(homedir(), '.ssh', 'config'), '/etc/ssh/ssh_config'];
  const match = globMatcher(glob);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    if (configFile === undefined && !existsSync(f)) continue;
    const text = inlineIncludes(f, configFile !== undefined || f !== '/etc/ssh/ssh_config' ? join(homedir(), '.ssh') : '/etc/ssh');
    for (const alias of hostWords(text)) {
      if (seen.has(alias) || !match(alias)) continue;
      seen.add(alias);
      out.push(alias);
    }
  }
  return out;
}

/** The words of every `Host` line (keyword case-insensitive, `Host=a b` too, quoted words unquoted) that name one host. */
export function hostWords(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*host(?:\s*=\s*|\s+)(.*)$/i.exec(line);
    if (!m) continue;
    for (const w of m[1]!.replace(/\s#.*$/, '').matchAll(/"([^"]*)"|(\S+)/g)) {
      const word = w[1] ?? w[2]!;
      if (word === '' || /[*?!]/.test(word)) continue;
      out.push(word);
    }
  }
  return out;
}

/** An ssh_config-style glob (`*` any run, `?` one character), matched whole and case-insensitively as ssh matches host patterns. */
export function globMatcher(glob: string): (name: string) => boolean {
  const re = new RegExp(`^${[...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 'i');
  return (name) => re.test(name);
}
