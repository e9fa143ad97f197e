import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { Logger } from '../../core/logger';
import type { Snapshot } from '../../core/model/snapshot';
import { snapshotFromJson, snapshotJsonChunks } from '../../core/model/snapshotJson';

/**
 * Snapshots kept on disk per node, so "compare with an earlier snapshot" outlives a reload:
 *   <root>/<safe node dir>/<takenAt ms>-<cgroups>c.json.gz   gzip of the snapshot JSON (snapshotJson)
 *   <root>/<safe node dir>/node.json                          {"id": node id}, for people and deleteAll
 * A listing reads only file names and sizes (time and cgroup count are in the name), so it is
 * instant for 100,000-cgroup snapshots. Writes go to a temporary file renamed into place, so a
 * reader never sees half a file. Nothing here imports 'vscode': the store takes a directory (the
 * extension gives it globalStorageUri/snapshots) and is tested as a plain module.
 */
export interface StoredSnapshot {
  nodeId: string;
  /** When the snapshot was taken, epoch ms. */
  takenAt: number;
  /** Cgroups over every hierarchy. */
  cgroups: number;
  /** Compressed size on disk. */
  bytes: number;
  file: string;
}

export interface StoreBounds {
  /** Snapshots kept per node; 0 keeps none. */
  keep: number;
  /** Total bytes over every node; the oldest go first. */
  maxBytes: number;
}

export type LoadResult = { ok: true; snapshot: Snapshot } | { ok: false; error: string };

const NAME_RE = /^(\d{1,15})-(\d{1,12})c\.json\.gz$/;
const TEMP_PREFIX = '.tmp-';

/**
 * A directory name for a node id, whatever the id holds (ssh aliases are user text: '/', '..',
 * newlines): a readable prefix of safe characters and a hash of the whole id, so two ids never
 * share a directory and the name is never '.', '..' or a path.
 */
