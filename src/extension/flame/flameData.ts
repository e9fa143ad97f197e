import { orphanVerdict } from '../../core/analysis/orphanVerdict';
import type { Finding } from '../../core/analysis/finding';
import { displayOf } from '../../core/model/bytes';
import type { CgroupIdentity } from '../../core/model/k8sIdentity';
import type { Hierarchy, Snapshot } from '../../core/model/snapshot';
import { treeIdentities } from '../../core/model/treeIdentity';
import { FLAME_STATS, KIND, VERDICT, type FlameStat, type KindCode, type SnapshotRole, type ToWebview } from '../../protocol/flameProtocol';

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
  /** The findings' verdicts on cgroups (hierarchy + path below the walk root, as the Nodes tree names them): verdictsOf. */
  verdicts?: readonly CgroupVerdict[];
}

/** What the findings say of one cgroup: an orphan, or an orphan-kind finding the verdict leaves alone and why. */
export interface CgroupVerdict {
  hierarchy: string;
  path: string;
  verdict: 'orphan' | 'known-to-api' | 'low-confidence';
}

/**
 * The verdicts the flame view marks: core's orphanVerdict over each orphan-kind finding (what the
 * Findings view, the CLI and the cleanup script say of it), for every cgroup of the finding.
 */
export function verdictsOf(findings: readonly { core: Pick<Finding, 'kind' | 'confidence' | 'knownToApi' | 'processes'>; cgroups: readonly { hierarchy: string; path: string }[] }[]): CgroupVerdict[] {
  const out: CgroupVerdict[] = [];
  for (const f of findings) {
    const v = orphanVerdict(f.core);
    const verdict = v.orphan ? 'orphan' : v.reason === 'known-to-api' ? 'known-to-api' : v.reason === 'low-confidence' ? 'low-confidence' : undefined;
    if (verdict === undefined) continue;
    for (const c of f.cgroups) out.push({ hierarchy: c.hierarchy, path: c.path, verdict });
  }
  return out;
}

const VERDICT_BIT: Record<CgroupVerdict['verdict'], number> = { orphan: VERDICT.orphan, 'known-to-api': VERDICT.knownToApi, 'low-confidence': VERDICT.lowConfidence };

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
    const verdict = emptyPodCgroups(h, ids);
    for (const o of origin.verdicts ?? []) {
      if (o.hierarchy !== h.name) continue;
      const i = h.tree.find(o.path);
      if (i !== undefined) verdict[i]! |= VERDICT_BIT[o.verdict];
    }
    for (let offset = 0; offset < h.tree.size; offset += chunk) yield chunkOf(h, ids, verdict, snapshotId, hi, offset, Math.min(h.tree.size, offset + chunk));
  }
  yield { type: 'snapshotEnd', snapshotId };
}

/**
 * VERDICT.empty on the pod and container cgroups that hold no process, in them or below (every
 * cgroup.procs read and empty): what the flame view calls "empty", which is not "orphan".
 */
function emptyPodCgroups(h: Hierarchy, ids: CgroupIdentity[]): Uint8Array {
  const t = h.tree;
  const out = new Uint8Array(t.size);
  // 1 where some cgroup of the subtree holds a process or could not be read.
  const busy = new Uint8Array(t.size);
  for (let i = t.size - 1; i >= 0; i--) {
    const procs = t.stats.procs[i]!;
    if (!(procs === 0) || !t.seen[i]) busy[i] = 1;
    if (i > 0 && busy[i]) busy[t.parent[i]!] = 1;
  }
  for (let i = 0; i < t.size; i++) {
    const role = ids[i]?.k8s?.role;
    if ((role === 'pod' || role === 'container') && !busy[i]) out[i] = VERDICT.empty;
  }
  return out;
}

function chunkOf(h: Hierarchy, ids: CgroupIdentity[], verdict: Uint8Array, snapshotId: number, hierarchy: number, from: number, to: number): ToWebview {
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
  return { type: 'snapshotChunk', snapshotId, hierarchy, offset: from, parent: t.parent.slice(from, to), seen: t.seen.slice(from, to), kind, verdict: verdict.slice(from, to), names: names.join('\n'), stats };
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
