import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { displayOf } from '../core/model/bytes';
import type { Snapshot } from '../core/model/snapshot';
import { snapshotFromJson } from '../core/model/snapshotJson';
import { resolveRoute, type Route } from '../core/transport/ssh/resolveRoute';
import type { ProbeError } from '../core/result';
import { takeSnapshot } from '../core/scan';
import { silentLogger } from '../core/logger';
import { LocalTransport } from '../core/transport/local';
import { SshTransport } from '../core/transport/ssh/sshTransport';
import { KubeTransport } from '../core/transport/kube/kubeTransport';
import { DEFAULT_KUBE_IMAGE, KUBE_HOST_ROOT } from '../core/transport/kube/podManifest';
import type { Transport } from '../core/transport/transport';
import { INVESTIGATION_DEFAULTS } from '../core/investigation/defaults';
import { fileProblem, firstLine, InputError, joinedLines, intOption, stringOption, UsageError, type CommandContext, type OptionSpec, type OptionValues } from './command';
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
  'kube-node': { type: 'string' },
  'kube-namespace': { type: 'string' },
  'kube-image': { type: 'string' },
  // Also in KUBE_OPTIONS (the API's view): one cluster for both.
  'kube-context': { type: 'string' },
  kubeconfig: { type: 'string' },
};

export const SOURCE_HELP = `  --cgroup-root DIR       walk only DIR, as if it were a hierarchy root
  --host-root DIR         read a node filesystem mounted at DIR (a debug pod's /host)
  --from FILE             read a snapshot saved with 'scan --json' (or .json.gz) instead of scanning
  --max-depth N           walk bound: deepest level (default ${INVESTIGATION_DEFAULTS.maxDepth})
  --max-cgroups N         walk bound: cgroups per hierarchy (default ${INVESTIGATION_DEFAULTS.maxCgroups})
  --verbose               log what happens on standard error
  --host ALIAS            read the node over SSH (an alias of your ssh_config, as 'ssh ALIAS')
  --ssh-config FILE       use FILE instead of ~/.ssh/config and /etc/ssh/ssh_config
  --accept-new            trust a host not yet in known_hosts and record it (a changed key is still refused)
  --sudo                  run the probe on the node with 'sudo -n' (never asks for a password)
  --kube-node NAME        read the node through Kubernetes, without SSH: the programs run in a
                          short-lived pod on node NAME made with your kubectl (--kube-context NAME
                          and --kubeconfig PATH pick the cluster, as for kubectl)
  --kube-namespace NS     where that pod goes (default: the context's namespace, as for kubectl)
  --kube-image IMAGE      its image (default ${DEFAULT_KUBE_IMAGE}; it needs sh, awk and find)`;

/**
 * The source options without --from, for commands that need the live node (its processes, logs
 * or runtime): they do not offer --from at all, so asking for it is an unknown option.
 */
export const LIVE_SOURCE_OPTIONS: OptionSpec = Object.fromEntries(Object.entries(SOURCE_OPTIONS).filter(([k]) => k !== 'from'));
export const LIVE_SOURCE_HELP = SOURCE_HELP.split('\n')
  .filter((l) => !l.trimStart().startsWith('--from '))
  .join('\n');

/**
 * The transport to the node the options name: this machine unless told otherwise. --ssh-config
 * FILE is read and parsed here, once, the way the connection uses it (ssh -G, or the library
 * fallback): a file ssh rejects is one line naming it, exit 3, not a failed scan.
 */
export async function transportFor(o: OptionValues): Promise<Transport> {
  const host = stringOption(o, 'host');
  const sshOnly = ['ssh-config', 'accept-new', 'sudo'].filter((n) => o[n] !== undefined);
  const kubeNode = stringOption(o, 'kube-node');
  if (kubeNode !== undefined) return kubeTransportFor(kubeNode, o);
  if (host === undefined) {
    if (sshOnly.length) throw new UsageError(`--${sshOnly[0]} needs --host`);
    return new LocalTransport();
  }
  if (host === '' || host.startsWith('-')) throw new UsageError(`--host takes an ssh alias or host name, not '${host}'`);
  const configFile = stringOption(o, 'ssh-config');
  const route = configFile !== undefined ? await sshRoute(host, configFile) : undefined;
  return new SshTransport({
    alias: host,
    ...(configFile !== undefined ? { configFile } : {}),
    ...(route ? { route } : {}),
    acceptNew: o['accept-new'] === true,
    sudo: o.sudo === true,
    interaction: terminalInteraction(),
    // ssh's own warnings (a host added to known_hosts) always show; the rest with --verbose.
    logger: o.verbose ? stderrLogger : { ...silentLogger, warn: stderrLogger.warn },
    idleCloseMs: 0,
  });
}

