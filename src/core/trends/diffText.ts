import { displayOf } from '../model/bytes';
import { nameToJson, type JsonName } from '../model/snapshotJson';
import { diffChanged, type SnapshotDiff } from './snapshotDiff';

export const DIFF_SCHEMA = 'cgroup-forensics/diff@1';

function when(t: number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function apart(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  const text = s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : s < 172_800 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86_400).toFixed(1)} days`;
  return ms < 0 ? `${text} (the first is the later one)` : text;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/**
 * The differences as plain text for a terminal or a read-only editor: per hierarchy the counts,
 * the dying change and up to `limit` added and removed cgroups, then the busiest parents and the
 * pods that went empty. Names are shown with control bytes escaped (displayOf).
 */
export function renderDiffText(d: SnapshotDiff, limit = 20): string {
  const lines: string[] = [];
  lines.push(`from ${when(d.before)} to ${when(d.after)} (${apart(d.after - d.before)} apart)`);
  if (!diffChanged(d)) {
    lines.push('', 'no cgroup was added or removed, and the dying counts did not change');
    return lines.join('\n') + '\n';
  }
  for (const h of d.hierarchies) {
    const dying =
      h.dyingBefore !== undefined || h.dyingAfter !== undefined
        ? `; dying ${h.dyingBefore ?? '?'} -> ${h.dyingAfter ?? '?'}${h.dyingBefore !== undefined && h.dyingAfter !== undefined ? ` (${signed(h.dyingAfter - h.dyingBefore)})` : ''}`
        : '';
    lines.push('', `${h.hierarchy} (${h.kind}): ${h.before} -> ${h.after} cgroups, ${h.added.length} added, ${h.removed.length} removed${dying}`);
    const list = (mark: string, paths: string[]): void => {
      for (const p of paths.slice(0, limit)) lines.push(`  ${mark} ${displayOf(p)}`);
      if (paths.length > limit) lines.push(`  ${mark} ... ${paths.length - limit} more`);
    };
    list('+', h.added);
    list('-', h.removed);
  }
  if (d.onlyBefore.length) lines.push('', `hierarchies only in the earlier snapshot: ${d.onlyBefore.map(displayOf).join(', ')}`);
  if (d.onlyAfter.length) lines.push('', `hierarchies only in the later snapshot: ${d.onlyAfter.map(displayOf).join(', ')}`);
  if (d.byParent.length) {
    lines.push('', 'by parent (added / removed):');
    for (const r of d.byParent.slice(0, limit)) lines.push(`  ${r.hierarchy}  ${displayOf(r.parent)}  +${r.created} -${r.removed}`);
    if (d.byParent.length > limit) lines.push(`  ... ${d.byParent.length - limit} more parents`);
  }
  if (d.newOrphanLookingPods.length) {
    lines.push('', 'pods that now look orphaned (pod cgroups without a process; orphan detection checks them against kubelet):');
    for (const p of d.newOrphanLookingPods.slice(0, limit)) {
      const first = p.cgroups[0];
      lines.push(`  ${p.podUid}  ${p.change === 'new' ? 'new, already empty' : 'emptied since'}${first ? `  ${first.hierarchy} ${displayOf(first.path)}` : ''}`);
    }
    if (d.newOrphanLookingPods.length > limit) lines.push(`  ... ${d.newOrphanLookingPods.length - limit} more pods`);
  }
  return lines.join('\n') + '\n';
}

export interface DiffJson {
  schema: typeof DIFF_SCHEMA;
  before: string;
  after: string;
  changed: boolean;
  hierarchies: {
    hierarchy: string;
    kind: 'v1' | 'v2';
    before: number;
    after: number;
    added: JsonName[];
    removed: JsonName[];
    dyingBefore?: number;
    dyingAfter?: number;
  }[];
  onlyBefore: string[];
  onlyAfter: string[];
  byParent: { hierarchy: string; parent: JsonName; created: number; removed: number }[];
  newOrphanLookingPods: { podUid: string; change: 'new' | 'emptied'; cgroups: { hierarchy: string; path: JsonName }[] }[];
}

/** The JSON form: names as snapshotJson writes them (text, or {bytes} when not UTF-8). */
export function diffToJson(d: SnapshotDiff): DiffJson {
  return {
    schema: DIFF_SCHEMA,
    before: new Date(d.before).toISOString(),
    after: new Date(d.after).toISOString(),
    changed: diffChanged(d),
    hierarchies: d.hierarchies.map((h) => ({ ...h, added: h.added.map(nameToJson), removed: h.removed.map(nameToJson) })),
    onlyBefore: d.onlyBefore,
    onlyAfter: d.onlyAfter,
    byParent: d.byParent.map((r) => ({ hierarchy: r.hierarchy, parent: nameToJson(r.parent), created: r.created, removed: r.removed })),
    newOrphanLookingPods: d.newOrphanLookingPods.map((p) => ({ ...p, cgroups: p.cgroups.map((c) => ({ hierarchy: c.hierarchy, path: nameToJson(c.path) })) })),
  };
}