export function nodeDirName(nodeId: string): string {
  const readable = nodeId
    .replace(/[^A-Za-z0-9_.@-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 40);
  const hash = createHash('sha256').update(nodeId, 'utf8').digest('hex').slice(0, 16);
  return `${readable || 'node'}-${hash}`;
}

export class SnapshotStore {
  /** One operation at a time: saves, prunes and deletes never interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly root: string,
    private readonly bounds: () => StoreBounds,
    private readonly log: Logger,
  ) {}

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  dirOf(nodeId: string): string {
    return join(this.root, nodeDirName(nodeId));
  }

  /**
   * Writes a snapshot of a node (gzip, temp file then rename) and applies the bounds. Resolves
   * with the stored entry, or undefined when the bounds keep none. Errors reject; callers that
   * save in the background log them.
   */
  save(nodeId: string, s: Snapshot): Promise<StoredSnapshot | undefined> {
    return this.serial(async () => {
      const { keep } = this.bounds();
      const dir = this.dirOf(nodeId);
      let stored: StoredSnapshot | undefined;
      if (keep > 0) {
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, 'node.json'), JSON.stringify({ id: nodeId }) + '\n');
        const cgroups = s.hierarchies.reduce((a, h) => a + h.tree.size, 0);
        const name = `${Math.max(0, Math.floor(s.takenAt))}-${cgroups}c.json.gz`;
        const file = join(dir, name);
        const known = await stat(file).catch(() => undefined);
        if (known) {
          stored = { nodeId, takenAt: s.takenAt, cgroups, bytes: known.size, file };
        } else {
          const temp = join(dir, `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
          try {
            await pipeline(Readable.from(snapshotJsonChunks(s)), createGzip({ level: 6 }), createWriteStream(temp, { mode: 0o600 }));
            await rename(temp, file);
          } catch (e) {
            await unlink(temp).catch(() => undefined);
            throw e;
          }
          stored = { nodeId, takenAt: s.takenAt, cgroups, bytes: (await stat(file)).size, file };
          this.log.info(`snapshots: kept ${nodeId} at ${new Date(s.takenAt).toISOString()} (${cgroups} cgroups, ${stored.bytes} bytes)`);
        }
      }
      await this.prune(nodeId);
      if (stored && !(await stat(stored.file).catch(() => undefined))) return undefined;
      return stored;
    });
  }

  /** The stored snapshots of a node, newest first. Names that are not ours are skipped. */
  async list(nodeId: string): Promise<StoredSnapshot[]> {
    return (await this.listDir(nodeId, this.dirOf(nodeId))).sort((a, b) => b.takenAt - a.takenAt);
  }

  private async listDir(nodeId: string, dir: string): Promise<StoredSnapshot[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn(`snapshots: cannot list ${dir}: ${errText(e)}`);
      return [];
    }
    const out: StoredSnapshot[] = [];
    for (const name of names) {
      const m = NAME_RE.exec(name);
      if (!m) continue;
      const file = join(dir, name);
      try {
        const st = await stat(file);
        if (!st.isFile()) continue;
        out.push({ nodeId, takenAt: Number(m[1]), cgroups: Number(m[2]), bytes: st.size, file });
      } catch (e) {
        this.log.warn(`snapshots: skipped ${file}: ${errText(e)}`);
      }
    }
    return out;
  }

  /** Reads a stored snapshot back; a corrupt or unreadable file is an error value (and logged). */
  async load(entry: StoredSnapshot): Promise<LoadResult> {
    try {
      const chunks: Buffer[] = [];
      await pipeline(createReadStream(entry.file), createGunzip(), async function* (source: AsyncIterable<Buffer>) {
        for await (const c of source) chunks.push(c);
      });
      return { ok: true, snapshot: snapshotFromJson(Buffer.concat(chunks).toString('utf8')) };
    } catch (e) {
      const error = `${entry.file}: ${errText(e)}`;
      this.log.warn(`snapshots: skipped an unreadable snapshot: ${error}`);
      return { ok: false, error };
    }
  }

  /** Removes every stored snapshot of a node; resolves with how many were removed. */
  deleteAll(nodeId: string): Promise<number> {
    return this.serial(async () => {
      const n = (await this.list(nodeId)).length;
      await rm(this.dirOf(nodeId), { recursive: true, force: true });
      this.log.info(`snapshots: removed ${n} of ${nodeId}`);
      return n;
    });
  }

  /** Applies the bounds: `keep` per node for this node, then `maxBytes` over all nodes, oldest first. */
  private async prune(nodeId: string): Promise<void> {
    const { keep, maxBytes } = this.bounds();
    for (const old of (await this.list(nodeId)).slice(Math.max(0, keep))) await this.remove(old, `more than ${keep} kept`);
    const all = await this.listAll();
    let total = all.reduce((a, e) => a + e.bytes, 0);
    for (const e of all.sort((a, b) => a.takenAt - b.takenAt)) {
      if (total <= maxBytes) break;
      await this.remove(e, `over ${maxBytes} bytes in all`);
      total -= e.bytes;
    }
    await this.removeStaleTemps(this.dirOf(nodeId));
  }

  private async listAll(): Promise<StoredSnapshot[]> {
    let dirs: string[];
    try {
      dirs = await readdir(this.root);
    } catch {
      return [];
    }
    const out: StoredSnapshot[] = [];
    for (const d of dirs) {
      const dir = join(this.root, d);
      let id = d;
      try {
        const raw = JSON.parse(await readFile(join(dir, 'node.json'), 'utf8')) as { id?: unknown };
        if (typeof raw.id === 'string') id = raw.id;
      } catch {
        // Without node.json the directory name stands for the node in the log.
      }
      out.push(...(await this.listDir(id, dir)));
    }
    return out;
  }

  private async remove(e: StoredSnapshot, why: string): Promise<void> {
    try {
      await unlink(e.file);
      this.log.info(`snapshots: removed ${e.nodeId} at ${new Date(e.takenAt).toISOString()} (${why})`);
    } catch (err) {
      this.log.warn(`snapshots: cannot remove ${e.file}: ${errText(err)}`);
    }
  }

  /** Temp files of a save that was killed midway (older than an hour). */
  private async removeStaleTemps(dir: string): Promise<void> {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const n of names) {
      if (!n.startsWith(TEMP_PREFIX)) continue;
      const st = await stat(join(dir, n)).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > 3600_000) await unlink(join(dir, n)).catch(() => undefined);
    }
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
