import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';

/** The concrete Host aliases of an ssh config (patterns such as "*" or "10.*" are not nodes). */
export async function sshConfigHosts(path: string): Promise<string[]> {
  const file = path.trim() === '' ? join(homedir(), '.ssh', 'config') : path.replace(/^~(?=\/|$)/, homedir());
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const hosts = new Set<string>();
  for (const line of SSHConfig.parse(text)) {
    if (!('param' in line) || line.param.toLowerCase() !== 'host') continue;
    const values = Array.isArray(line.value) ? line.value.map((v) => (typeof v === 'string' ? v : v.val)) : [String(line.value)];
    for (const v of values.flatMap((x) => x.split(/\s+/))) if (v && !/[*?!]/.test(v)) hosts.add(v);
  }
  return [...hosts].sort();
}
