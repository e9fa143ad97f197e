import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandTokens, jumpHops, parseJumpHop } from '../../src/core/transport/ssh/hostConfig';
import { privateKeyType } from '../../src/core/transport/ssh/keyFiles';
import { REMOTE_WRAPPER, remoteCommandLine, sudoWantsPassword } from '../../src/core/transport/ssh/remoteCommand';
import { resolveWithLibrary } from '../../src/core/transport/ssh/resolveLibrary';
import { parseSshG } from '../../src/core/transport/ssh/resolveOpenSsh';
import { hostConfigFrom, resolveRoute } from '../../src/core/transport/ssh/resolveRoute';

// The pure side of reaching a node: ssh_config resolution (ssh -G output and the parser
// fallback), ProxyJump hops, token expansion, and the exact bytes of the remote command.

describe('ssh config', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cf-sshcfg-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads ssh -G output into a host config, expanding tokens as ssh would', () => {
    const map = parseSshG(
      [
        'host web',
        'hostname 10.1.2.3',
        'user core',
        'port 2200',
        'identityfile ~/.ssh/id_%h_%r',
        'identityfile %d/second',
        'identitiesonly yes',
        'identityagent /run/agent-%u.sock',
        'proxycommand nc %h %p',
        'connecttimeout 7',
        'serveraliveinterval 5',
        'serveralivecountmax 4',
        'userknownhostsfile /k1 /k2',
        'globalknownhostsfile /etc/ssh/ssh_known_hosts',
        'hashknownhosts yes',
        'stricthostkeychecking accept-new',
        'compression yes',
        '',
      ].join('\n'),
    );
    const h = hostConfigFrom('web', map);
    assert.equal(h.hostName, '10.1.2.3');
    assert.equal(h.port, 2200);
    assert.equal(h.user, 'core');
    assert.deepEqual(h.identityFiles, [`${homedir()}/.ssh/id_10.1.2.3_core`, `${homedir()}/second`]);
    assert.equal(h.identitiesOnly, true);
    assert.match(h.identityAgent!, /^\/run\/agent-.+\.sock$/);
    assert.equal(h.proxyCommand, 'nc 10.1.2.3 2200');
    assert.equal(h.connectTimeout, 7);
    assert.equal(h.serverAliveInterval, 5);
    assert.equal(h.serverAliveCountMax, 4);
    assert.deepEqual(h.userKnownHostsFiles, ['/k1', '/k2']);
    assert.equal(h.hashKnownHosts, true);
    assert.equal(h.strictHostKeyChecking, 'accept-new');
    assert.equal(h.compression, true);
    const none = hostConfigFrom('x', parseSshG('hostname x\nidentityagent none\nproxycommand none\nproxyjump none\nconnecttimeout none\n'));
    assert.equal(none.identityAgent, undefined);
    assert.equal(none.proxyCommand, undefined);
    assert.equal(none.proxyJump, undefined);
    assert.equal(none.connectTimeout, undefined);
  });

  it('takes IdentityAgent from SSH_AUTH_SOCK when unset or named so', () => {
    const saved = process.env.SSH_AUTH_SOCK;
    process.env.SSH_AUTH_SOCK = '/tmp/agent.sock';
    try {
      assert.equal(hostConfigFrom('x', parseSshG('hostname x\n')).identityAgent, '/tmp/agent.sock');
      assert.equal(hostConfigFrom('x', parseSshG('hostname x\nidentityagent SSH_AUTH_SOCK\n')).identityAgent, '/tmp/agent.sock');
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
    }
  });

  it('parses ProxyJump hops in every form OpenSSH takes', () => {
    assert.deepEqual(parseJumpHop('bastion'), { host: 'bastion' });
    assert.deepEqual(parseJumpHop('ops@bastion:2222'), { host: 'bastion', user: 'ops', port: 2222 });
    assert.deepEqual(parseJumpHop('ssh://ops@bastion:22'), { host: 'bastion', user: 'ops', port: 22 });
    assert.deepEqual(parseJumpHop('[fe80::1]:2022'), { host: 'fe80::1', port: 2022 });
    assert.deepEqual(jumpHops('a, b:2'), [{ host: 'a' }, { host: 'b', port: 2 }]);
    assert.deepEqual(jumpHops('none'), []);
    assert.equal(expandTokens('%%h=%h', { hostName: 'n', port: 22, user: 'u', alias: 'a' }), '%h=n');
  });

  it('falls back to the ssh-config parser with Include (globbed, inside Host too), never running Match exec', () => {
    const marker = join(dir, 'match-exec-ran');
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'conf.d', '10-web.conf'), 'Host web\n  HostName 10.9.9.9\n  Port 2201\n  ProxyJump ops@bastion:2222\n');
    writeFileSync(join(dir, 'conf.d', 'ignored.txt'), 'Host web\n  HostName wrong\n');
    writeFileSync(join(dir, 'web-extra'), 'User core\nIdentityFile ~/.ssh/web\n');
    const cfg = join(dir, 'config');
    writeFileSync(
      cfg,
      [
        `Match exec "touch ${marker}"`,
        '  User hijacked',
        `Include ${dir}/conf.d/*.conf`,
        'Host web',
        `  Include ${dir}/web-extra`,
        'Host bastion',
        '  HostName 192.0.2.1',
        '  User admin',
        'Host *',
        '  ServerAliveInterval 9',
        '',
      ].join('\n'),
    );
    const web = hostConfigFrom('web', resolveWithLibrary({ host: 'web' }, cfg));
    assert.equal(existsSync(marker), false, 'Match exec must never run');
    assert.equal(web.hostName, '10.9.9.9');
    assert.equal(web.port, 2201);
    assert.equal(web.user, 'core');
    assert.deepEqual(web.identityFiles, [`${homedir()}/.ssh/web`]);
    assert.equal(web.serverAliveInterval, 9);
    assert.equal(web.proxyJump, 'ops@bastion:2222');
    // A hop's user and port from the ProxyJump spec override its own config.
    const hop = hostConfigFrom('bastion', resolveWithLibrary({ host: 'bastion', user: 'ops', port: 2222 }, cfg));
    assert.deepEqual([hop.hostName, hop.user, hop.port], ['192.0.2.1', 'ops', 2222]);
  });

  for (const resolver of ['library', 'openssh'] as const) {
    it(`resolves a ProxyJump chain, each hop by its own config (${resolver})`, async function () {
      if (resolver === 'openssh' && !existsSync('/usr/bin/ssh')) this.skip(); // the library fallback is what runs there
      const cfg = join(dir, `chain-${resolver}`);
      writeFileSync(
        cfg,
        [
          'Host node',
          '  HostName 10.0.0.10',
          '  ProxyJump hop2,hop3',
          'Host hop2',
          '  HostName 10.0.0.2',
          '  ProxyJump hop1',
          'Host hop3',
          '  HostName 10.0.0.3',
          '  Port 2203',
          '  ProxyJump ignored-because-reached-through-the-chain',
          'Host hop1',
          '  HostName 10.0.0.1',
          '  User jumper',
          '',
        ].join('\n'),
      );
      const route = await resolveRoute('node', { configFile: cfg, resolver });
      assert.deepEqual(
        route.jumps.map((j) => [j.alias, j.hostName, j.port]),
        [
          ['hop1', '10.0.0.1', 22],
          ['hop2', '10.0.0.2', 22],
          ['hop3', '10.0.0.3', 2203],
        ],
      );
      assert.equal(route.jumps[0]!.user, 'jumper');
      assert.equal(route.target.hostName, '10.0.0.10');
    });
  }

  it('refuses a ProxyJump loop', async () => {
    const cfg = join(dir, 'loop');
    writeFileSync(cfg, 'Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n');
    await assert.rejects(resolveRoute('a', { configFile: cfg, resolver: 'library' }), /loops/);
  });
});

