import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SshError } from '../../src/core/transport/ssh/sshError';
import { SshTransport } from '../../src/core/transport/ssh/sshTransport';
import { needs } from '../support/prereq';
import { hostBlock, ScriptedInteraction, SshLab, sshdMissing, sshKeygen, TestSshd } from '../support/sshd';

// Host keys checked against known_hosts as OpenSSH checks them, against a real sshd whose host
// keys the test made: nothing is trusted silently and nothing is written before it is accepted.

describe('ssh: host key verification', function () {
  this.timeout(60_000);
  let lab: SshLab;
  let sshd: TestSshd;
  let n = 0;

  before(async function () {
    needs(this, sshdMissing());
    lab = new SshLab();
    // Two host keys, as most servers have: which one is checked depends on what is on file.
    sshd = await TestSshd.start(lab, 'hk', { hostKeyTypes: ['ed25519', 'ecdsa'] });
  });

  after(async () => {
    await sshd?.stop();
    lab?.remove();
  });

  /** A config and known_hosts of the test's own; returns the transport's outcome. */
  async function connect(knownHostsText: string | undefined, o: { accept?: boolean; extra?: string[]; acceptNew?: boolean } = {}) {
    const id = ++n;
    const knownHosts = lab.path(`known_hosts_${id}`);
    if (knownHostsText !== undefined) writeFileSync(knownHosts, knownHostsText);
    const cfg = lab.write(`hk_${id}.config`, hostBlock('hk', { port: sshd.port, identityFile: lab.userKey, knownHosts, ...(o.extra ? { extra: o.extra } : {}) }));
    const interaction = new ScriptedInteraction({ acceptHostKey: o.accept ?? false });
    const t = new SshTransport({ alias: 'hk', configFile: cfg, interaction, ...(o.acceptNew ? { acceptNew: true } : {}) });
    let error: SshError | undefined;
    try {
      await t.run({ argv: ['true'], onStdout: () => undefined });
    } catch (e) {
      assert.ok(e instanceof SshError, String(e));
      error = e;
    } finally {
      t.dispose();
    }
    return { error, interaction, knownHosts, text: () => (existsSync(knownHosts) ? readFileSync(knownHosts, 'utf8') : undefined) };
  }

  const name = (): string => `[127.0.0.1]:${sshd.port}`;
  const fingerprint = (i: number): string => execFileSync('ssh-keygen', ['-l', '-f', `${sshd.hostKeys[i]!}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  const foreignKey = (type: 'ed25519' | 'ecdsa'): string => {
    const f = sshKeygen(lab.path(`foreign_${++n}`), type);
    const [t, b64] = readFileSync(`${f}.pub`, 'utf8').split(' ');
    return `${t} ${b64}`;
  };

  it('offers the fingerprint of an unknown host as ssh-keygen -l prints it, and writes nothing when declined', async () => {
    const r = await connect(undefined);
    assert.equal(r.error?.code, 'host-key-unknown');
    assert.equal(r.interaction.hostKeyQuestions.length, 1);
    const q = r.interaction.hostKeyQuestions[0]!;
    assert.equal(q.host, name());
    assert.equal(q.keyTypeLabel, 'ED25519');
    assert.equal(q.fingerprint, fingerprint(0));
    assert.match(r.error!.message, /Host key verification failed/);
    assert.equal(r.text(), undefined, 'known_hosts was not created');
  });

  it('appends an accepted key in OpenSSH format (found by ssh-keygen -F) and does not ask again', async () => {
    const first = await connect('# mine\n', { accept: true });
    assert.equal(first.error, undefined);
    assert.equal(first.text(), `# mine\n${name()} ${sshd.hostKeyPublic(0)}\n`);
    const found = execFileSync('ssh-keygen', ['-F', name(), '-f', first.knownHosts], { encoding: 'utf8' });
    assert.match(found, /ssh-ed25519/);
    const again = await connect(first.text());
    assert.equal(again.error, undefined);
    assert.equal(again.interaction.hostKeyQuestions.length, 0);
  });

  it('writes a hashed entry when HashKnownHosts is on, and --accept-new accepts without asking', async () => {
    const r = await connect(undefined, { acceptNew: true, extra: ['HashKnownHosts yes'] });
    assert.equal(r.error, undefined);
    assert.equal(r.interaction.hostKeyQuestions.length, 0);
    assert.match(r.text()!, /^\|1\|[^ ]+ ssh-ed25519 /);
    assert.doesNotMatch(r.text()!, /127\.0\.0\.1/);
    assert.match(execFileSync('ssh-keygen', ['-F', name(), '-f', r.knownHosts], { encoding: 'utf8' }), /ssh-ed25519/);
  });

  it('refuses a changed key with the OpenSSH warning, without asking and without touching the file', async () => {
    const text = `${name()} ${foreignKey('ed25519')}\n`;
    const r = await connect(text, { accept: true, acceptNew: true });
    assert.equal(r.error?.code, 'host-key-changed');
    assert.match(r.error!.message, /WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!/);
    assert.ok(r.error!.message.includes(fingerprint(0)));
    assert.ok(r.error!.message.includes(`Offending ED25519 key in ${r.knownHosts}:1`));
    assert.equal(r.interaction.hostKeyQuestions.length, 0);
    assert.equal(r.text(), text);
  });

  it('matches hashed known_hosts entries (ssh-keygen -H)', async () => {
    const r0 = lab.write('to_hash', `${name()} ${sshd.hostKeyPublic(0)}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', r0], { stdio: 'ignore' });
    const hashed = readFileSync(r0, 'utf8');
    assert.match(hashed, /^\|1\|/);
    const r = await connect(hashed);
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.interaction.hostKeyQuestions.length, 0);
  });

  it('matches [127.0.0.1]:PORT entries, patterns and negation; a plain 127.0.0.1 entry does not cover another port', async () => {
    const key = sshd.hostKeyPublic(0);
    assert.equal((await connect(`[127.0.0.1]:${sshd.port} ${key}\n`)).error, undefined);
    assert.equal((await connect(`other,[127.0.0.?]:${sshd.port} ${key}\n`)).error, undefined);
    assert.equal((await connect(`[127.0.0.1]:* ${key}\n`)).error, undefined);
    const plain = await connect(`127.0.0.1 ${key}\n`);
    assert.equal(plain.error?.code, 'host-key-unknown', 'port 22 entry must not match another port');
    const negated = await connect(`[127.0.0.1]:*,![127.0.0.1]:${sshd.port} ${key}\n`);
    assert.equal(negated.error?.code, 'host-key-unknown');
  });

  it('prefers the host key algorithm already known: a host known by its ECDSA key is not unknown', async () => {
    const r = await connect(`${name()} ${sshd.hostKeyPublic(1)}\n`);
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.interaction.hostKeyQuestions.length, 0);
  });

  it('refuses a key marked @revoked, even beside a plain entry for it', async () => {
    const key = sshd.hostKeyPublic(0);
    const r = await connect(`${name()} ${key}\n@revoked * ${key}\n`, { accept: true, acceptNew: true });
    assert.equal(r.error?.code, 'host-key-revoked');
    assert.match(r.error!.message, /revoked/);
    assert.equal(r.interaction.hostKeyQuestions.length, 0);
  });

  it('reports @cert-authority as a host certificate it cannot verify, never trusting it', async () => {
    const r = await connect(`@cert-authority [127.0.0.1]:* ${foreignKey('ed25519')}\n`, { accept: true });
    assert.equal(r.error?.code, 'host-certificate');
    assert.match(r.error!.message, /cannot verify a host certificate/);
    assert.equal(r.interaction.hostKeyQuestions.length, 0);
  });

  it('with StrictHostKeyChecking yes refuses an unknown host without asking', async () => {
    const r = await connect(undefined, { accept: true, extra: ['StrictHostKeyChecking yes'] });
    assert.equal(r.error?.code, 'host-key-unknown');
    assert.equal(r.interaction.hostKeyQuestions.length, 0);
    assert.equal(r.text(), undefined);
  });
});
