import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { JumpHop } from './hostConfig';

/** Where the OpenSSH client is, if it is installed; `ssh -G` is the only faithful resolver. */
export function openSshClient(): string | undefined {
  for (const p of ['/usr/bin/ssh', '/usr/local/bin/ssh', '/bin/ssh']) if (existsSync(p)) return p;
  return undefined;
}

/**
 * The options OpenSSH would use for a host, as `ssh -G` prints them: lower-case keyword, then
 * the value; keywords that may repeat (identityfile) appear once per value. Resolves with a
 * map of keyword -> values, or rejects with ssh's own complaint (a bad config line).
 */
export function sshG(ssh: string, host: JumpHop, configFile: string | undefined): Promise<Map<string, string[]>> {
  const args = ['-G'];
  if (configFile !== undefined) args.push('-F', configFile);
  if (host.user !== undefined) args.push('-l', host.user);
  if (host.port !== undefined) args.push('-p', String(host.port));
  args.push('--', host.host);
  return new Promise((resolve, reject) => {
    execFile(ssh, args, { timeout: 10_000, maxBuffer: 1 << 20, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (err) {
        const why = String(stderr).trim().split('\n').filter((l) => !/Pseudo-terminal/.test(l)).join('; ');
        reject(new Error(`ssh -G ${host.host}: ${why || err.message}`));
        return;
      }
      resolve(parseSshG(String(stdout)));
    });
  });
}

export function parseSshG(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    const key = line.slice(0, sp).toLowerCase();
    const value = line.slice(sp + 1);
    const list = out.get(key);
    if (list) list.push(value);
    else out.set(key, [value]);
  }
  return out;
}
