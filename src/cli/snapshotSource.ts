import { readFileSync } from 'node:fs';
import { displayOf } from '../core/model/bytes';
import type { Snapshot } from '../core/model/snapshot';
import { snapshotFromJson } from '../core/model/snapshotJson';
import type { ProbeError } from '../core/result';
import { takeSnapshot } from '../core/scan';
import { LocalTransport } from '../core/transport/local';
import type { Transport } from '../core/transport/transport';
import { intOption, stringOption, UsageError, type OptionSpec, type OptionValues } from './command';
import { EXIT } from './exitCodes';
import { stderrLogger } from './stderrLogger';

/** Options every command that reads a node takes. */
export const SOURCE_OPTIONS: OptionSpec = {
  'cgroup-root': { type: 'string' },
  'host-root': { type: 'string' },
  from: { type: 'string' },
  'max-depth': { type: 'string' },
  'max-cgroups': { type: 'string' },
  verbose: { type: 'boolean' },
};

export const SOURCE_HELP = `  --cgroup-root DIR       walk only DIR, as if it were a hierarchy root
  --host-root DIR         read a node filesystem mounted at DIR (a debug pod's /host)
  --from FILE             read a snapshot saved with 'scan --json' instead of scanning
  --max-depth N           walk bound: deepest level (default 64)
  --max-cgroups N         walk bound: cgroups per hierarchy (default 1000000)
  --verbose               log what happens on standard error`;

/** The transport to the node the options name: this machine unless told otherwise. */
export function transportFor(_o: OptionValues): Transport {
  return new LocalTransport();
}

/** A snapshot from a saved file or a fresh scan; a failed scan is an error value. */
export async function snapshotFrom(o: OptionValues, signal: AbortSignal): Promise<Snapshot | ProbeError> {
  const from = stringOption(o, 'from');
  const hostRoot = stringOption(o, 'host-root');
  const cgroupRoot = stringOption(o, 'cgroup-root');
  if (from !== undefined) {
    if (hostRoot !== undefined || cgroupRoot !== undefined) throw new UsageError('--from reads a saved snapshot; it cannot be combined with --cgroup-root or --host-root');
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
