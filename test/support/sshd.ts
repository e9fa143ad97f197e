import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostKeyQuestion, SshInteraction } from '../../src/core/transport/ssh/sshInteraction';

/**
 * Real OpenSSH for tests: Debian's sshd on a loopback port, with host and user keys made by
 * ssh-keygen at test time in a temporary directory (nothing is committed, nothing outside the
 * directory is used but /run/sshd, sshd's privilege-separation directory).
 */
export function sshdMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to run sshd and log in as root';
  for (const f of ['/usr/sbin/sshd', '/usr/bin/ssh-keygen', '/usr/bin/ssh']) if (!existsSync(f)) return `not installed: ${f}`;
  return undefined;
}

export function sshKeygen(file: string, type: 'ed25519' | 'ecdsa' | 'rsa' | 'dsa' = 'ed25519', passphrase = '', extra: string[] = []): string {
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', passphrase, '-C', `cf-test-${type}`, ...extra, '-f', file], { stdio: 'ignore' });
  return file;
}

/** A temporary directory for one suite's keys, configs and known_hosts; remove() deletes it. */
export class SshLab {
  readonly dir: string;
  /** Authorized keys live in a world-readable directory so a non-root test user can use them. */
  readonly authorizedKeys: string;
  readonly userKey: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'cf-ssh-'));
    chmodSync(this.dir, 0o755);
    this.authorizedKeys = join(this.dir, 'authorized_keys');
    this.userKey = sshKeygen(join(this.dir, 'id_ed25519'));
    writeFileSync(this.authorizedKeys, readFileSync(`${this.userKey}.pub`));
    chmodSync(this.authorizedKeys, 0o644);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  authorize(pubFile: string): void {
    writeFileSync(this.authorizedKeys, readFileSync(this.authorizedKeys, 'utf8') + readFileSync(pubFile, 'utf8'));
  }

  write(name: string, text: string): string {
    const p = join(this.dir, name);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
    return p;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface SshdOptions {
  /** Host key types, one key each (default ed25519). */
  hostKeyTypes?: ('ed25519' | 'ecdsa' | 'rsa')[];
  /** Extra sshd_config lines. */
  config?: string[];
}

export class TestSshd {
  private constructor(
    readonly proc: ChildProcess,
    readonly port: number,
    /** Host key files (private; .pub beside them). */
    readonly hostKeys: string[],
    private readonly log: string[],
  ) {}

  static async start(lab: SshLab, name: string, options: SshdOptions = {}): Promise<TestSshd> {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const hostKeys = (options.hostKeyTypes ?? ['ed25519']).map((t) => sshKeygen(lab.path(`${name}_host_${t}`), t));
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const cfg = lab.write(
        `${name}_sshd_config`,
        [
          // sshd takes the first value of a keyword, so a test's own lines come first.
          ...(options.config ?? []),
          `Port ${port}`,
          'ListenAddress 127.0.0.1',
          ...hostKeys.map((k) => `HostKey ${k}`),
          'PidFile none',
          `AuthorizedKeysFile ${lab.authorizedKeys}`,
          'StrictModes no',
          'UsePAM no',
          'PermitRootLogin yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'AllowTcpForwarding yes',
          'LogLevel VERBOSE',
          // The login shell reads the user's dotfiles, as on a real node. On this kind of machine
          // root's ~/.bashrc runs `pyenv init`, whose rehash waits up to 60 s for a lock that a
          // session killed mid-rehash (these tests kill sshd mid-command) leaves behind: every
          // later login then hangs. Sessions of the test's sshd do not wait for it.
          'SetEnv PYENV_REHASH_TIMEOUT=0',
          '',
        ].join('\n'),
      );
      const proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
      const log: string[] = [];
      const ok = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 10_000);
        proc.stderr!.on('data', (d: Buffer) => {
          const text = d.toString('utf8');
          log.push(text);
          if (/Server listening on/.test(text)) {
            clearTimeout(timer);
            resolve(true);
          }
        });
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve(false);
        });
      });
      if (ok) return new TestSshd(proc, port, hostKeys, log);
      proc.kill('SIGKILL');
      if (attempt >= 4) throw new Error(`sshd did not start: ${log.join('')}`);
    }
  }

  /** The host key's public line as `type base64`. */
  hostKeyPublic(i = 0): string {
    const [type, b64] = readFileSync(`${this.hostKeys[i]!}.pub`, 'utf8').trim().split(/\s+/);
    return `${type} ${b64}`;
  }

  get logText(): string {
    return this.log.join('');
  }

  /** The listener and every session process it forked (descendants by /proc ppid). */
  processTree(): number[] {
    const pid = this.proc.pid;
    if (pid === undefined) return [];
    const parent = new Map<number, number>();
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        parent.set(Number(e), ppid);
      } catch {
        // gone
      }
    }
    const out = [pid];
    for (let i = 0; i < out.length; i++) for (const [p, pp] of parent) if (pp === out[i] && !out.includes(p)) out.push(p);
    return out;
  }

  /** Sends a signal to the listener and every session under it. */
  signalAll(sig: NodeJS.Signals): void {
    for (const p of this.processTree()) {
      try {
        process.kill(p, sig);
      } catch {
        // already gone
      }
    }
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
      this.signalAll('SIGCONT');
      return;
    }
    const exited = new Promise((r) => this.proc.once('exit', r));
    const tree = this.processTree();
    for (const p of tree) {
      try {
        process.kill(p, 'SIGKILL');
        process.kill(p, 'SIGCONT');
      } catch {
        // gone
      }
    }
    await exited;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** An ssh_config block for a test host. */
export function hostBlock(alias: string, o: { port: number; user?: string; identityFile?: string; knownHosts: string; extra?: string[] }): string {
  return [
    `Host ${alias}`,
    '  HostName 127.0.0.1',
    `  Port ${o.port}`,
    `  User ${o.user ?? 'root'}`,
    ...(o.identityFile ? [`  IdentityFile ${o.identityFile}`, '  IdentitiesOnly yes'] : []),
    `  UserKnownHostsFile ${o.knownHosts}`,
    '  GlobalKnownHostsFile /dev/null',
    '  IdentityAgent none',
    ...(o.extra ?? []).map((l) => `  ${l}`),
    '',
  ].join('\n');
}

/** Answers the transport's questions with fixed replies and records what it was asked. */
export class ScriptedInteraction implements SshInteraction {
  readonly hostKeyQuestions: HostKeyQuestion[] = [];
  readonly passphraseQuestions: string[] = [];

  readonly passwordQuestions: string[] = [];

  constructor(private readonly answers: { acceptHostKey?: boolean; passphrase?: string; password?: string } = {}) {}

  readonly keyboardQuestions: string[] = [];

  async keyboardInteractive(q: { prompts: { prompt: string; echo: boolean }[] }): Promise<string[] | undefined> {
    this.keyboardQuestions.push(...q.prompts.map((p) => p.prompt));
    const answer = this.answers.password;
    return answer === undefined ? undefined : q.prompts.map(() => answer);
  }

  async password(q: { user: string; host: string }): Promise<string | undefined> {
    this.passwordQuestions.push(`${q.user}@${q.host}`);
    return this.answers.password;
  }

  async confirmHostKey(q: HostKeyQuestion): Promise<{ accepted: true } | { accepted: false; reason: string }> {
    this.hostKeyQuestions.push(q);
    return this.answers.acceptHostKey ? { accepted: true } : { accepted: false, reason: 'declined by the test' };
  }

  async passphrase(q: { keyFile: string }): Promise<string | undefined> {
    this.passphraseQuestions.push(q.keyFile);
    return this.answers.passphrase;
  }
}