/** --kube-node: the node's programs in a pod on it, through the user's kubectl (core/transport/kube). */
function kubeTransportFor(node: string, o: OptionValues): Transport {
  const context = stringOption(o, 'kube-context');
  const kubeconfig = stringOption(o, 'kubeconfig');
  const namespace = stringOption(o, 'kube-namespace');
  const image = stringOption(o, 'kube-image');
  if (context === '') throw new UsageError('--kube-context takes a context name');
  if (kubeconfig === '') throw new UsageError('--kubeconfig takes a file');
  if (namespace === '') throw new UsageError('--kube-namespace takes a namespace');
  if (image === '') throw new UsageError('--kube-image takes an image');
  if (kubeconfig !== undefined) readableFile(kubeconfig, '--kubeconfig');
  return new KubeTransport({
    node,
    kubectl: { ...(context !== undefined ? { context } : {}), ...(kubeconfig !== undefined ? { kubeconfig } : {}) },
    ...(namespace !== undefined ? { namespace } : {}),
    ...(image !== undefined ? { image } : {}),
    // What happens to the pod (made, leftovers removed) with --verbose; warnings always.
    logger: o.verbose ? stderrLogger : { ...silentLogger, warn: stderrLogger.warn },
  });
}

/**
 * --kube-node reads the node at /host in its pod, through the host-root support every program has:
 * the options become what they would be with --host-root /host, so every command passes the same
 * root to every program. Called once, before
 * the command runs; what cannot go with --kube-node is refused here.
 */
export function applyKubeNode(o: OptionValues): void {
  const node = stringOption(o, 'kube-node');
  if (node === undefined) {
    const only = ['kube-namespace', 'kube-image'].find((n) => o[n] !== undefined);
    if (only) throw new UsageError(`--${only} needs --kube-node`);
    return;
  }
  if (node === '' || node.startsWith('-')) throw new UsageError(`--kube-node takes a node name, not '${node}'`);
  if (o.from !== undefined) throw new UsageError('--from reads a saved snapshot; it cannot be combined with --kube-node');
  if (o.host !== undefined) throw new UsageError('--kube-node and --host are two ways to reach a node: name one');
  const ssh = ['ssh-config', 'accept-new', 'sudo'].find((n) => o[n] !== undefined);
  if (ssh) throw new UsageError(`--${ssh} is for --host (SSH), not --kube-node`);
  if (o['host-root'] !== undefined) throw new UsageError(`--kube-node reads the node at ${KUBE_HOST_ROOT} in its pod: it cannot be combined with --host-root`);
  // --cgroup-root names a directory of the node, as the user knows it: in the pod it is below /host.
  const root = stringOption(o, 'cgroup-root');
  if (root !== undefined) {
    if (!root.startsWith('/')) throw new UsageError(`--cgroup-root with --kube-node is a directory of the node: an absolute path, not '${root}'`);
    o['cgroup-root'] = `${KUBE_HOST_ROOT}${root === '/' ? '' : root.replace(/\/+$/, '')}`;
  }
  o['host-root'] = KUBE_HOST_ROOT;
}

/**
 * The one transport of a CLI run, made on first use from the options (transportFor) and disposed
 * when the command ends: an SSH node is connected to once, however many programs the command runs.
 */
export function runTransport(o: OptionValues): { get(): Promise<Transport>; dispose(): void } {
  let made: Promise<Transport> | undefined;
  return {
    get: () => (made ??= transportFor(o)),
    dispose: () => {
      made?.then(
        (t) => t.dispose(),
        () => undefined,
      );
    },
  };
}

/** The route to HOST by --ssh-config FILE; a file that cannot be read or parsed is an InputError (exit 3). */
export async function sshRoute(host: string, configFile: string): Promise<Route> {
  readableFile(configFile, '--ssh-config');
  try {
    return await resolveRoute(host, { configFile });
  } catch (e) {
    const why = firstLine(e instanceof Error ? e.message : String(e)).replace(/^ssh -G \S+: /, '');
    throw new InputError(`cannot use ${configFile} (--ssh-config): ${why}`);
  }
}

/** Throws the one-line InputError (exit 3) when a file the user named cannot be read. */
export function readableFile(file: string, option: string): void {
  try {
    readFileSync(file);
  } catch (e) {
    throw new InputError(`cannot read ${file} (${option}): ${fileProblem(e)}`);
  }
}

