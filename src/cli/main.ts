import { readFileSync, writeSync, createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { summarize } from '../core/analysis/summary';
import { byteStringOf, displayOf } from '../core/model/bytes';
import type { Hierarchy, Snapshot } from '../core/model/snapshot';
import { snapshotFromJson, snapshotJsonChunks } from '../core/model/snapshotJson';
import type { ProbeError } from '../core/result';
import { renderSummaryText } from '../core/report/summaryText';
import { renderTreeText } from '../core/report/treeText';
import { takeSnapshot } from '../core/scan';
import { LocalTransport } from '../core/transport/local';
import { EXIT } from './exitCodes';
import { stderrLogger } from './stderrLogger';
import { version } from '../../package.json';

const USAGE = `Usage: cgroup-forensics COMMAND [OPTIONS]

Investigate cgroup leaks on a Kubernetes node. Reads only; changes nothing.

Commands:
  scan              summary of this node's cgroup hierarchies (layout, counts, dying
                    cgroups, pods and containers, largest subtrees)
  tree [PATH]       indented tree with stats and Kubernetes names, from PATH (a cgroup
                    path such as /kubepods.slice, or a directory under the walk root)

Options:
  --json                  scan: print the snapshot as JSON (schema cgroup-forensics/snapshot@1)
  -o, --output FILE       write the output to FILE instead of standard output
  --cgroup-root DIR       walk only DIR, as if it were a hierarchy root
  --host-root DIR         read a node filesystem mounted at DIR (a debug pod's /host)
  --from FILE             read a snapshot saved with 'scan --json' instead of scanning
  --hierarchy NAME        tree: which hierarchy (unified, memory, cpu,cpuacct, name=systemd ...)
  --depth N               tree: levels shown below PATH (default: all)
  --limit N               tree: children shown per cgroup before "... N more" (default: all)
  --max-depth N           walk bound: deepest level (default 64)
  --max-cgroups N         walk bound: cgroups per hierarchy (default 1000000)
  --verbose               log what happens on standard error
  -h, --help              this help
  -V, --version           the version

Exit status: 0 done, 2 bad usage, 3 the input cannot be scanned (no such directory, not
a cgroup filesystem), 4 the scan failed, 130 interrupted.
`;

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        output: { type: 'string', short: 'o' },
        'cgroup-root': { type: 'string' },
        'host-root': { type: 'string' },
        from: { type: 'string' },
        hierarchy: { type: 'string' },
        depth: { type: 'string' },
        limit: { type: 'string' },
        'max-depth': { type: 'string' },
        'max-cgroups': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (e) {
    return usageError(e instanceof Error ? e.message : String(e));
  }
  const { values: o, positionals } = parsed;
  if (o.help) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (o.version) {
    process.stdout.write(`cgroup-forensics ${version}\n`);
    return EXIT.ok;
  }
  const [command, ...rest] = positionals;
  try {
    if (command !== 'scan' && command !== 'tree') {
      return usageError(command === undefined ? 'a command is needed' : `unknown command '${command}'`);
    }
    if (command === 'scan' && rest.length) throw new UsageError(`scan takes no arguments (got '${rest[0]}')`);
    if (command === 'tree' && rest.length > 1) throw new UsageError('tree takes at most one PATH');
    if (o.from && (o['cgroup-root'] || o['host-root'])) throw new UsageError('--from reads a saved snapshot; it cannot be combined with --cgroup-root or --host-root');

    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    let snapshot: Snapshot | ProbeError;
    try {
      snapshot = o.from ? readSnapshot(o.from) : await scan(o, controller.signal);
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    if ('code' in snapshot) {
      process.stderr.write(`cgroup-forensics: ${snapshot.message}\n`);
      return snapshot.code === 'cancelled' ? EXIT.interrupted : isInputError(snapshot) ? EXIT.badInput : EXIT.scanFailed;
    }
    const out = o.output ? createWriteStream(o.output) : undefined;
    const write = (text: string): void => {
      if (out) out.write(text);
      else writeAll(text);
    };
    if (command === 'scan') {
      if (o.json) for (const chunk of snapshotJsonChunks(snapshot)) write(chunk);
      else write(renderSummaryText(summarize(snapshot)));
    } else {
      write(treeOf(snapshot, rest[0], o));
    }
    if (out) await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    return EXIT.ok;
  } catch (e) {
    if (e instanceof UsageError) return usageError(e.message);
    process.stderr.write(`cgroup-forensics: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.scanFailed;
  }
}

function isInputError(e: ProbeError): boolean {
  return e.code === 'no-such-directory' || e.code === 'not-cgroupfs' || e.code === 'no-mountinfo' || e.code === 'permission-denied';
}

function usageError(message: string): number {
  process.stderr.write(`cgroup-forensics: ${message}\nTry 'cgroup-forensics --help'.\n`);
  return EXIT.usage;
}

function intOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} takes a whole number, not '${v}'`);
  return Number(v);
}

type Options = Record<string, string | boolean | undefined>;

async function scan(o: Options, signal: AbortSignal): Promise<Snapshot | ProbeError> {
  const str = (k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const maxDepth = intOption('max-depth', str('max-depth'));
  const maxCgroups = intOption('max-cgroups', str('max-cgroups'));
  const hostRoot = str('host-root');
  const cgroupRoot = str('cgroup-root');
  const progress = process.stderr.isTTY ? progressLine() : undefined;
  const transport = new LocalTransport();
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
  return snapshotFromJson(text);
}

function treeOf(s: Snapshot, pathArg: string | undefined, o: Options): string {
  const h = pickHierarchy(s, typeof o.hierarchy === 'string' ? o.hierarchy : undefined);
  const depth = intOption('depth', typeof o.depth === 'string' ? o.depth : undefined);
  const limit = intOption('limit', typeof o.limit === 'string' ? o.limit : undefined);
  let start = 0;
  if (pathArg !== undefined) {
    const rel = relativePath(h, byteStringOf(pathArg));
    const found = rel === undefined ? undefined : h.tree.find(rel);
    if (found === undefined) throw new Error(`no cgroup ${pathArg} in the ${h.name} hierarchy`);
    start = found;
  }
  return renderTreeText(h, start, {
    ...(depth !== undefined ? { maxDepth: depth } : {}),
    ...(limit !== undefined ? { maxChildren: limit } : {}),
    ...(s.node.now !== undefined && h.mtimeSupported ? { now: s.node.now } : {}),
  });
}

/** A PATH may be a cgroup path (/kubepods/burstable) or a directory under the walk root. */
function relativePath(h: Hierarchy, p: string): string | undefined {
  const strip = (prefix: string): string | undefined => {
    if (prefix === '/' || prefix === '') return p;
    if (p === prefix) return '/';
    return p.startsWith(prefix + '/') ? p.slice(prefix.length) : undefined;
  };
  return strip(h.walkRoot) ?? strip(h.basePath);
}

/** The named hierarchy, or the richest one: most cgroups, v2 first on a tie, then memory. */
function pickHierarchy(s: Snapshot, name: string | undefined): Hierarchy {
  if (name !== undefined) {
    const h = s.hierarchies.find((x) => x.name === name || x.controllers.includes(name));
    if (!h) throw new UsageError(`no hierarchy '${name}'; this node has: ${s.hierarchies.map((x) => x.name).join(', ')}`);
    return h;
  }
  const rank = (h: Hierarchy): number => h.tree.size * 4 + (h.kind === 'v2' ? 2 : h.controllers.includes('memory') ? 1 : 0);
  const best = [...s.hierarchies].sort((a, b) => rank(b) - rank(a))[0];
  if (!best) throw new Error('the snapshot holds no hierarchy');
  return best;
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

/** Synchronous writes keep output whole when stdout is a pipe that closes early (head). */
function writeAll(text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EPIPE') process.exit(EXIT.ok);
      throw e;
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`cgroup-forensics: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      process.exitCode = EXIT.scanFailed;
    },
  );
}
