import { readFileSync } from 'node:fs';
import { displayOf } from '../core/model/bytes';
import type { Snapshot } from '../core/model/snapshot';
import { snapshotFromJson } from '../core/model/snapshotJson';
import type { ProbeError } from '../core/result';
import { takeSnapshot } from '../core/scan';
import { silentLogger } from '../core/logger';
import { LocalTransport } from '../core/transport/local';
import { SshTransport } from '../core/transport/ssh/sshTransport';
import type { Transport } from '../core/transport/transport';
import { intOption, stringOption, UsageError, type OptionSpec, type OptionValues } from './command';
import { EXIT } from './exitCodes';
import { terminalInteraction } from './sshTerminal';
import { stderrLogger } from './stderrLogger';

/** Options every command that reads a node takes. */
export const SOURCE_OPTIONS: OptionSpec = {
  'cgroup-root': { type: 'string' },
  'host-root': { type: 'string' },
  from: { type: 'string' },
  'max-depth': { type: 'string' },
  'max-cgroups': { type: 'string' },
  verbose: { type: 'boolean' },
  host: { type: 'string' },
  'ssh-config': { type: 'string' },
  'accept-new': { type: 'boolean' },
  sudo: { type: 'boolean' },
};

export const SOURCE_HELP = `  --cgroup-root DIR       walk only DIR, as if it were a hierarchy root
  --host-root DIR         read a node filesystem mounted at DIR (a debug pod's /host)
  --from FILE             read a snapshot saved with 'scan --json' instead of scanning
  --max-depth N           walk bound: deepest level (default 64)
  --max-cgroups N         walk bound: cgroups per hierarchy (default 1000000)
  --verbose               log what happens on standard error
  --host ALIAS            read the node over SSH (an alias of your ssh_config, as 'ssh ALIAS')
  --ssh-config FILE       use FILE instead of ~/.ssh/config and /etc/ssh/ssh_config
  --accept-new            trust a host not yet in known_hosts and record it (a changed key is still refused)
  --sudo                  run the probe on the node with 'sudo -n' (never asks for a password)`;

/** The transport to the node the options name: this machine unless told otherwise. */
export function transportFor(o: OptionValues): Transport {
  const host = stringOption(o, 'host');
  const sshOnly = ['ssh-config', 'accept-new', 'sudo'].filter((n) => o[n] !== undefined);
  if (host === undefined) {
    if (sshOnly.length) throw new UsageError(`--${sshOnly[0]} needs --host`);
    return new LocalTransport();
  }
  if (host === '' || host.startsWith('-')) throw new UsageError(`--host takes an ssh alias or host name, not '${host}'`);
  const configFile = stringOption(o, 'ssh-config');
  return new SshTransport({
    alias: host,
    ...(configFile !== undefined ? { configFile } : {}),
    acceptNew: o['accept-new'] === true,
    sudo: o.sudo === true,
    interaction: terminalInteraction(),
    // ssh's own warnings (a host added to known_hosts) always show; the rest with --verbose.
    logger: o.verbose ? stderrLogger : { ...silentLogger, warn: stderrLogger.warn },
    idleCloseMs: 0,
  });
}

/** A snapshot from a saved file or a fresh scan; a failed scan is an error value. */
export async function snapshotFrom(o: OptionValues, signal: AbortSignal): Promise<Snapshot | ProbeError> {
  const from = stringOption(o, 'from');
  const hostRoot = stringOption(o, 'host-root');
  const cgroupRoot = stringOption(o, 'cgroup-root');
  if (from !== undefined) {
    if (hostRoot !== undefined || cgroupRoot !== undefined) throw new UsageError('--from reads a saved snapshot; it cannot be combined with --cgroup-root or --host-root');
    if (o.host !== undefined) throw new UsageError('--from reads a saved snapshot; it cannot be combined with --host');
    try {
      return readSnapshot(from);
    } catch (e) {
      return { code: 'bad-input', message: e instanceof Error ? e.message : String(e) };
    }
  }
  const maxDepth = intOption(o, 'max-depth');
  const maxCgroups = intOption(o, 'max-cgroups');
  const progress = process.stderr.isTTY ? progressLine() : undefined;
  const transport = transportFor(o);
  try {
    const r = await takeSnapshot(transport, {
      signal,
      ...(o.verbose ? { logger: stderrLogger } : {}),
      ...(maxDepth !== undefined ? { maxDepth } : {}),
      ...(maxCgroups !== undefined ? { maxCgroups } : {}),
      ...(hostRoot !== undefined ? { hostRoot: absoluteDir(hostRoot) } : {}),
      ...(cgroupRoot !== undefined ? { cgroupRoot: absoluteDir(cgroupRoot) } : {}),
      ...(progress ? { onProgress: progress.update } : {}),
    });
    return r.ok ? r.value : r.error;
  } finally {
    progress?.done();
    transport.dispose();
  }
}

/** The exit status for a failed scan, after saying why on standard error. */
export function reportProbeError(e: ProbeError): number {
  process.stderr.write(`cgroup-forensics: ${e.message}\n`);
  if (e.code === 'cancelled') return EXIT.interrupted;
  const input = e.code === 'no-such-directory' || e.code === 'not-cgroupfs' || e.code === 'no-mountinfo' || e.code === 'permission-denied' || e.code === 'bad-input';
  return input ? EXIT.badInput : EXIT.scanFailed;
}

function absoluteDir(p: string): string {
  if (p === '') throw new UsageError('an empty directory name');
  const abs = p.startsWith('/') ? p : `${process.cwd()}/${p}`;
  return abs.length > 1 ? abs.replace(/\/+$/, '') : abs;
}

function readSnapshot(file: string): Snapshot {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return snapshotFromJson(text);
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function progressLine(): { update: (p: { cgroups: number; hierarchy: string }) => void; done: () => void } {
  let last = 0;
  let shown = false;
  return {
    update: (p) => {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      process.stderr.write(`\r\x1b[Kscanning: ${p.cgroups} cgroups (${displayOf(p.hierarchy)})`);
    },
    done: () => {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}
