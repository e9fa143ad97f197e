import assert from 'node:assert/strict';
import {
  checkHostKey,
  fingerprint,
  formatKnownHostLine,
  hostsFieldMatches,
  keyTypeOf,
  knownHostName,
  knownKeyTypes,
  parseKnownHosts,
  preferKnownAlgorithms,
} from '../../src/core/transport/ssh/knownHosts';

// known_hosts rules, checked on vectors made by OpenSSH's own ssh-keygen (-l, -H).
const ED = 'AAAAC3NzaC1lZDI1NTE5AAAAIOE1y8eojQpsnqJ7+hJR/jaelXNUn1NyJ9gRvFB6/yGz';
const ED_FP = 'SHA256:/EbnSp8Jkn/0kORvL3oUJr2ecBjIV5ZFs4MtP5FWEGU'; // ssh-keygen -l
const HASHED_EXAMPLE = '|1|D6QXZYY/bsDTE73SWgNL26ZB2XE=|t6DgkReJ8cupI4SpjpKLaz/6pvw='; // example.com, ssh-keygen -H
const HASHED_PORT = '|1|8wkVulNCogbbTbhCMQnkARn0Lag=|WGTN04LAvCkISNyEtvRwP8CMftE='; // [10.0.0.5]:2222
// Another ed25519 key and an ECDSA one (type strings and bytes are all that matter here).
const blob = (type: string, body: string): Buffer => {
  const t = Buffer.from(type);
  const b = Buffer.from(body);
  const out = Buffer.alloc(8 + t.length + b.length);
  out.writeUInt32BE(t.length, 0);
  t.copy(out, 4);
  out.writeUInt32BE(b.length, 4 + t.length);
  b.copy(out, 8 + t.length);
  return out;
};
const edKey = Buffer.from(ED, 'base64');
const otherEd = blob('ssh-ed25519', 'another key of 32 bytes........!');
const ecdsa = blob('ecdsa-sha2-nistp256', 'an ecdsa key');
const line = (hosts: string, key: Buffer, marker = ''): string => `${marker ? `${marker} ` : ''}${hosts} ${keyTypeOf(key)} ${key.toString('base64')}`;

describe('known_hosts', () => {
  it('names hosts as OpenSSH looks them up: [host]:port unless the port is 22', () => {
    assert.equal(knownHostName('node1', 22), 'node1');
    assert.equal(knownHostName('127.0.0.1', 2222), '[127.0.0.1]:2222');
  });

  it('computes the SHA256 fingerprint exactly as ssh-keygen -l prints it', () => {
    assert.equal(fingerprint(edKey), ED_FP);
    assert.equal(keyTypeOf(edKey), 'ssh-ed25519');
  });

  it('parses lines, markers and comments, skipping what OpenSSH skips', () => {
    const lines = parseKnownHosts(['# comment', '', line('a,b', edKey), line('*', edKey, '@revoked'), line('*.corp', ecdsa, '@cert-authority'), '@bogus x ssh-ed25519 AAAA', 'short line', `c ssh-ed25519 not*base64`].join('\n'), 'F');
    assert.deepEqual(
      lines.map((l) => [l.line, l.marker, l.hosts, l.keyType]),
      [
        [3, undefined, 'a,b', 'ssh-ed25519'],
        [4, 'revoked', '*', 'ssh-ed25519'],
        [5, 'cert-authority', '*.corp', 'ecdsa-sha2-nistp256'],
      ],
    );
  });

  it('matches hashed entries made by ssh-keygen -H, including [host]:port', () => {
    assert.ok(hostsFieldMatches(HASHED_EXAMPLE, 'example.com'));
    assert.ok(!hostsFieldMatches(HASHED_EXAMPLE, 'example.org'));
    assert.ok(hostsFieldMatches(HASHED_PORT, '[10.0.0.5]:2222'));
    assert.ok(!hostsFieldMatches(HASHED_PORT, '10.0.0.5'));
  });

  it('matches patterns (* ?), case-insensitively, with negation overriding', () => {
    assert.ok(hostsFieldMatches('node-?.k8s,bastion', 'NODE-1.k8s'));
    assert.ok(hostsFieldMatches('*.k8s', 'a.b.k8s'));
    assert.ok(!hostsFieldMatches('*.k8s', 'k8s'));
    assert.ok(hostsFieldMatches('[10.0.0.*]:2222', '[10.0.0.7]:2222'));
    assert.ok(!hostsFieldMatches('10.0.0.7', '[10.0.0.7]:2222'));
    assert.ok(!hostsFieldMatches('*.k8s,!bad.k8s', 'bad.k8s'));
    assert.ok(hostsFieldMatches('*.k8s,!bad.k8s', 'good.k8s'));
    assert.ok(!hostsFieldMatches('!bad.k8s', 'good.k8s'), 'a negation alone matches nothing');
  });

  it('gives OpenSSH verdicts: known, changed, revoked, cert-authority, unknown', () => {
    const names = ['[10.0.0.5]:2222'];
    const parse = (...ls: string[]) => parseKnownHosts(ls.join('\n'), 'kh');
    assert.equal(checkHostKey(parse(line(HASHED_PORT, edKey)), names, edKey).kind, 'known');
    const changed = checkHostKey(parse(line('x', edKey), line('[10.0.0.5]:*', otherEd)), names, edKey);
    assert.equal(changed.kind, 'changed');
    assert.equal(changed.kind === 'changed' && changed.lines[0]!.line, 2);
    // Revoked wins over a plain entry, wherever it is and whatever host it names.
    assert.equal(checkHostKey(parse(line('[10.0.0.5]:2222', edKey), line('elsewhere', edKey, '@revoked')), names, edKey).kind, 'revoked');
    assert.equal(checkHostKey(parse(line('[10.0.0.5]:*', ecdsa, '@cert-authority')), names, edKey).kind, 'cert-authority');
    const unknown = checkHostKey(parse(line('[10.0.0.5]:2222', ecdsa)), names, edKey);
    assert.deepEqual(unknown, { kind: 'unknown', otherTypes: ['ecdsa-sha2-nistp256'] });
    assert.equal(checkHostKey(parse(line('[10.0.0.5]:*,![10.0.0.5]:2222', edKey)), names, edKey).kind, 'unknown');
  });

  it('puts the algorithms of key types already known for the host first', () => {
    const available = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
    const lines = parseKnownHosts([line('h', ecdsa), line('h', blob('ssh-rsa', 'r')), line('other', edKey)].join('\n'), 'kh');
    const known = knownKeyTypes(lines, ['h']);
    assert.deepEqual(known, ['ecdsa-sha2-nistp256', 'ssh-rsa']);
    assert.deepEqual(preferKnownAlgorithms(available, known), ['ecdsa-sha2-nistp256', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
    assert.deepEqual(preferKnownAlgorithms(available, []), available);
  });

  it('formats new entries in OpenSSH format, hashed when asked, and they match again', () => {
    assert.equal(formatKnownHostLine('[h]:2', edKey, false), `[h]:2 ssh-ed25519 ${ED}`);
    const hashed = formatKnownHostLine('[h]:2', edKey, true);
    assert.match(hashed, /^\|1\|[A-Za-z0-9+/=]{28}\|[A-Za-z0-9+/=]{28} ssh-ed25519 /);
    assert.equal(checkHostKey(parseKnownHosts(hashed, 'kh'), ['[h]:2'], edKey).kind, 'known');
  });
});