describe('ssh remote command', () => {
  it('sends the argv as single-quoted words under a constant timeout wrapper', () => {
    const line = remoteCommandLine(['sh', '-c', "echo \"$1\"; exit 0", 'probe', "it's", ''], { timeoutSec: 600, sudo: false });
    // shellQuote quotes words that start with '-' too, so none can be taken for an option.
    assert.equal(line, `sh '-c' '${REMOTE_WRAPPER}' cf-run 600 sh '-c' 'echo "$1"; exit 0' probe 'it'\\''s' ''`);
    assert.equal(
      remoteCommandLine(['id', '-u'], { timeoutSec: 1.2, sudo: true }),
      `sh '-c' '${REMOTE_WRAPPER}' cf-run 2 sudo '-n' '--' id '-u'`,
    );
    assert.doesNotMatch(REMOTE_WRAPPER, /'/, 'the wrapper has no quote to escape');
  });

  it('recognises sudo -n asking for a password', () => {
    assert.ok(sudoWantsPassword('sudo: a password is required\n'));
    assert.ok(!sudoWantsPassword('sudo: unable to resolve host x\n'));
  });

  it('reads the key type of an OpenSSH private key without decrypting it', () => {
    const pub = Buffer.concat([Buffer.from([0, 0, 0, 26]), Buffer.from('sk-ssh-ed25519@openssh.com'), Buffer.from([0, 0, 0, 0])]);
    const str = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
    const body = Buffer.concat([Buffer.from('openssh-key-v1\0'), str(Buffer.from('none')), str(Buffer.from('none')), str(Buffer.alloc(0)), Buffer.from([0, 0, 0, 1]), str(pub)]);
    const pem = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
    assert.equal(privateKeyType(Buffer.from(pem)), 'sk-ssh-ed25519@openssh.com');
    assert.equal(privateKeyType(Buffer.from('-----BEGIN DSA PRIVATE KEY-----\n')), 'ssh-dss');
  });
});
