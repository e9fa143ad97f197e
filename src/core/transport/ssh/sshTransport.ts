import type { ClientChannel } from 'ssh2';
import type { Logger } from '../../logger';
import { silentLogger } from '../../logger';
import { AbortError, type RunRequest, type RunResult, type Transport } from '../transport';
import { defaultPool, type ConnectionPool } from './connectionPool';
import { remoteCommandLine, sudoWantsPassword, TIMEOUT_EXIT } from './remoteCommand';
import { resolveRoute, type ResolveOptions, type Route } from './resolveRoute';
import type { ConnectionOptions, SshConnection } from './sshConnection';
import { SshError } from './sshError';
import type { SshInteraction } from './sshInteraction';

export interface SshTransportOptions extends ResolveOptions {
  /** The host as the user names it: an ssh_config alias or a host name. */
  alias: string;
  interaction: SshInteraction;
  /** Trust an unknown host on first use and record it (OpenSSH's accept-new). */
  acceptNew?: boolean;
  logger?: Logger;
  /** Run remote programs through `sudo -n` (for a user that is not root). */
  sudo?: boolean;
  /** Seconds a remote program may run before `timeout` on the node stops it (default 900). */
  remoteTimeoutSec?: number;
  /** Standard output beyond this many bytes stops the program and fails the run (default 2 GiB). */
  maxOutputBytes?: number;
  /** Channels in flight per connection (default 8, below sshd's MaxSessions 10). */
  maxChannels?: number;
  /** Keepalive when the config sets no ServerAliveInterval (default 15 s x 3). */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Handshake bound when the config sets no ConnectTimeout (default 20 s). */
  connectTimeoutMs?: number;
  compression?: boolean | 'auto';
  /** Close the shared connection after this long without channels (default 30 s). */
  idleCloseMs?: number;
  pool?: ConnectionPool;
  /** Tests: resolve to this route instead of reading ssh_config. */
  route?: Route;
}

const DEFAULT_STDERR_CAP = 64 * 1024;

/**
 * Runs programs on a node over SSH, as `ssh NODE` would reach it. Every failure is a rejection
 * with an SshError that says what happened (takeSnapshot turns it into a ProbeError value);
 * abort rejects with AbortError after stopping the remote program.
 */
export class SshTransport implements Transport {
  readonly label: string;
  private readonly key: string;
  private readonly pool: ConnectionPool;
  private readonly log: Logger;
  private readonly connOptions: ConnectionOptions;
  private route: Promise<Route> | undefined;
  private disposed = false;

  constructor(private readonly o: SshTransportOptions) {
    this.label = `ssh ${o.alias}`;
    this.pool = o.pool ?? defaultPool;
    this.log = o.logger ?? silentLogger;
    this.key = JSON.stringify([o.alias, o.configFile ?? '', o.resolver ?? 'auto', o.acceptNew ?? false]);
    this.connOptions = {
      policy: { ...(o.acceptNew !== undefined ? { acceptNew: o.acceptNew } : {}), interaction: o.interaction, logger: this.log },
      logger: this.log,
      maxChannels: o.maxChannels ?? 8,
      keepaliveIntervalMs: o.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: o.keepaliveCountMax ?? 3,
      connectTimeoutMs: o.connectTimeoutMs ?? 20_000,
      compression: o.compression ?? 'auto',
      idleCloseMs: o.idleCloseMs ?? 30_000,
    };
    this.pool.join(this.key);
  }

  /** The shared connection (opened on first use); exposed for diagnostics and tests. */
  connection(): Promise<SshConnection> {
    if (this.disposed) return Promise.reject(new SshError('connection-lost', `the transport was disposed`));
    return this.pool.get(this.key, () => (this.route ??= this.resolve()), this.connOptions);
  }

  async run(request: RunRequest): Promise<RunResult> {
    const { signal } = request;
    if (signal?.aborted) throw new AbortError();
    const command = remoteCommandLine(request.argv, { timeoutSec: this.o.remoteTimeoutSec ?? 900, sudo: this.o.sudo ?? false });
    const channel = await abortable(this.openChannel(command), signal, (ch) => ch.close());
    return this.follow(channel, request);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool.leave(this.key);
  }

  private async resolve(): Promise<Route> {
    if (this.o.route) return this.o.route;
    try {
      return await resolveRoute(this.o.alias, this.o);
    } catch (e) {
      this.route = undefined; // a fixed config file may work next time
      throw new SshError('config', e instanceof Error ? e.message : String(e));
    }
  }

