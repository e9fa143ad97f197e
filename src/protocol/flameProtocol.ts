/**
 * The flame view's message protocol, both directions, in one place (GitLens IPC style). The host
 * and the webview bundle both import this file, so it must stay free of 'vscode' and Node (a lint
 * rule keeps them out of src/protocol) and of the DOM.
 *
 * Snapshots travel as typed arrays in chunks (postMessage transfers them without reshaping); names
 * travel as display text (displayOf: valid UTF-8 kept, control bytes escaped), joined by '\n',
 * which a display name never contains. Nothing here is ever spliced into HTML.
 */

import { bad, good, isCount, isObj, isText, parseLog, parseReply, unknownType, type LogMessage, type Parsed, type ReadyMessage, type ReplyMessage } from './messages';

/** The per-cgroup stats the view uses, in wire order. */
export const FLAME_STATS = ['memory', 'cpuUsec', 'pids', 'procs', 'nrDescendants', 'nrDying', 'populated', 'frozen'] as const;
export type FlameStat = (typeof FLAME_STATS)[number];

/** Cell kind codes (one byte per cgroup), decided on the host from the Kubernetes identity. */
export const KIND = { other: 0, slice: 1, pod: 2, container: 3, system: 4, podOther: 5 } as const;
export type KindCode = (typeof KIND)[keyof typeof KIND];

/**
 * The findings' verdict on a cgroup, one byte of bits per cgroup, decided on the host: `orphan`,
 * `knownToApi` and `lowConfidence` from src/core/analysis/orphanVerdict.ts over the node's
 * orphan-kind findings (the same verdict the Findings view, the CLI and the cleanup script use);
 * `empty` where a pod or container cgroup holds no process, in it or below (read from the
 * snapshot). The page shows these; it never decides an orphan itself.
 */
export const VERDICT = { orphan: 1, knownToApi: 2, lowConfidence: 4, empty: 8 } as const;

export type SnapshotRole = 'current' | 'baseline';

export interface HierarchyMeta {
  name: string;
  kind: 'v1' | 'v2';
  /** Display text of the cgroup path of the walk root. */
  basePath: string;
  size: number;
}

export interface SnapshotBegin {
  type: 'snapshotBegin';
  snapshotId: number;
  role: SnapshotRole;
  /** Where the snapshot came from, for the title and the compare label ("This machine", a node's name). */
  label: string;
  /** The node id the snapshot belongs to (persisted, so a restored panel knows what to rescan). */
  source: string;
  takenAt: number;
  hierarchies: HierarchyMeta[];
}

export interface SnapshotChunk {
  type: 'snapshotChunk';
  snapshotId: number;
  /** Index into SnapshotBegin.hierarchies. */
  hierarchy: number;
  /** Index of the first cgroup of this chunk. */
  offset: number;
  parent: Int32Array;
  seen: Uint8Array;
  kind: Uint8Array;
  /**
   * VERDICT bits per cgroup (an orphan only where the node's findings call it one: an empty pod
   * cgroup may be one kubelet is starting or one the API knows, and is marked empty, not orphan).
   */
  verdict: Uint8Array;
  /** Display names of the chunk's cgroups joined by '\n'. */
  names: string;
  stats: Record<FlameStat, Float64Array>;
}

export interface SnapshotEnd {
  type: 'snapshotEnd';
  snapshotId: number;
}

/** The tree's "Show in flame view": focus this cgroup. */
export interface FocusMessage {
  type: 'focus';
  hierarchy: string;
  path: string;
}

export interface StatusMessage {
  type: 'status';
  level: 'info' | 'error';
  message: string;
}

export type ToWebview = SnapshotBegin | SnapshotChunk | SnapshotEnd | FocusMessage | ReplyMessage | StatusMessage;

/** A cell was selected: the host reveals it in the Nodes tree only if that view is visible. */
export interface SelectMessage {
  type: 'select';
  hierarchy: string;
  path: string;
}
/** "Reveal in Nodes": the user asked to see the cgroup in the Nodes tree (shown even if hidden). */
export interface RevealMessage {
  type: 'reveal';
  hierarchy: string;
  path: string;
}
export interface RefreshMessage {
  type: 'refresh';
  requestId: number;
}
/** Pick a baseline snapshot to compare against; the host sends it with role 'baseline', then replies. */
export interface CompareMessage {
  type: 'compare';
  requestId: number;
}
export interface ExportMessage {
  type: 'export';
  requestId: number;
  format: 'svg' | 'png';
  /** SVG text, or the PNG as base64. */
  data: string;
}
export type FromWebview = ReadyMessage | SelectMessage | RevealMessage | RefreshMessage | CompareMessage | ExportMessage | LogMessage;

const MAX_EXPORT = 64 * 1024 * 1024;

