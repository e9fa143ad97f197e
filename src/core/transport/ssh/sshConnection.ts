import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import { Client, type ClientChannel, type CompressionAlgorithm, type ServerHostKeyAlgorithm } from 'ssh2';
import type { Logger } from '../../logger';
import { authHandler, type AuthLog } from './auth';
import type { HostConfig } from './hostConfig';
import { hostKeyContext, knownTypesFor, verifyHostKey, type HostKeyPolicy } from './hostKeyPolicy';
import { preferKnownAlgorithms } from './knownHosts';
import type { Route } from './resolveRoute';
import { SshError } from './sshError';

export interface ConnectionOptions {
  policy: HostKeyPolicy;
  logger: Logger;
  /** Channels open at once; more wait their turn (sshd's MaxSessions is 10 by default). */
  maxChannels: number;
  /** Keepalive: ServerAliveInterval from the config when set, else this (ms). 0 turns it off. */
  keepaliveIntervalMs: number;
  /** Keepalive: ServerAliveCountMax from the config when set, else this. */
  keepaliveCountMax: number;
  /** Handshake bound when the config sets no ConnectTimeout (ms). */
  connectTimeoutMs: number;
  /** 'auto': zlib@openssh.com unless the node is on loopback (where it only costs CPU). */
  compression: boolean | 'auto';
  /** Close the connection when no channel has been open for this long (ms). */
  idleCloseMs: number;
}

// ssh2's own host key algorithms, best first; known types for the host are moved to the front.
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/**
 * One SSH connection to a node (through its jump hosts), shared by every run against it. It
 * bounds the channels in flight, and when the connection dies (keepalive, reset, sshd gone)
 * every waiting and running operation is told once, with the reason; nothing is left pending
 * and no 'error' event is ever left without a listener.
 */
export class SshConnection {
  private readonly clients: Client[] = [];
  /** Channels open on each client (exec channels, and the forwarded stream to the next hop). */
  private readonly channels = new Map<Client, Set<Duplex>>();
  private proxy: ChildProcess | undefined;
  private active = 0;
  private waiting: { go: () => void; fail: (e: Error) => void }[] = [];
  private readonly deathListeners = new Set<(e: SshError) => void>();
  private idleTimer: NodeJS.Timeout | undefined;
  private retired = false;
  /** The reason the connection is gone; set once. */
  dead: SshError | undefined;
  /** Most channels that were open at once (for tests and logs). */
  peakChannels = 0;

  private constructor(
    readonly alias: string,
    /** The user on the node (for messages). */
    readonly user: string,
    private readonly options: ConnectionOptions,
  ) {}

  static async open(route: Route, options: ConnectionOptions): Promise<SshConnection> {
    const conn = new SshConnection(route.target.alias, route.target.user, options);
    try {
      const hops = [...route.jumps, route.target];
      let sock: Duplex | undefined;
      for (let i = 0; i < hops.length; i++) {
        const hop = hops[i]!;
        if (i === 0 && hop.proxyCommand !== undefined) sock = conn.startProxyCommand(hop);
        else if (i > 0) sock = await conn.forward(conn.clients[i - 1]!, hop);
        const last = i === hops.length - 1;
        const client = await conn.connectClient(hop, sock, last ? '' : ` (jump host for ${route.target.alias})`, last);
        conn.clients.push(client);
      }
    } catch (e) {
      conn.close();
      throw e;
    }
    conn.startIdleTimer();
    return conn;
  }

