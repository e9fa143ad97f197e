import { readFileSync } from 'node:fs';
import { utils, type ParsedKey } from 'ssh2';
import { keyTypeOf } from './knownHosts';

/** Key types ssh2 can sign with. */
export const SUPPORTED_KEY_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa', 'ssh-dss'];

export type KeyLoad =
  | { kind: 'key'; key: ParsedKey }
  | { kind: 'missing' }
  | { kind: 'encrypted' }
  | { kind: 'wrong-passphrase' }
  | { kind: 'unsupported'; message: string };

/**
 * Reads a private key file (OpenSSH or PEM format, encrypted or not). Never throws: a file that
 * cannot be used says why, naming an unsupported key type rather than failing generically.
 */
export function loadKeyFile(file: string, passphrase?: string): KeyLoad {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return { kind: 'missing' };
  }
  const r = utils.parseKey(data, passphrase);
  if (!(r instanceof Error)) {
    const key = Array.isArray(r) ? (r as ParsedKey[])[0] : r;
    if (key === undefined || !key.isPrivateKey()) return { kind: 'unsupported', message: `${file} holds no private key` };
    return { kind: 'key', key };
  }
  if (/no passphrase given/i.test(r.message)) return { kind: 'encrypted' };
  if (passphrase !== undefined && /integrity check failed|decrypt|bad/i.test(r.message)) return { kind: 'wrong-passphrase' };
  const type = privateKeyType(data);
  if (type !== undefined && !SUPPORTED_KEY_TYPES.includes(type)) return { kind: 'unsupported', message: `${file}: unsupported key type ${type} (supported: ${SUPPORTED_KEY_TYPES.join(', ')})` };
  if (/BEGIN (ENCRYPTED )?PRIVATE KEY/.test(data.toString('latin1'))) {
    return { kind: 'unsupported', message: `${file}: unsupported key format PKCS#8 (convert it with 'ssh-keygen -p -f ${file}' to the OpenSSH format)` };
  }
  if (passphrase !== undefined) return { kind: 'wrong-passphrase' };
  return { kind: 'unsupported', message: `${file}: cannot be used (${r.message}${type ? `; key type ${type}` : ''})` };
}

/** The public key blob of an identity (from FILE.pub, else from an unencrypted private key). */
export function identityPublicBlob(file: string): Buffer | undefined {
  for (const f of [`${file}.pub`, file]) {
    let data: Buffer;
    try {
      data = readFileSync(f);
    } catch {
      continue;
    }
    const r = utils.parseKey(data);
    if (r instanceof Error) continue;
    const key = Array.isArray(r) ? (r as ParsedKey[])[0] : r;
    if (key) return key.getPublicSSH();
  }
  return undefined;
}

/** The key type a private key file declares, read without decrypting it. */
export function privateKeyType(data: Buffer): string | undefined {
  const text = data.toString('latin1');
  const pem = /-----BEGIN ([A-Z0-9 ]+) PRIVATE KEY-----/.exec(text);
  if (!pem) return undefined;
  switch (pem[1]) {
    case 'RSA':
      return 'ssh-rsa';
    case 'DSA':
      return 'ssh-dss';
    case 'EC':
      return 'ecdsa-sha2-nistp256';
    case 'OPENSSH':
      break;
    default:
      return undefined;
  }
  const body = text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const blob = Buffer.from(body, 'base64');
  const magic = 'openssh-key-v1\0';
  if (blob.toString('latin1', 0, magic.length) !== magic) return undefined;
  let off = magic.length;
  const str = (): Buffer | undefined => {
    if (off + 4 > blob.length) return undefined;
    const n = blob.readUInt32BE(off);
    off += 4;
    if (off + n > blob.length) return undefined;
    const s = blob.subarray(off, off + n);
    off += n;
    return s;
  };
  str(); // cipher
  str(); // kdf
  str(); // kdf options
  off += 4; // number of keys
  const pub = str();
  return pub ? keyTypeOf(pub) : undefined;
}
