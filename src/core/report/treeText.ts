import { displayOf } from '../model/bytes';
import type { CgroupTree } from '../model/cgroupTree';
import { describeIdentity } from '../model/k8sIdentity';
import type { Hierarchy } from '../model/snapshot';
import { treeIdentities } from '../model/treeIdentity';
import { formatAge, formatBytes } from './format';

export interface TreeTextOptions {
  /** Levels shown below the start (0 = all). */
  maxDepth?: number;
  /** Children shown per cgroup before "… N more" (0 = all). */
  maxChildren?: number;
  /** The node's clock (epoch seconds), for ages from mtime. */
  now?: number;
}

/**
 * An indented tree like `systemd-cgls --all`, with each cgroup's memory, processes, pids, age and
 * Kubernetes meaning. Names are escaped for the terminal (control bytes never reach it raw).
 */
export function renderTreeText(h: Hierarchy, start: number, options: TreeTextOptions = {}): string {
  const t = h.tree;
  const ids = treeIdentities(t, h.basePath);
  const lines: string[] = [];
  const maxDepth = options.maxDepth ?? 0;
  const maxChildren = options.maxChildren ?? 0;
  const head = start === 0 ? displayOf(h.walkRoot) : displayOf(t.path(start));
  lines.push(`${head}${statText(t, start, options.now)}${label(ids[start])}`);
  const walk = (i: number, prefix: string, depth: number): void => {
    const kids = t.children(i);
    if (maxDepth > 0 && depth >= maxDepth) {
      if (kids.length) lines.push(`${prefix}└─… ${kids.length} more below`);
      return;
    }
    const shown = maxChildren > 0 ? Math.min(kids.length, maxChildren) : kids.length;
    for (let k = 0; k < shown; k++) {
      const c = kids[k]!;
      const last = k === kids.length - 1;
      lines.push(`${prefix}${last ? '└─' : '├─'}${displayOf(t.names[c]!)}${statText(t, c, options.now)}${label(ids[c])}`);
      walk(c, prefix + (last ? '  ' : '│ '), depth + 1);
    }
    if (shown < kids.length) lines.push(`${prefix}└─… ${kids.length - shown} more`);
  };
  walk(start, '', 0);
  return lines.join('\n') + '\n';
}

function label(id: ReturnType<typeof treeIdentities>[number] | undefined): string {
  const d = id ? describeIdentity(id) : undefined;
  return d ? `  <${d}>` : '';
}

function statText(t: CgroupTree, i: number, now?: number): string {
  const parts: string[] = [];
  const mem = t.stat('memory', i);
  if (!Number.isNaN(mem)) parts.push(`mem ${formatBytes(mem)}`);
  const procs = t.stat('procs', i);
  if (!Number.isNaN(procs)) parts.push(`procs ${procs}`);
  const pids = t.stat('pids', i);
  if (!Number.isNaN(pids)) parts.push(`pids ${pids}${Number.isFinite(t.stat('pidsMax', i)) ? `/${t.stat('pidsMax', i)}` : ''}`);
  const dying = t.stat('nrDying', i);
  if (dying > 0) parts.push(`dying ${dying}`);
  const mtime = t.stat('mtime', i);
  if (now !== undefined && !Number.isNaN(mtime)) parts.push(`age ${formatAge(now - mtime)}`);
  if (!t.seen[i]) parts.push('not read');
  return parts.length ? `  [${parts.join(', ')}]` : '';
}
