import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolveRoute } from '../../src/core/transport/ssh/resolveRoute';
import { SshError } from '../../src/core/transport/ssh/sshError';
import { SshTransport } from '../../src/core/transport/ssh/sshTransport';
import { needs } from '../support/prereq';
import { hostBlock, ScriptedInteraction, SshLab, sshdMissing, sshKeygen, TestSshd } from '../support/sshd';

// Connecting as `ssh ALIAS` would, against Debian's real sshd on loopback ports: config
// resolution (Include, ProxyJump), agent and key-file authentication.

async function runText(t: SshTransport, argv: string[]): Promise<{ out: string; code: number | null }> {
  let out = '';
  const r = await t.run({ argv, onStdout: (c) => (out += c.toString('utf8')) });
  return { out, code: r.exitCode };
}

async function failure(p: Promise<unknown>): Promise<SshError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SshError, `not an SshError: ${String(e)}`);
    return e;
  }
  assert.fail('expected a failure');
}

function fingerprintOf(pub: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pub], { encoding: 'utf8' }).split(' ')[1]!;
}

describe('ssh: connecting like OpenSSH', function () {
  this.timeout(60_000);
  let lab: SshLab;
  let sshd: TestSshd;
  let jump: TestSshd;
  let knownHosts: string;

  before(async function () {
    needs(this, sshdMissing());
    lab = new SshLab();
    sshd = await TestSshd.start(lab, 'node');
    jump = await TestSshd.start(lab, 'jump');
    knownHosts = lab.write('known_hosts', `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic()}\n[127.0.0.1]:${jump.port} ${jump.hostKeyPublic()}\n`);
  });

  after(async () => {
    await sshd?.stop();
    await jump?.stop();
    lab?.remove();
  });

  it('resolves an alias through an ssh_config with Include (also inside a Host block) and runs on it', async () => {
    lab.write('conf.d/10-node.conf', hostBlock('incnode', { port: sshd.port, identityFile: lab.userKey, knownHosts }));
    lab.write('conf.d/keepalive.inc', 'ServerAliveInterval 7\nServerAliveCountMax 2\nConnectTimeout 9\n');
    const cfg = lab.write('include.config', `Include ${lab.dir}/conf.d/*.conf\nHost incnode\n  Include ${lab.dir}/conf.d/keepalive.inc\n`);
    const route = await resolveRoute('incnode', { configFile: cfg });
    assert.equal(route.jumps.length, 0);
    assert.equal(route.target.hostName, '127.0.0.1');
    assert.equal(route.target.port, sshd.port);
    assert.deepEqual(route.target.identityFiles, [lab.userKey]);
    assert.equal(route.target.identitiesOnly, true);
    assert.equal(route.target.serverAliveInterval, 7);
    assert.equal(route.target.serverAliveCountMax, 2);
    assert.equal(route.target.connectTimeout, 9);
    assert.deepEqual(route.target.userKnownHostsFiles, [knownHosts]);
    const t = new SshTransport({ alias: 'incnode', configFile: cfg, interaction: new ScriptedInteraction() });
    try {
      const r = await runText(t, ['sh', '-c', 'printf "%s|" "$@"', 'x', "it's", 'two words', '$HOME', '']);
      assert.equal(r.code, 0);
      assert.equal(r.out, "it's|two words|$HOME||");
    } finally {
      t.dispose();
    }
  });

  it('authenticates with an ssh-agent started by the test (IdentityAgent)', async () => {
    const agentKey = sshKeygen(lab.path('agent_key'));
    lab.authorize(`${agentKey}.pub`);
    const sock = lab.path('agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
      execFileSync('ssh-add', ['-q', agentKey], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const cfg = lab.write(
        'agent.config',
        hostBlock('viaagent', { port: sshd.port, knownHosts }).replace('  IdentityAgent none\n', `  IdentityAgent ${sock}\n  IdentityFile ${lab.path('no_such_key')}\n`),
      );
      const t = new SshTransport({ alias: 'viaagent', configFile: cfg, interaction: new ScriptedInteraction() });
      try {
        const r = await runText(t, ['id', '-u']);
        assert.equal(r.out.trim(), '0');
      } finally {
        t.dispose();
      }
      assert.ok(sshd.logText.includes(`Accepted publickey for root from 127.0.0.1`), sshd.logText);
      assert.ok(sshd.logText.includes(fingerprintOf(`${agentKey}.pub`)), 'the agent key was the one accepted');

      // IdentitiesOnly: of the agent's keys, only the configured identity's is offered (here a
      // second agent key whose private file is gone, as with keys that live only in the agent).
      const onlyKey = sshKeygen(lab.path('agent_only_key'));
      lab.authorize(`${onlyKey}.pub`);
      execFileSync('ssh-add', ['-q', onlyKey], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      rmSync(onlyKey);
      const onlyCfg = lab.write('agent-only.config', hostBlock('agentonly', { port: sshd.port, knownHosts, identityFile: onlyKey }).replace('  IdentityAgent none\n', `  IdentityAgent ${sock}\n`));
      const before = sshd.logText.length;
      const t2 = new SshTransport({ alias: 'agentonly', configFile: onlyCfg, interaction: new ScriptedInteraction() });
      try {
        assert.equal((await runText(t2, ['echo', 'only'])).out, 'only\n');
      } finally {
        t2.dispose();
      }
      const log = sshd.logText.slice(before);
      assert.ok(log.includes(fingerprintOf(`${onlyKey}.pub`)), log);
      assert.ok(!log.includes(fingerprintOf(`${agentKey}.pub`)), 'the other agent key was not offered');
    } finally {
      agent.kill('SIGTERM');
    }
  });

  for (const format of ['OpenSSH', 'PEM'] as const) {
    it(`asks for the passphrase of an encrypted ${format} key file through the interaction`, async () => {
      const key = sshKeygen(lab.path(`enc_${format}`), format === 'PEM' ? 'rsa' : 'ed25519', 'correct horse', format === 'PEM' ? ['-m', 'PEM'] : []);
      lab.authorize(`${key}.pub`);
      const cfg = lab.write(`enc_${format}.config`, hostBlock('enc', { port: sshd.port, identityFile: key, knownHosts }));
      const asked = new ScriptedInteraction({ passphrase: 'correct horse' });
      const t = new SshTransport({ alias: 'enc', configFile: cfg, interaction: asked });
      try {
        assert.equal((await runText(t, ['echo', 'ok'])).out, 'ok\n');
      } finally {
        t.dispose();
      }
      assert.deepEqual(asked.passphraseQuestions, [key]);
      assert.ok(sshd.logText.includes(fingerprintOf(`${key}.pub`)));

      const wrong = new ScriptedInteraction({ passphrase: 'wrong' });
      const t2 = new SshTransport({ alias: 'enc', configFile: cfg, interaction: wrong });
      try {
        const e = await failure(runText(t2, ['true']));
        assert.equal(e.code, 'auth');
        assert.match(e.message, /permission denied for root@127\.0\.0\.1/);
        assert.match(e.message, /wrong passphrase/);
        assert.equal(wrong.passphraseQuestions.length, 3, 'asked again, as ssh does, up to three times');
      } finally {
        t2.dispose();
      }
    });
  }

  it('names an unsupported key format instead of failing generically', async () => {
    const key = sshKeygen(lab.path('pkcs8'), 'ecdsa', '', ['-m', 'PKCS8']);
    const cfg = lab.write('pkcs8.config', hostBlock('pk8', { port: sshd.port, identityFile: key, knownHosts }));
    const t = new SshTransport({ alias: 'pk8', configFile: cfg, interaction: new ScriptedInteraction() });
    try {
      const e = await failure(runText(t, ['true']));
      assert.equal(e.code, 'auth');
      assert.match(e.message, /unsupported key format PKCS#8/);
    } finally {
      t.dispose();
    }
  });

  it('authenticates with a password asked through the interaction when no key is accepted', async () => {
    const user = `cfpw${randomBytes(3).toString('hex')}`;
    execFileSync('useradd', ['-m', '-s', '/bin/sh', user]);
    const pwd = await TestSshd.start(lab, 'pw', { config: ['PasswordAuthentication yes'] });
    try {
      execFileSync('chpasswd', { input: `${user}:s3cret-${user}\n` });
      const kh = lab.write('pw_known_hosts', `[127.0.0.1]:${pwd.port} ${pwd.hostKeyPublic()}\n`);
      const cfg = lab.write('pw.config', hostBlock('pw', { port: pwd.port, user, knownHosts: kh, extra: [`IdentityFile ${lab.path('none_here')}`] }));
      const asked = new ScriptedInteraction({ password: `s3cret-${user}` });
      const t = new SshTransport({ alias: 'pw', configFile: cfg, interaction: asked });
      try {
        assert.equal((await runText(t, ['id', '-un'])).out, `${user}\n`);
      } finally {
        t.dispose();
      }
      assert.deepEqual(asked.passwordQuestions, [`${user}@127.0.0.1`]);
      assert.deepEqual(asked.keyboardQuestions, [], 'this sshd offers no keyboard-interactive');
      const wrong = new SshTransport({ alias: 'pw', configFile: cfg, interaction: new ScriptedInteraction({ password: 'nope' }) });
      try {
        const e = await failure(runText(wrong, ['true']));
        assert.equal(e.code, 'auth');
        assert.match(e.message, /permission denied for cfpw.*tried: password/);
      } finally {
        wrong.dispose();
      }
    } finally {
      await pwd.stop();
      execFileSync('userdel', ['-r', '-f', user], { stdio: 'ignore' });
    }
  });

  it('answers keyboard-interactive (PAM) prompts through the interaction', async () => {
    const user = `cfkb${randomBytes(3).toString('hex')}`;
    execFileSync('useradd', ['-m', '-s', '/bin/sh', user]);
    const kbd = await TestSshd.start(lab, 'kbd', { config: ['UsePAM yes', 'KbdInteractiveAuthentication yes'] });
    try {
      execFileSync('chpasswd', { input: `${user}:k3y-${user}\n` });
      const kh = lab.write('kbd_known_hosts', `[127.0.0.1]:${kbd.port} ${kbd.hostKeyPublic()}\n`);
      const cfg = lab.write('kbd.config', hostBlock('kbd', { port: kbd.port, user, knownHosts: kh, extra: [`IdentityFile ${lab.path('none_here')}`] }));
      const asked = new ScriptedInteraction({ password: `k3y-${user}` });
      const t = new SshTransport({ alias: 'kbd', configFile: cfg, interaction: asked });
      try {
        assert.equal((await runText(t, ['id', '-un'])).out, `${user}\n`);
      } finally {
        t.dispose();
      }
      assert.ok(asked.keyboardQuestions.some((p) => /password/i.test(p)), JSON.stringify(asked.keyboardQuestions));
      assert.deepEqual(asked.passwordQuestions, [], 'keyboard-interactive came first, as with ssh');
    } finally {
      await kbd.stop();
      execFileSync('userdel', ['-r', '-f', user], { stdio: 'ignore' });
    }
  });

  it('goes through a ProxyJump chain, each hop resolved by its own config', async () => {
    const cfg = lab.write(
      'jump.config',
      [
        hostBlock('bastion', { port: jump.port, identityFile: lab.userKey, knownHosts }),
        hostBlock('inner', { port: sshd.port, identityFile: lab.userKey, knownHosts }),
        hostBlock('behind', { port: sshd.port, identityFile: lab.userKey, knownHosts, extra: ['ProxyJump bastion'] }),
        hostBlock('deep', { port: sshd.port, identityFile: lab.userKey, knownHosts, extra: ['ProxyJump bastion,inner'] }),
      ].join('\n'),
    );
    const route = await resolveRoute('deep', { configFile: cfg });
    assert.deepEqual(
      route.jumps.map((j) => [j.alias, j.port]),
      [
        ['bastion', jump.port],
        ['inner', sshd.port],
      ],
    );
    for (const alias of ['behind', 'deep']) {
      const before = (jump.logText.match(/Accepted publickey/g) ?? []).length;
      const t = new SshTransport({ alias, configFile: cfg, interaction: new ScriptedInteraction() });
      try {
        assert.equal((await runText(t, ['echo', alias])).out, `${alias}\n`);
      } finally {
        t.dispose();
      }
      assert.equal((jump.logText.match(/Accepted publickey/g) ?? []).length, before + 1, 'one login on the bastion');
    }
  });

  it('goes through a ProxyCommand', async () => {
    const cfg = lab.write(
      'proxycmd.config',
      hostBlock('pc', { port: sshd.port, identityFile: lab.userKey, knownHosts, extra: [`ProxyCommand ssh -F ${lab.path('jump.config')} -W %h:%p bastion`] }),
    );
    const t = new SshTransport({ alias: 'pc', configFile: cfg, interaction: new ScriptedInteraction() });
    try {
      assert.equal((await runText(t, ['echo', 'proxied'])).out, 'proxied\n');
    } finally {
      t.dispose();
    }
  });

  it('reports a refused connection clearly', async () => {
    const cfg = lab.write('closed.config', hostBlock('closed', { port: 1, identityFile: lab.userKey, knownHosts }));
    const t = new SshTransport({ alias: 'closed', configFile: cfg, interaction: new ScriptedInteraction() });
    try {
      const e = await failure(runText(t, ['true']));
      assert.equal(e.code, 'connect');
      assert.match(e.message, /connection refused by 127\.0\.0\.1:1/);
    } finally {
      t.dispose();
    }
  });

  it('shares one connection between transports to the same node', async () => {
    const cfg = lab.write('shared.config', hostBlock('shared', { port: sshd.port, identityFile: lab.userKey, knownHosts }));
    const before = (sshd.logText.match(/Accepted publickey/g) ?? []).length;
    const a = new SshTransport({ alias: 'shared', configFile: cfg, interaction: new ScriptedInteraction() });
    const b = new SshTransport({ alias: 'shared', configFile: cfg, interaction: new ScriptedInteraction() });
    try {
      await Promise.all([runText(a, ['true']), runText(b, ['true'])]);
      assert.equal(await a.connection(), await b.connection());
    } finally {
      a.dispose();
      b.dispose();
    }
    assert.equal((sshd.logText.match(/Accepted publickey/g) ?? []).length, before + 1);
    assert.equal(readFileSync(knownHosts, 'utf8').split('\n').filter(Boolean).length, 2, 'known_hosts untouched');
  });
});
