import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../logger';
import type { HostConfig } from './hostConfig';
import {
  checkHostKey,
  fingerprint,
  formatKnownHostLine,
  keyTypeLabel,
  keyTypeOf,
  knownHostName,
  knownKeyTypes,
  parseKnownHosts,
  type KnownHostLine,
} from './knownHosts';
import { SshError } from './sshError';
import type { SshInteraction } from './sshInteraction';

/** known_hosts of one host: the names it is looked up by and the lines of every file. */
export interface HostKeyContext {
  host: HostConfig;
  names: string[];
  lines: KnownHostLine[];
}

export function hostKeyContext(host: HostConfig): HostKeyContext {
  const name = knownHostName(host.hostKeyAlias ?? host.hostName, host.port);
  const lines: KnownHostLine[] = [];
  for (const f of [...host.userKnownHostsFiles, ...host.globalKnownHostsFiles]) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    lines.push(...parseKnownHosts(text, f));
  }
  return { host, names: [name], lines };
}

export function knownTypesFor(ctx: HostKeyContext): string[] {
  return knownKeyTypes(ctx.lines, ctx.names);
}

export interface HostKeyPolicy {
  /** `--accept-new`: trust an unknown host on first use and record it (a changed key is still refused). */
  acceptNew?: boolean;
  interaction: SshInteraction;
  logger: Logger;
}

/**
 * Decides on the key a host presented: resolves when it may be trusted, rejects with an SshError
 * saying why not. Nothing is written to known_hosts until an unknown key is accepted.
 */
export async function verifyHostKey(ctx: HostKeyContext, key: Buffer, policy: HostKeyPolicy): Promise<void> {
  const name = ctx.names[0]!;
  const type = keyTypeOf(key);
  const label = keyTypeLabel(type);
  const fp = fingerprint(key);
  const verdict = checkHostKey(ctx.lines, ctx.names, key);
  switch (verdict.kind) {
    case 'known':
      policy.logger.debug(`ssh ${ctx.host.alias}: host key ${label} ${fp} found in ${verdict.line.file}:${verdict.line.line}`);
      return;
    case 'revoked':
      throw new SshError(
        'host-key-revoked',
        `Host key for ${name} (${label} ${fp}) is marked as revoked in ${verdict.line.file}:${verdict.line.line}.\nThis could mean that a stolen key is being used to impersonate this host.\nHost key verification failed.`,
      );
    case 'changed':
      throw new SshError('host-key-changed', changedWarning(name, label, fp, verdict.lines));
    case 'cert-authority':
      throw new SshError(
        'host-certificate',
        `${name} is covered by @cert-authority in ${verdict.lines[0]!.file}:${verdict.lines[0]!.line}, but this client cannot verify a host certificate; add the host's own key to known_hosts (ssh-keyscan, checked out of band).\nHost key verification failed.`,
      );
    case 'unknown':
      break;
    default: {
      const never: never = verdict;
      throw new Error(`unexpected verdict ${String(never)}`);
    }
  }
  const target = ctx.host.userKnownHostsFiles[0];
  const unknown = `The authenticity of host '${name}' can't be established.\n${label} key fingerprint is ${fp}.`;
  if (ctx.host.strictHostKeyChecking === 'yes') {
    throw new SshError('host-key-unknown', `${unknown}\nNo ${label} host key is known for ${name} and StrictHostKeyChecking is on.\nHost key verification failed.`);
  }
  let accepted: boolean;
  let reason = '';
  if (policy.acceptNew || ctx.host.strictHostKeyChecking === 'accept-new') {
    accepted = true;
  } else {
    const answer = await policy.interaction.confirmHostKey({
      host: name,
      alias: ctx.host.alias,
      keyType: type,
      keyTypeLabel: label,
      fingerprint: fp,
      otherTypes: verdict.otherTypes,
    });
    accepted = answer.accepted;
    if (!answer.accepted) reason = answer.reason;
  }
  if (!accepted) throw new SshError('host-key-unknown', `${unknown}\nNot accepted${reason ? `: ${reason}` : ''}.\nHost key verification failed.`);
  if (target === undefined) {
    policy.logger.warn(`ssh ${ctx.host.alias}: no UserKnownHostsFile to record ${name} in; the key is trusted for this connection only`);
    return;
  }
  appendKnownHost(target, formatKnownHostLine(name, key, ctx.host.hashKnownHosts));
  policy.logger.warn(`Permanently added '${name}' (${label}) to the list of known hosts (${target}).`);
}

function changedWarning(name: string, label: string, fp: string, lines: KnownHostLine[]): string {
  const bar = '@'.repeat(59);
  const first = lines[0]!;
  return [
    bar,
    '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
    bar,
    'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
    'Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
    'It is also possible that a host key has just been changed.',
    `The fingerprint for the ${label} key sent by the remote host is`,
    `${fp}.`,
    'Please contact your system administrator.',
    `Add correct host key in ${first.file} to get rid of this message.`,
    ...lines.map((l) => `Offending ${keyTypeLabel(l.keyType)} key in ${l.file}:${l.line}`),
    `Host key for ${name} has changed; cgroup-forensics will not connect (no override).`,
    'Host key verification failed.',
  ].join('\n');
}

/** Appends one line, starting a new line if the file does not end with one; creates ~/.ssh 0700. */
function appendKnownHost(file: string, line: string): void {
  const dir = dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  let prefix = '';
  if (existsSync(file) && statSync(file).size > 0) {
    const text = readFileSync(file);
    if (text[text.length - 1] !== 0x0a) prefix = '\n';
  }
  appendFileSync(file, `${prefix}${line}\n`, { mode: 0o644 });
}