  /** A channel running the command; a channel-open failure retires the connection and tries once more. */
  private async openChannel(command: string): Promise<{ conn: SshConnection; channel: ClientChannel }> {
    const conn = await this.connection();
    try {
      return { conn, channel: await conn.exec(command) };
    } catch (e) {
      if (!(e instanceof SshError) || e.code !== 'channel') throw e;
      this.log.warn(`${this.label}: ${e.message}; reconnecting once`);
      conn.retire();
      const fresh = await this.connection();
      return { conn: fresh, channel: await fresh.exec(command) };
    }
  }

  private follow({ conn, channel }: { conn: SshConnection; channel: ClientChannel }, request: RunRequest): Promise<RunResult> {
    const { signal, onStdout } = request;
    const stderrCap = request.maxStderrBytes ?? DEFAULT_STDERR_CAP;
    const outCap = this.o.maxOutputBytes ?? 2 * 1024 * 1024 * 1024;
    return new Promise<RunResult>((resolve, reject) => {
      const stderr: Buffer[] = [];
      let stderrBytes = 0;
      let stderrTruncated = false;
      let stdoutBytes = 0;
      let exit: { code: number | null; signal: string | null } | undefined;
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        offDeath();
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const stop = (): void => {
        try {
          channel.signal('TERM');
        } catch {
          // the channel may be closing already
        }
        channel.close();
      };
      const onAbort = (): void => {
        stop();
        settle(() => reject(new AbortError()));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const offDeath = conn.onDeath((e) => settle(() => reject(e)));
      channel.on('data', (chunk: Buffer) => {
        if (settled) return;
        if (stdoutBytes + chunk.length > outCap) {
          const part = chunk.subarray(0, outCap - stdoutBytes);
          stdoutBytes = outCap;
          try {
            if (part.length) onStdout(part);
          } catch {
            // the cap is the failure being reported
          }
          stop();
          settle(() => reject(new SshError('output-cap', `the output passed the cap of ${outCap} bytes; the program was stopped and only the first ${outCap} bytes were read`)));
          return;
        }
        stdoutBytes += chunk.length;
        try {
          onStdout(chunk);
        } catch (e) {
          // A consumer that cannot take more (a parse error, a bound) stops the program.
          stop();
          settle(() => reject(e instanceof Error ? e : new Error(String(e))));
        }
      });
      channel.stderr.on('data', (chunk: Buffer) => {
        if (stderrBytes >= stderrCap) {
          stderrTruncated = true;
          return;
        }
        const part = chunk.subarray(0, stderrCap - stderrBytes);
        if (part.length < chunk.length) stderrTruncated = true;
        stderr.push(part);
        stderrBytes += part.length;
      });
      channel.on('exit', (code: number | null, sig?: string) => {
        exit = { code: typeof code === 'number' ? code : null, signal: sig ? (sig.startsWith('SIG') ? sig : `SIG${sig}`) : null };
      });
      channel.on('close', () => {
        if (settled) return;
        if (!exit) {
          // The connection may be going down (it closes its channels first): report its reason.
          setImmediate(() => settle(() => reject(conn.dead ?? new SshError('no-exit-status', `the channel closed without an exit status; the program's result is unknown`))));
          return;
        }
        const text = Buffer.concat(stderr).toString('utf8');
        const status = exit;
        if (this.o.sudo && status.code === 1 && stdoutBytes === 0 && sudoWantsPassword(text)) {
          return settle(() =>
            reject(new SshError('sudo-password', `sudo requires a password for ${conn.user}; cgroup-forensics runs 'sudo -n', which never asks. Allow it without a password (NOPASSWD in sudoers) or connect as root.`)),
          );
        }
        if (status.code === TIMEOUT_EXIT) {
          return settle(() => reject(new SshError('remote-timeout', `the program did not finish within ${this.o.remoteTimeoutSec ?? 900} s and was stopped on the node`)));
        }
        settle(() => resolve({ exitCode: status.code, signal: status.signal, stderr: text, stderrTruncated }));
      });
    });
  }
}

/** Races a promise with an abort signal; a result that arrives after the abort is disposed of. */
function abortable<T extends { channel: ClientChannel }>(p: Promise<T>, signal: AbortSignal | undefined, dispose: (ch: ClientChannel) => void): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const onAbort = (): void => {
      if (done) return;
      done = true;
      reject(new AbortError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        if (done) dispose(v.channel);
        else {
          done = true;
          resolve(v);
        }
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (!done) {
          done = true;
          reject(e);
        }
      },
    );
  });
}
