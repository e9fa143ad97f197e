import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CountRow, CountSample, NodeStats } from '../../core/trends/sample';

/**
 * The trend samples of each node, kept in memory and persisted as JSON Lines (one sample a line)
 * in a folder of the extension's own (globalStorageUri), so they survive a reload. No `vscode`
 * import: the unit tests run it as it is.
 *
 * Bounded: samples() never holds more than `keep`; the file is trimmed on write once it holds a
 * tenth more than that (so a full store is rewritten every keep/10 samples, not on every one).
 * A line that is not a sample (a write cut short by a crash, an edit by hand) is skipped.
 */
interface Entry {
  samples: CountSample[];
  /** Lines in the file (samples or not). */
  lines: number;
  /** The file ends inside a line (a write cut short): the next append starts a new line first. */
  cut: boolean;
}

export class SampleStore {
  private readonly cache = new Map<string, Entry>();

  constructor(
    readonly dir: string,
    private keep: number,
    /** Told once per file that had lines which were not samples. */
    private readonly onSkipped: (file: string, skipped: number) => void = () => undefined,
  ) {}

  /** The file of a node: named by a hash, since node ids hold ':' and '/' (ssh:host, file:/path). */
  fileOf(nodeId: string): string {
    return join(this.dir, `samples-${createHash('sha256').update(nodeId).digest('hex').slice(0, 32)}.jsonl`);
  }

  setKeep(keep: number): void {
    this.keep = Math.max(1, Math.floor(keep));
    for (const e of this.cache.values()) if (e.samples.length > this.keep) e.samples.splice(0, e.samples.length - this.keep);
  }

  /** A node's samples, oldest first (read from its file on first use). */
  samples(nodeId: string): readonly CountSample[] {
    return this.entry(nodeId).samples;
  }

  /** Deletes a node's samples, in memory and on disk. */
  forget(nodeId: string): void {
    this.cache.delete(nodeId);
    rmSync(this.fileOf(nodeId), { force: true });
  }

  /** Stores a sample: appended to the file, which is rewritten with the last `keep` when too long. */
  append(nodeId: string, sample: CountSample): void {
    const e = this.entry(nodeId);
    e.samples.push(sample);
    if (e.samples.length > this.keep) e.samples.splice(0, e.samples.length - this.keep);
    mkdirSync(this.dir, { recursive: true });
    const file = this.fileOf(nodeId);
    if (e.lines + 1 > this.keep + Math.ceil(this.keep / 10)) {
      // Written aside and renamed: a crash mid-write leaves the old file, never half of one.
      writeFileSync(`${file}.tmp`, e.samples.map((s) => JSON.stringify(s) + '\n').join(''));
      renameSync(`${file}.tmp`, file);
      e.lines = e.samples.length;
      e.cut = false;
    } else {
      appendFileSync(file, (e.cut ? '\n' : '') + JSON.stringify(sample) + '\n');
      e.cut = false;
      e.lines++;
    }
  }

  private entry(nodeId: string): Entry {
    let e = this.cache.get(nodeId);
    if (!e) {
      const file = this.fileOf(nodeId);
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        // No file yet: no samples.
      }
      const parsed = parseSampleLines(text);
      if (parsed.skipped) this.onSkipped(file, parsed.skipped);
      e = { samples: parsed.samples.slice(-this.keep), lines: parsed.lines, cut: text !== '' && !text.endsWith('\n') };
      this.cache.set(nodeId, e);
    }
    return e;
  }
}

/** Samples from JSON Lines text; lines that are not samples are counted and skipped. */
export function parseSampleLines(text: string): { samples: CountSample[]; skipped: number; lines: number } {
  const samples: CountSample[] = [];
  let skipped = 0;
  let lines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    lines++;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    const s = toSample(v);
    if (s) samples.push(s);
    else skipped++;
  }
  return { samples, skipped, lines };
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function toRow(v: unknown): CountRow | undefined {
  if (!isObj(v) || typeof v.hierarchy !== 'string' || typeof v.dir !== 'string' || !isNum(v.live)) return undefined;
  if (v.dying !== undefined && !isNum(v.dying)) return undefined;
  return { hierarchy: v.hierarchy, dir: v.dir, live: v.live, ...(isNum(v.dying) ? { dying: v.dying } : {}) };
}

/** A parsed line as a sample, checked field by field (the file is ours, but files get damaged). */
export function toSample(v: unknown): CountSample | undefined {
  if (!isObj(v) || !isNum(v.time) || !Array.isArray(v.hierarchies) || !Array.isArray(v.kubepods)) return undefined;
  const hierarchies: CountSample['hierarchies'] = [];
  for (const h of v.hierarchies) {
    const r = toRow(h);
    if (!r || !isObj(h) || (h.kind !== 'v1' && h.kind !== 'v2')) return undefined;
    hierarchies.push({ kind: h.kind, ...r });
  }
  const kubepods: CountRow[] = [];
  for (const k of v.kubepods) {
    const r = toRow(k);
    if (!r) return undefined;
    kubepods.push(r);
  }
  const out: CountSample = { time: v.time, hierarchies, kubepods };
  if (v.node !== undefined) {
    if (!isObj(v.node)) return undefined;
    const node: NodeStats = {};
    for (const k of ['memTotalKb', 'memAvailableKb', 'slabKb', 'sUnreclaimKb', 'percpuKb', 'load1'] as const) {
      const x = v.node[k];
      if (isNum(x)) node[k] = x;
    }
    out.node = node;
  }
  return out;
}
