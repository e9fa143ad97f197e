import { homedir, userInfo } from 'node:os';

/**
 * The effective options for one host, as OpenSSH would use them. Produced by `ssh -G` where the
 * OpenSSH client exists, or by the ssh_config parser otherwise; everything after resolution
 * (connecting, verifying, authenticating) works from this alone.
 */
export interface HostConfig {
  /** What the user typed (the alias), for messages. */
  alias: string;
  hostName: string;
  port: number;
  user: string;
  identityFiles: string[];
  identitiesOnly: boolean;
  /** Agent socket path, or undefined for none. */
  identityAgent: string | undefined;
  /** Raw ProxyJump value ("a,b:2200"), undefined for none. */
  proxyJump: string | undefined;
  /** ProxyCommand with its %-tokens expanded, undefined for none. */
  proxyCommand: string | undefined;
  /** Seconds; undefined = no limit of OpenSSH's own (we still bound the handshake). */
  connectTimeout: number | undefined;
  /** Seconds; 0 = not set in the config. */
  serverAliveInterval: number;
  serverAliveCountMax: number;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  /** The name looked up in known_hosts instead of HostName. */
  hostKeyAlias: string | undefined;
  hashKnownHosts: boolean;
  strictHostKeyChecking: 'yes' | 'ask' | 'accept-new' | 'no';
  compression: boolean;
  batchMode: boolean;
  passwordAuthentication: boolean;
  kbdInteractiveAuthentication: boolean;
  pubkeyAuthentication: boolean;
}

export const DEFAULT_IDENTITY_FILES = ['~/.ssh/id_rsa', '~/.ssh/id_ecdsa', '~/.ssh/id_ecdsa_sk', '~/.ssh/id_ed25519', '~/.ssh/id_ed25519_sk', '~/.ssh/id_xmss', '~/.ssh/id_dsa'];

export interface TokenContext {
  hostName: string;
  port: number;
  user: string;
  alias: string;
}

/**
 * Expands `~` and the %-tokens ssh_config(5) allows in IdentityFile, IdentityAgent,
 * UserKnownHostsFile and ProxyCommand (%% %h %p %r %n %d %u %i). Unknown tokens are left alone.
 */
export function expandTokens(value: string, ctx: TokenContext, tilde = true): string {
  const home = homedir();
  let v = tilde && (value === '~' || value.startsWith('~/')) ? home + value.slice(1) : value;
  v = v.replace(/%([%hprnduiL])/g, (_m, t: string) => {
    switch (t) {
      case '%':
        return '%';
      case 'h':
        return ctx.hostName;
      case 'p':
        return String(ctx.port);
      case 'r':
        return ctx.user;
      case 'n':
        return ctx.alias;
      case 'd':
        return home;
      case 'u':
        return localUser();
      case 'i':
        return String(process.getuid?.() ?? 0);
      default:
        return `%${t}`;
    }
  });
  return v;
}

export function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

/** "none" in ssh_config switches an option off. */
export function noneToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v === '' || v.toLowerCase() === 'none' ? undefined : v;
}

export function yes(v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  return ['yes', 'true'].includes(v.toLowerCase());
}

export function strictness(v: string | undefined): HostConfig['strictHostKeyChecking'] {
  switch ((v ?? 'ask').toLowerCase()) {
    case 'yes':
    case 'true':
      return 'yes';
    case 'accept-new':
      return 'accept-new';
    case 'no':
    case 'off':
    case 'false':
      return 'no';
    default:
      return 'ask';
  }
}

export function seconds(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n > 0 ? n : undefined;
}

/** One ProxyJump hop: `[user@]host[:port]` or `ssh://[user@]host[:port]`. */
export interface JumpHop {
  user?: string;
  host: string;
  port?: number;
}

export function parseJumpHop(spec: string): JumpHop {
  let s = spec.trim();
  if (s.startsWith('ssh://')) s = s.slice(6).replace(/\/$/, '');
  let user: string | undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    user = s.slice(0, at);
    s = s.slice(at + 1);
  }
  let port: number | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    s = bracket[1]!;
    if (bracket[2]) port = Number(bracket[2]);
  } else {
    const m = /^([^:]+):(\d+)$/.exec(s);
    if (m) {
      s = m[1]!;
      port = Number(m[2]);
    }
  }
  if (s === '') throw new Error(`bad ProxyJump hop '${spec}'`);
  return { host: s, ...(user !== undefined && user !== '' ? { user } : {}), ...(port !== undefined ? { port } : {}) };
}

/** Splits a ProxyJump value into hops; "none" is no hops. */
export function jumpHops(value: string | undefined): JumpHop[] {
  const v = noneToUndefined(value);
  if (v === undefined) return [];
  return v.split(',').filter((h) => h.trim() !== '').map(parseJumpHop);
}
