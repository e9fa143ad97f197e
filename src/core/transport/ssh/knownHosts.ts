import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * known_hosts as OpenSSH reads it (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): pure functions over the
 * text, so matching is tested without a network. A line is `[@marker] patterns keytype base64`.
 */
export interface KnownHostLine {
  file: string;
  /** 1-based, as OpenSSH reports "Offending key in FILE:LINE". */
  line: number;
  marker: 'revoked' | 'cert-authority' | undefined;
  /** Comma-separated patterns, or one |1|salt|hash entry. */
  hosts: string;
  keyType: string;
  key: Buffer;
}

export function parseKnownHosts(text: string, file: string): KnownHostLine[] {
  const out: KnownHostLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const f = raw.split(/\s+/);
    let marker: KnownHostLine['marker'];
    if (f[0]!.startsWith('@')) {
      const m = f.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue; // an unknown marker: OpenSSH skips the line
    }
    const [hosts, keyType, b64] = f;
    if (hosts === undefined || keyType === undefined || b64 === undefined) continue;
    if (!/^[A-Za-z0-9+/]+=*$/.test(b64)) continue;
    out.push({ file, line: i + 1, marker, hosts, keyType, key: Buffer.from(b64, 'base64') });
  }
  return out;
}

/** The name a host is looked up by: `host`, or `[host]:port` when the port is not 22. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** ssh's match_pattern: * and ? wildcards, case-insensitive. */
export function matchPattern(name: string, pattern: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'is');
  return re.test(name);
}

/** Whether a line's host field names the host: hashed entries, patterns, negation. */
export function hostsFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (salt === undefined || hash === undefined) return false;
    return hashHostName(name, Buffer.from(salt, 'base64')) === hosts;
  }
  let positive = false;
  for (const p of hosts.split(',')) {
    if (p.startsWith('!')) {
      if (matchPattern(name, p.slice(1))) return false; // a negated match overrides any other
    } else if (matchPattern(name, p)) positive = true;
  }
  return positive;
}

/** HashKnownHosts form: |1|base64(salt)|base64(HMAC-SHA1(salt, name)). */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const h = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${h}`;
}

/** The key type written inside a public key blob (its first SSH string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const n = blob.readUInt32BE(0);
  if (n > blob.length - 4 || n > 64) return 'unknown';
  return blob.subarray(4, 4 + n).toString('latin1');
}

/** `SHA256:base64` without padding, exactly as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** ED25519, ECDSA, RSA ... as OpenSSH names key types in its messages. */
export function keyTypeLabel(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (keyType === 'ssh-rsa') return 'RSA';
  if (keyType === 'ssh-dss') return 'DSA';
  if (keyType.startsWith('sk-ssh-ed25519')) return 'ED25519-SK';
  if (keyType.startsWith('sk-ecdsa')) return 'ECDSA-SK';
  return keyType.toUpperCase();
}

export type HostKeyVerdict =
  | { kind: 'known'; line: KnownHostLine }
  | { kind: 'revoked'; line: KnownHostLine }
  | { kind: 'changed'; lines: KnownHostLine[] }
  | { kind: 'cert-authority'; lines: KnownHostLine[] }
  | { kind: 'unknown'; otherTypes: string[] };

/**
 * What known_hosts says of the key a host presented, by OpenSSH's rules: a revoked key is refused
 * wherever it appears; a matching plain entry is known; another key of the same type for the host
 * is a changed key; a host covered only by @cert-authority needs a host certificate, which is not
 * verified here; otherwise the host is unknown (keys of other types may be on file).
 */
export function checkHostKey(lines: readonly KnownHostLine[], names: readonly string[], key: Buffer): HostKeyVerdict {
  const keyType = keyTypeOf(key);
  const revoked = lines.find((l) => l.marker === 'revoked' && l.key.equals(key));
  if (revoked) return { kind: 'revoked', line: revoked };
  const forHost = lines.filter((l) => l.marker !== 'revoked' && names.some((n) => hostsFieldMatches(l.hosts, n)));
  const plain = forHost.filter((l) => l.marker === undefined);
  const same = plain.find((l) => l.key.equals(key));
  if (same) return { kind: 'known', line: same };
  const changed = plain.filter((l) => l.keyType === keyType);
  if (changed.length) return { kind: 'changed', lines: changed };
  const ca = forHost.filter((l) => l.marker === 'cert-authority');
  if (ca.length && plain.length === 0) return { kind: 'cert-authority', lines: ca };
  return { kind: 'unknown', otherTypes: [...new Set(plain.map((l) => l.keyType))] };
}

/** The key types on file for a host (plain entries), in file order. */
export function knownKeyTypes(lines: readonly KnownHostLine[], names: readonly string[]): string[] {
  const types = lines.filter((l) => l.marker === undefined && names.some((n) => hostsFieldMatches(l.hosts, n))).map((l) => l.keyType);
  return [...new Set(types)];
}

/** Host key algorithms that produce keys of a type (RSA keys sign with three). */
export function algorithmsForKeyType(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

/**
 * As OpenSSH's order_hostkeyalgs: the algorithms of key types already known for the host first,
 * so a host known by its ECDSA key is not reported unknown because it also has an ED25519 key.
 */
export function preferKnownAlgorithms(available: readonly string[], knownTypes: readonly string[]): string[] {
  const preferred = knownTypes.flatMap(algorithmsForKeyType).filter((a) => available.includes(a));
  return [...new Set([...preferred, ...available])];
}

/** A known_hosts line in OpenSSH's format, hashed when HashKnownHosts is on. */
export function formatKnownHostLine(name: string, key: Buffer, hashed: boolean): string {
  return `${hashed ? hashHostName(name) : name} ${keyTypeOf(key)} ${key.toString('base64')}`;
}