/** Checks a message from the webview; an unknown or malformed one comes back as an error to log. */
export function parseFromWebview(raw: unknown): Parsed<FromWebview> {
  if (!isObj(raw)) return bad('not an object');
  const t = raw.type as FromWebview['type'];
  switch (t) {
    case 'ready':
      return good({ type: 'ready' });
    case 'select':
    case 'reveal':
      if (!isText(raw.hierarchy) || !isText(raw.path) || !raw.path.startsWith('/')) return bad(`${t}: hierarchy and an absolute path are required`);
      return good({ type: t, hierarchy: raw.hierarchy, path: raw.path });
    case 'refresh':
    case 'compare':
      if (!isCount(raw.requestId)) return bad(`${t}: requestId is required`);
      return good({ type: t, requestId: raw.requestId });
    case 'export':
      if (!isCount(raw.requestId)) return bad('export: requestId is required');
      if (raw.format !== 'svg' && raw.format !== 'png') return bad('export: format must be svg or png');
      if (!isText(raw.data, MAX_EXPORT)) return bad('export: data must be a string');
      return good({ type: 'export', requestId: raw.requestId, format: raw.format, data: raw.data });
    case 'log':
      return parseLog(raw);
    default:
      return unknownType(t, raw);
  }
}

function parseMeta(v: unknown): HierarchyMeta | undefined {
  if (!isObj(v) || !isText(v.name) || (v.kind !== 'v1' && v.kind !== 'v2') || !isText(v.basePath) || !isCount(v.size)) return undefined;
  return { name: v.name, kind: v.kind, basePath: v.basePath, size: v.size };
}

function parseChunk(raw: Record<string, unknown>): Parsed<SnapshotChunk> {
  const { parent, seen, kind, verdict, names, stats } = raw;
  if (!isCount(raw.snapshotId) || !isCount(raw.hierarchy) || !isCount(raw.offset)) return bad('snapshotChunk: ids and offset are required');
  if (!(parent instanceof Int32Array) || !(seen instanceof Uint8Array) || !(kind instanceof Uint8Array) || !(verdict instanceof Uint8Array)) {
    return bad('snapshotChunk: parent, seen, kind and verdict must be typed arrays');
  }
  const n = parent.length;
  if (seen.length !== n || kind.length !== n || verdict.length !== n) return bad('snapshotChunk: array lengths differ');
  if (typeof names !== 'string') return bad('snapshotChunk: names must be a string');
  if (!isObj(stats)) return bad('snapshotChunk: stats missing');
  const out = {} as Record<FlameStat, Float64Array>;
  for (const s of FLAME_STATS) {
    const a = stats[s];
    if (!(a instanceof Float64Array) || a.length !== n) return bad(`snapshotChunk: stat ${s} must be a Float64Array of ${n}`);
    out[s] = a;
  }
  const offset = raw.offset;
  // Parents come first: every parent index is below the cgroup's own (the root's is -1).
  for (let i = 0; i < n; i++) {
    const p = parent[i]!;
    if (p >= offset + i || (p < 0 && offset + i !== 0) || p < -1) return bad('snapshotChunk: a parent index is out of order');
  }
  if (n > 0 && names.split('\n').length !== n) return bad('snapshotChunk: name count differs from the cgroup count');
  return good({ type: 'snapshotChunk', snapshotId: raw.snapshotId, hierarchy: raw.hierarchy, offset, parent, seen, kind, verdict, names, stats: out });
}

/** Checks a message from the host (the webview trusts nothing that arrives on window 'message'). */
export function parseToWebview(raw: unknown): Parsed<ToWebview> {
  if (!isObj(raw)) return bad('not an object');
  const t = raw.type as ToWebview['type'];
  switch (t) {
    case 'snapshotBegin': {
      if (!isCount(raw.snapshotId) || (raw.role !== 'current' && raw.role !== 'baseline') || !isText(raw.label) || !isText(raw.source) || typeof raw.takenAt !== 'number') {
        return bad('snapshotBegin: snapshotId, role, label, source and takenAt are required');
      }
      if (!Array.isArray(raw.hierarchies)) return bad('snapshotBegin: hierarchies must be a list');
      const hierarchies: HierarchyMeta[] = [];
      for (const h of raw.hierarchies) {
        const m = parseMeta(h);
        if (!m) return bad('snapshotBegin: a hierarchy is malformed');
        hierarchies.push(m);
      }
      return good({ type: 'snapshotBegin', snapshotId: raw.snapshotId, role: raw.role, label: raw.label, source: raw.source, takenAt: raw.takenAt, hierarchies });
    }
    case 'snapshotChunk':
      return parseChunk(raw);
    case 'snapshotEnd':
      if (!isCount(raw.snapshotId)) return bad('snapshotEnd: snapshotId is required');
      return good({ type: 'snapshotEnd', snapshotId: raw.snapshotId });
    case 'focus':
      if (!isText(raw.hierarchy) || !isText(raw.path) || !raw.path.startsWith('/')) return bad('focus: hierarchy and an absolute path are required');
      return good({ type: 'focus', hierarchy: raw.hierarchy, path: raw.path });
    case 'reply':
      return parseReply(raw);
    case 'status':
      if ((raw.level !== 'info' && raw.level !== 'error') || !isText(raw.message)) return bad('status: level and message are required');
      return good({ type: 'status', level: raw.level, message: raw.message });
    default:
      return unknownType(t, raw);
  }
}