/** True when the options name a saved snapshot instead of a node. */
export function fromSnapshot(o: OptionValues): boolean {
  return stringOption(o, 'from') !== undefined;
}

/** A snapshot from a saved file or a fresh scan over the run's transport; a failed scan is an error value. */
export async function snapshotFrom(ctx: CommandContext): Promise<Snapshot | ProbeError> {
  const o = ctx.options;
  const from = savedSnapshotFrom(o);
  if (from) return from;
  const maxDepth = intOption(o, 'max-depth');
  const maxCgroups = intOption(o, 'max-cgroups');
  const hostRoot = hostRootOf(o);
  const cgroupRoot = cgroupRootOf(o);
  const progress = scanProgress();
  try {
    const r = await takeSnapshot(await ctx.transport(), {
      signal: ctx.signal,
      ...(o.verbose ? { logger: stderrLogger } : {}),
      ...(maxDepth !== undefined ? { maxDepth } : {}),
      ...(maxCgroups !== undefined ? { maxCgroups } : {}),
      ...(hostRoot !== undefined ? { hostRoot } : {}),
      ...(cgroupRoot !== undefined ? { cgroupRoot } : {}),
      ...(progress ? { onProgress: progress.update } : {}),
    });
    return r.ok ? r.value : r.error;
  } finally {
    progress?.done();
  }
}

/**
 * The snapshot --from names (undefined without --from), after refusing what cannot go with it;
 * a file that cannot be read is an error value (exit 3).
 */
export function savedSnapshotFrom(o: OptionValues): Snapshot | ProbeError | undefined {
  const from = stringOption(o, 'from');
  if (from === undefined) return undefined;
  if (stringOption(o, 'host-root') !== undefined || stringOption(o, 'cgroup-root') !== undefined) throw new UsageError('--from reads a saved snapshot; it cannot be combined with --cgroup-root or --host-root');
  if (o.host !== undefined) throw new UsageError('--from reads a saved snapshot; it cannot be combined with --host');
  const ssh = ['ssh-config', 'accept-new', 'sudo'].find((n) => o[n] !== undefined);
  if (ssh) throw new UsageError(`--from reads a saved snapshot; it cannot be combined with --${ssh}`);
  const read = readSnapshotFile(from, '--from');
  return typeof read === 'string' ? { code: 'bad-input', message: read } : read;
}

/** --host-root as an absolute directory, for every program the command runs on the node. */
export function hostRootOf(o: OptionValues): string | undefined {
  const v = stringOption(o, 'host-root');
  return v === undefined ? undefined : absoluteDir(v);
}

export function cgroupRootOf(o: OptionValues): string | undefined {
  const v = stringOption(o, 'cgroup-root');
  return v === undefined ? undefined : absoluteDir(v);
}

/** The exit status for a failed scan, after saying why on standard error. */
export function reportProbeError(e: ProbeError): number {
  process.stderr.write(`cgroup-forensics: ${joinedLines(e.message)}\n`);
  if (e.code === 'cancelled') return EXIT.interrupted;
  const input = e.code === 'no-such-directory' || e.code === 'not-cgroupfs' || e.code === 'no-mountinfo' || e.code === 'permission-denied' || e.code === 'bad-input';
  return input ? EXIT.badInput : EXIT.scanFailed;
}

function absoluteDir(p: string): string {
  if (p === '') throw new UsageError('an empty directory name');
  const abs = p.startsWith('/') ? p : `${process.cwd()}/${p}`;
  return abs.length > 1 ? abs.replace(/\/+$/, '') : abs;
}

/**
 * A snapshot file: the JSON of 'scan --json', or the same gzip-compressed (as the extension keeps
 * them). What goes wrong is one line naming the file (the caller exits 3).
 */
export function readSnapshotFile(file: string, option?: string): Snapshot | string {
  const named = option ? `${file} (${option})` : file;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    return `cannot read ${named}: ${fileProblem(e)}`;
  }
  let text: string;
  try {
    text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  } catch (e) {
    return `cannot read ${named}: not a whole gzip file (${firstLine(e instanceof Error ? e.message : String(e))})`;
  }
  try {
    return snapshotFromJson(text);
  } catch (e) {
    return `${named} is not a usable snapshot: ${firstLine(e instanceof Error ? e.message : String(e))}`;
  }
}

/** The scan's progress on standard error when it is a terminal (undefined otherwise). */
export function scanProgress(): { update: (p: { cgroups: number; hierarchy: string }) => void; done: () => void } | undefined {
  if (!process.stderr.isTTY) return undefined;
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
