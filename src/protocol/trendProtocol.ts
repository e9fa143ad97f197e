/**
 * The trend chart's message protocol, both directions, in one place (as flameProtocol.ts). The
 * host and the webview bundle both import this file, so it stays free of 'vscode' and Node (a lint
 * rule keeps them out of src/protocol) and of the DOM.
 *
 * Samples travel as they are stored (CountSample: hierarchy names and kubepods directories are
 * untrusted text from the node); the webview shows them with textContent only. Every message is
 * checked on arrival, in both directions, and bounded in size.
 */

import { bad, good, isCount, isObj, isText, parseLog, parseReply, unknownType, type LogMessage, type Parsed, type ReadyMessage, type ReplyMessage } from './messages';

export interface TrendRow {
  hierarchy: string;
  dir: string;
  live: number;
  dying?: number;
}

/** Node-wide stats beside the counts (kB from /proc/meminfo, the 1-minute load); each optional. */
export const NODE_STATS = ['memTotalKb', 'memAvailableKb', 'slabKb', 'sUnreclaimKb', 'percpuKb', 'load1'] as const;
export type NodeStatKey = (typeof NODE_STATS)[number];
export type TrendNodeStats = Partial<Record<NodeStatKey, number>>;

/** One sample as the webview sees it: the shape of core's CountSample. */
export interface TrendSample {
  /** The node's clock, epoch seconds. */
  time: number;
  hierarchies: (TrendRow & { kind: 'v1' | 'v2' })[];
  kubepods: TrendRow[];
  node?: TrendNodeStats;
}

/** Everything the view shows, sent on every 'ready' (a reloaded webview starts from this). */
export interface InitMessage {
  type: 'init';
  nodeId: string;
  /** The node's display name, for the title and the empty state. */
  label: string;
  /** Whether background sampling runs for the node now. */
  sampling: boolean;
  samples: TrendSample[];
}

/** One new sample; `kept` is how many samples the host now holds, so the view drops what it dropped. */
export interface AppendMessage {
  type: 'append';
  sample: TrendSample;
  kept: number;
  sampling: boolean;
}

/** Sampling was started or stopped (the host learns it after running a command). */
export interface SamplingMessage {
  type: 'sampling';
  sampling: boolean;
}

export type ToWebview = InitMessage | AppendMessage | SamplingMessage | ReplyMessage;

/** The empty state's button: start trend sampling on the panel's node. */
export interface StartSamplingMessage {
  type: 'startSampling';
  requestId: number;
}
export type FromWebview = ReadyMessage | StartSamplingMessage | LogMessage;

/** Rows per sample: every hierarchy and kubepods subtree of a node is far below this. */
export const MAX_ROWS = 1024;
/** Samples per init: a day at one a second; the sampler keeps far fewer. */
export const MAX_SAMPLES = 100_000;

function isStat(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** Checks a message from the webview; an unknown or malformed one comes back as an error to log. */
export function parseFromWebview(raw: unknown): Parsed<FromWebview> {
  if (!isObj(raw)) return bad('not an object');
  const t = raw.type as FromWebview['type'];
  switch (t) {
    case 'ready':
      return good({ type: 'ready' });
    case 'startSampling':
      if (!isCount(raw.requestId)) return bad('startSampling: requestId is required');
      return good({ type: 'startSampling', requestId: raw.requestId });
    case 'log':
      return parseLog(raw);
    default:
      return unknownType(t, raw);
  }
}

function parseRow(v: unknown): TrendRow | undefined {
  if (!isObj(v) || !isText(v.hierarchy) || !isText(v.dir) || !isCount(v.live)) return undefined;
  if (v.dying !== undefined && !isCount(v.dying)) return undefined;
  const r: TrendRow = { hierarchy: v.hierarchy, dir: v.dir, live: v.live };
  if (v.dying !== undefined) r.dying = v.dying;
  return r;
}

/** Checks one sample: a finite time, bounded lists of well-formed rows, numeric node stats only. */
export function parseSample(v: unknown): TrendSample | string {
  if (!isObj(v)) return 'a sample is not an object';
  if (typeof v.time !== 'number' || !Number.isFinite(v.time)) return 'a sample has no time';
  if (!Array.isArray(v.hierarchies) || !Array.isArray(v.kubepods)) return 'a sample has no hierarchies or kubepods list';
  if (v.hierarchies.length > MAX_ROWS || v.kubepods.length > MAX_ROWS) return 'a sample has too many rows';
  const hierarchies: TrendSample['hierarchies'] = [];
  for (const h of v.hierarchies as unknown[]) {
    const r = parseRow(h);
    const kind = isObj(h) ? h.kind : undefined;
    if (!r || (kind !== 'v1' && kind !== 'v2')) return 'a hierarchy row is malformed';
    hierarchies.push({ ...r, kind });
  }
  const kubepods: TrendRow[] = [];
  for (const k of v.kubepods as unknown[]) {
    const r = parseRow(k);
    if (!r) return 'a kubepods row is malformed';
    kubepods.push(r);
  }
  const s: TrendSample = { time: v.time, hierarchies, kubepods };
  if (v.node !== undefined) {
    if (!isObj(v.node)) return 'node stats are not an object';
    const node: TrendNodeStats = {};
    for (const k of NODE_STATS) {
      const x = v.node[k];
      if (x === undefined) continue;
      if (!isStat(x)) return `node stat ${k} is not a number`;
      node[k] = x;
    }
    s.node = node;
  }
  return s;
}

/** Checks a message from the host (the webview trusts nothing that arrives on window 'message'). */
export function parseToWebview(raw: unknown): Parsed<ToWebview> {
  if (!isObj(raw)) return bad('not an object');
  const t = raw.type as ToWebview['type'];
  switch (t) {
    case 'init': {
      if (!isText(raw.nodeId) || !isText(raw.label) || typeof raw.sampling !== 'boolean') return bad('init: nodeId, label and sampling are required');
      if (!Array.isArray(raw.samples) || raw.samples.length > MAX_SAMPLES) return bad('init: samples must be a bounded list');
      const samples: TrendSample[] = [];
      for (const x of raw.samples as unknown[]) {
        const s = parseSample(x);
        if (typeof s === 'string') return bad(`init: ${s}`);
        samples.push(s);
      }
      return good({ type: 'init', nodeId: raw.nodeId, label: raw.label, sampling: raw.sampling, samples });
    }
    case 'append': {
      if (!isCount(raw.kept) || typeof raw.sampling !== 'boolean') return bad('append: kept and sampling are required');
      const s = parseSample(raw.sample);
      if (typeof s === 'string') return bad(`append: ${s}`);
      return good({ type: 'append', sample: s, kept: raw.kept, sampling: raw.sampling });
    }
    case 'sampling':
      if (typeof raw.sampling !== 'boolean') return bad('sampling: sampling must be a boolean');
      return good({ type: 'sampling', sampling: raw.sampling });
    case 'reply':
      return parseReply(raw);
    default:
      return unknownType(t, raw);
  }
}
