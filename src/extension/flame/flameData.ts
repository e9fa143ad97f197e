import { displayOf } from '../../core/model/bytes';
import type { CgroupIdentity } from '../../core/model/k8sIdentity';
import type { Hierarchy, Snapshot } from '../../core/model/snapshot';
import { treeIdentities } from '../../core/model/treeIdentity';
import { FLAME_STATS, KIND, type FlameStat, type KindCode, type SnapshotRole, type ToWebview } from '../../protocol/flameProtocol';

/**
 * Turns a snapshot into the flame view's messages: one begin, chunks of typed arrays, one end.
 * Pure (no 'vscode'), so the host, the browser tests and the benchmark send exactly the same data.
 */
export const DEFAULT_CHUNK = 32768;

export function kindOf(id: CgroupIdentity | undefined, name: string): KindCode {
  const k = id?.k8s;
  if (k) {
    switch (k.role) {
      case 'pod':
        return KIND.pod;
      case 'container':
        return KIND.container;
      case 'pod-other':
        return KIND.podOther;
      case 'kubepods':
      case 'qos':
        return KIND.slice;
    }
  }
  if (id?.unitType === 'slice') return KIND.slice;
  if (id?.unitType !== undefined || name === 'init.scope') return KIND.system;
  return KIND.other;
}

export interface FlameOrigin {
  snapshotId: number;
  role: SnapshotRole;
  label: string;
  source: string;
  /** The cgroups the node's findings call orphans (hierarchy + path below the walk root, as the Nodes tree names them). */
  orphans?: readonly { hierarchy: string; path: string }[];
}

export function* flameMessages(s: Snapshot, origin: FlameOrigin, chunk = DEFAULT_CHUNK): Generator<ToWebview> {
  const { snapshotId, role, label, source } = origin;
  yield {
    type: 'snapshotBegin',
    snapshotId,
    role,
    label,
    source,
    takenAt: s.takenAt,
    hierarchies: s.hierarchies.map((h) => ({ name: h.name, kind: h.kind, basePath: displayOf(h.basePath), size: h.tree.size })),
  };
  for (let hi = 0; hi < s.hierarchies.length; hi++) {
    const h = s.hierarchies[hi]!;
    const ids = treeIdentities(h.tree, h.basePath);
    const orphan = new Uint8Array(h.tree.size);
    for (const o of origin.orphans ?? []) {
      if (o.hierarchy !== h.name) continue;
      const i = h.tree.find(o.path);
      if (i !== undefined) orphan[i] = 1;
    }
    for (let offset = 0; offset < h.tree.size; offset += chunk) yield chunkOf(h, ids, orphan, snapshotId, hi, offset, Math.min(h.tree.size, offset + chunk));
  }
  yield { type: 'snapshotEnd', snapshotId };
}

function chunkOf(h: Hierarchy, ids: CgroupIdentity[], orphan: Uint8Array, snapshotId: number, hierarchy: number, from: number, to: number): ToWebview {
  const t = h.tree;
  const n = to - from;
  const kind = new Uint8Array(n);
  const names: string[] = new Array<string>(n);
  for (let i = from; i < to; i++) {
    kind[i - from] = kindOf(ids[i], t.names[i]!);
    names[i - from] = displayOf(t.names[i]!);
  }
  // slice() copies, so each chunk owns its buffers (they may be transferred).
  const stats = Object.fromEntries(FLAME_STATS.map((s) => [s, t.stats[s].slice(from, to)])) as Record<FlameStat, Float64Array>;
  return { type: 'snapshotChunk', snapshotId, hierarchy, offset: from, parent: t.parent.slice(from, to), seen: t.seen.slice(from, to), kind, orphan: orphan.slice(from, to), names: names.join('\n'), stats };
}

/**
 * The tree index of a cgroup given by the display path the webview knows it by (names are matched
 * by their display text, which is unambiguous: displayOf doubles backslashes).
 */
export function findByDisplayPath(h: Hierarchy, path: string): number | undefined {
  const t = h.tree;
  if (t.size === 0) return undefined;
  let at = 0;
  for (const part of path.split('/')) {
    if (part === '') continue;
    let next: number | undefined;
    for (const c of t.children(at)) {
      if (displayOf(t.names[c]!) === part) {
        next = c;
        break;
      }
    }
    if (next === undefined) return undefined;
    at = next;
  }
  return at;
}