  /** Runs a command on a channel of its own; waits for a free channel slot first. */
  async exec(command: string): Promise<ClientChannel> {
    await this.slot();
    const client = this.clients[this.clients.length - 1]!;
    return new Promise<ClientChannel>((resolve, reject) => {
      let done = false;
      const offDead = this.onDeath((e) => {
        if (done) return;
        done = true;
        reject(e);
      });
      try {
        client.exec(command, (err, channel) => {
          offDead();
          if (done) {
            channel?.close();
            return;
          }
          done = true;
          if (err) {
            this.release();
            reject(new SshError('channel', `the node refused a channel: ${err.message}`));
            return;
          }
          channel.on('error', () => undefined); // reported through 'close' without exit status
          this.track(client, channel);
          // Released after the channel's own close handling, so a run that completed is settled
          // before an idle or retired connection closes behind it.
          channel.once('close', () => queueMicrotask(() => this.release()));
          resolve(channel);
        });
      } catch (e) {
        offDead();
        done = true;
        this.release();
        reject(new SshError('channel', `cannot open a channel: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
  }

  /** Calls back once if the connection dies; returns the unsubscribe function. */
  onDeath(listener: (e: SshError) => void): () => void {
    if (this.dead) {
      const d = this.dead;
      queueMicrotask(() => listener(d));
      return () => undefined;
    }
    this.deathListeners.add(listener);
    return () => this.deathListeners.delete(listener);
  }

  /** No new channels; closes once the open ones are done (used after a channel-open failure). */
  retire(): void {
    this.retired = true;
    if (this.active === 0) this.close();
  }

  get usable(): boolean {
    return !this.dead && !this.retired;
  }

  close(reason?: SshError): void {
    this.die(reason ?? new SshError('connection-lost', `the connection was closed`));
  }

  private die(reason: SshError): void {
    if (this.dead) return;
    this.dead = reason;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.fail(reason);
    const listeners = [...this.deathListeners];
    this.deathListeners.clear();
    for (const l of listeners) l(reason);
    // Channels are closed before their client ends: ssh2 (with compression) throws if a channel
    // stream is torn down after its connection's zlib state is gone.
    for (const c of [...this.clients].reverse()) {
      for (const ch of this.channels.get(c) ?? []) {
        try {
          (ch as ClientChannel).close();
        } catch {
          // already closed
        }
      }
      try {
        c.end();
      } catch {
        // already gone
      }
    }
    // ssh2 may still be waiting on a dead socket; destroying it makes sure nothing lingers.
    setTimeout(() => {
      for (const c of this.clients) (c as unknown as { _sock?: { destroy?: () => void } })._sock?.destroy?.();
    }, 1000).unref();
    if (this.proxy && this.proxy.exitCode === null) this.proxy.kill('SIGTERM');
  }

  private slot(): Promise<void> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    if (this.active < this.options.maxChannels) {
      this.active++;
      this.peakChannels = Math.max(this.peakChannels, this.active);
      return Promise.resolve();
    }
    return new Promise<void>((go, fail) => {
      this.waiting.push({
        go: () => {
          this.active++;
          this.peakChannels = Math.max(this.peakChannels, this.active);
          go();
        },
        fail,
      });
    });
  }

  private release(): void {
    this.active--;
    const next = this.waiting.shift();
    if (next) {
      next.go();
      return;
    }
    if (this.active === 0) {
      if (this.retired) this.close();
      else this.startIdleTimer();
    }
  }

  private startIdleTimer(): void {
    if (this.dead || this.options.idleCloseMs <= 0) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.active === 0) {
        this.options.logger.debug(`ssh ${this.alias}: closing the idle connection`);
        this.close(new SshError('connection-lost', `the connection was closed when idle`));
      }
    }, this.options.idleCloseMs);
    this.idleTimer.unref();
  }

  private track(client: Client, channel: Duplex): void {
    let set = this.channels.get(client);
    if (!set) this.channels.set(client, (set = new Set()));
    set.add(channel);
    channel.once('close', () => set.delete(channel));
  }

  private connectClient(host: HostConfig, sock: Duplex | undefined, role: string, target: boolean): Promise<Client> {
    const { policy, logger } = this.options;
    const ctx = hostKeyContext(host);
    const known = knownTypesFor(ctx);
    const hostKeyAlgorithms = preferKnownAlgorithms(HOST_KEY_ALGORITHMS, known) as ServerHostKeyAlgorithm[];
    const authLog: AuthLog = { tried: [], problems: [] };
    const intervalMs = host.serverAliveInterval > 0 ? host.serverAliveInterval * 1000 : this.options.keepaliveIntervalMs;
    const countMax = host.serverAliveInterval > 0 ? host.serverAliveCountMax : this.options.keepaliveCountMax;
    const timeoutMs = host.connectTimeout !== undefined ? host.connectTimeout * 1000 : this.options.connectTimeoutMs;
    // A jump host only carries the inner connection's encrypted bytes: compressing them is waste.
    const compress: CompressionAlgorithm[] = target ? this.compressionFor(host, sock !== undefined) : ['none'];
    const label = `${host.alias}${role}`;
    // Messages name the host only for a jump host: the transport's label already names the node.
    const where = target ? '' : `jump host ${host.alias}: `;
    let verifyError: SshError | undefined;
    let ready = false;
    const client = new Client();
    logger.debug(`ssh ${label}: connecting to ${host.user}@${host.hostName}:${host.port}${sock ? ' (proxied)' : ''}`);
    return new Promise<Client>((resolve, reject) => {
      client.on('ready', () => {
        ready = true;
        logger.debug(`ssh ${label}: authenticated (${authLog.tried.at(-1) ?? 'none'})`);
        resolve(client);
      });
      client.on('error', (e: Error & { level?: string }) => {
        if (!ready) {
          ready = true; // settle once; 'close' follows
          reject(verifyError ?? connectError(where, host, e, authLog));
          return;
        }
        if (e.level === 'client-timeout') {
          const window = (intervalMs * Math.max(countMax, 1)) / 1000;
          this.die(new SshError('keepalive', `${where}the node stopped answering (no reply to keepalives for ${window} s); the connection was dropped`));
        } else {
          this.die(new SshError('connection-lost', `${where}the connection failed: ${e.message}`));
        }
      });
      client.on('close', () => {
        if (!ready) {
          ready = true;
          reject(verifyError ?? new SshError('connect', `${where}the connection closed during the handshake`));
          return;
        }
        this.die(new SshError('connection-lost', `${where}the node closed the connection`));
      });
      try {
        client.connect({
          host: host.hostName,
          port: host.port,
          username: host.user,
          ...(sock ? { sock } : {}),
          readyTimeout: timeoutMs,
          // ssh2 gives up when more than countMax keepalives are unanswered, one interval after
          // the last; one fewer makes a dead peer fail within interval x ServerAliveCountMax.
          keepaliveInterval: intervalMs,
          keepaliveCountMax: Math.max(1, countMax - 1),
          algorithms: { serverHostKey: hostKeyAlgorithms, compress },
          hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
            verifyHostKey(ctx, key, policy).then(
              () => verify(true),
              (e: unknown) => {
                verifyError = e instanceof SshError ? e : new SshError('connect', String(e));
                verify(false);
              },
            );
          },
          authHandler: authHandler(host, policy.interaction, logger, authLog),
        });
      } catch (e) {
        ready = true;
        reject(new SshError('connect', `${where}${e instanceof Error ? e.message : String(e)}`));
      }
    });
  }

  private compressionFor(host: HostConfig, proxied: boolean): CompressionAlgorithm[] {
    const on = this.options.compression === 'auto' ? host.compression || proxied || !isLoopback(host.hostName) : this.options.compression;
    return on ? ['zlib@openssh.com', 'zlib', 'none'] : ['none'];
  }

  private forward(via: Client, hop: HostConfig): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      via.forwardOut('127.0.0.1', 0, hop.hostName, hop.port, (err, stream) => {
        if (err) reject(new SshError('connect', `cannot reach ${hop.alias} (${hop.hostName}:${hop.port}) through the jump host: ${err.message}`));
        else {
          stream.on('error', () => undefined);
          this.track(via, stream);
          resolve(stream);
        }
      });
    });
  }

  private startProxyCommand(hop: HostConfig): Duplex {
    const log = this.options.logger;
    log.debug(`ssh ${hop.alias}: ProxyCommand ${hop.proxyCommand!}`);
    // ProxyCommand is shell text the user wrote in their ssh_config, run as OpenSSH runs it.
    const child = spawn('/bin/sh', ['-c', `exec ${hop.proxyCommand!}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proxy = child;
    child.on('error', (e) => this.die(new SshError('connect', `ProxyCommand failed: ${e.message}`)));
    child.stdin.on('error', () => undefined);
    child.stderr.on('data', (d: Buffer) => log.debug(`ssh ${hop.alias}: ProxyCommand: ${d.toString('utf8').trimEnd()}`));
    const sock = Duplex.from({ readable: child.stdout, writable: child.stdin });
    sock.on('error', () => undefined);
    return sock;
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function connectError(where: string, host: HostConfig, e: Error & { level?: string; code?: string }, auth: AuthLog): SshError {
  if (e.level === 'client-authentication') {
    const tried = auth.tried.length ? auth.tried.join(', ') : 'no usable key, agent or password';
    const problems = auth.problems.length ? `; ${auth.problems.join('; ')}` : '';
    return new SshError('auth', `${where}permission denied for ${host.user}@${host.hostName} (tried: ${tried})${problems}`);
  }
  if (e.level === 'client-timeout') return new SshError('connect', `${where}no SSH handshake with ${host.hostName}:${host.port} within the connect timeout`);
  if (e.code === 'ECONNREFUSED') return new SshError('connect', `${where}connection refused by ${host.hostName}:${host.port}`);
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return new SshError('connect', `${where}cannot resolve ${host.hostName}`);
  return new SshError('connect', `${where}cannot connect to ${host.hostName}:${host.port}: ${e.message}`);
}
