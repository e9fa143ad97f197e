import { displayOf } from '../../core/model/bytes';
import { FREEZER_STATE, STAT_NAMES, type StatName } from '../../core/model/cgroupTree';
import type { CgroupIdentity } from '../../core/model/k8sIdentity';
import type { Hierarchy } from '../../core/model/snapshot';
import { cgroupPath } from '../../core/model/snapshot';
import { formatAge, formatBytes, formatCount, formatCpuTime } from '../../core/report/format';
import type { TreeStat } from '../settings';

/** What a cgroup is, for its icon and menus. */
export type CgroupKind = 'kubepods' | 'qos' | 'pod' | 'container' | 'pod-other' | 'slice' | 'scope' | 'service' | 'mount' | 'cgroup';

export function kindOf(id: CgroupIdentity | undefined): CgroupKind {
  const k = id?.k8s;
  if (k) return k.role;
  switch (id?.unitType) {
    case 'slice':
      return 'slice';
    case 'scope':
      return id.transientMount ? 'mount' : 'scope';
    case 'service':
      return 'service';
    default:
      return 'cgroup';
  }
}

/** Codicon names by kind (orphans and dying cgroups are marked with their own icons). */
export const KIND_ICONS: Record<CgroupKind, string> = {
  kubepods: 'server-environment',
  qos: 'layers',
  pod: 'package',
  container: 'vm-running',
  'pod-other': 'circle-small',
  slice: 'folder',
  scope: 'symbol-event',
  service: 'gear',
  mount: 'database',
  cgroup: 'folder-opened',
};

/**
 * The short stat shown after the name, per the cgroupForensics.tree.stat setting. `procsSubtree`
 * is the processes of the cgroup's whole subtree (subtreeSums): cgroup.procs counts a cgroup's own
 * only, so a pod whose process sits in its container would read "0 procs" without it.
 */
export function keyStat(h: Hierarchy, i: number, stat: TreeStat, procsSubtree?: number): string {
  const t = h.tree;
  switch (stat) {
    case 'memory': {
      const m = t.stat('memory', i);
      return Number.isNaN(m) ? procsText(t.stat('procs', i), procsSubtree) : formatBytes(m);
    }
    case 'procs':
      return procsText(t.stat('procs', i), procsSubtree);
    case 'pids': {
      const p = t.stat('pids', i);
      return Number.isNaN(p) ? '' : `${p} pids`;
    }
    case 'none':
      return '';
  }
}

/** "1 proc"; "0 procs here · 1 below" when the subtree holds processes the cgroup itself does not. */
export function procsText(here: number, subtree?: number): string {
  const below = subtree === undefined || Number.isNaN(subtree) ? 0 : subtree - (Number.isNaN(here) ? 0 : here);
  if (Number.isNaN(here)) return below > 0 ? `${below} proc${below === 1 ? '' : 's'} below` : '';
  const own = `${here} proc${here === 1 ? '' : 's'}`;
  return below > 0 ? `${own} here · ${below} below` : own;
}

const STAT_LABELS: Record<StatName, string> = {
  mtime: 'changed',
  procs: 'processes',
  populated: 'populated',
  nrDescendants: 'descendants',
  nrDying: 'dying descendants',
  memory: 'memory',
  anon: 'anon',
  file: 'file (page cache)',
  kernel: 'kernel',
  slab: 'slab',
  cpuUsec: 'cpu',
  pids: 'pids',
  pidsMax: 'pids.max',
  psiCpu: 'PSI cpu some avg10',
  psiMemory: 'PSI memory some avg10',
  psiIo: 'PSI io some avg10',
  frozen: 'freezer',
};

function statValue(name: StatName, v: number, now: number | undefined): string {
  switch (name) {
    case 'memory':
    case 'anon':
    case 'file':
    case 'kernel':
    case 'slab':
      return formatBytes(v);
    case 'mtime':
      return now === undefined ? new Date(v * 1000).toISOString() : `${formatAge(now - v)} ago`;
    case 'cpuUsec':
      return formatCpuTime(v);
    case 'populated':
      return v ? 'yes' : 'no';
    case 'frozen':
      return v === FREEZER_STATE.frozen ? 'FROZEN' : v === FREEZER_STATE.freezing ? 'FREEZING' : 'thawed';
    case 'psiCpu':
    case 'psiMemory':
    case 'psiIo':
      return v.toFixed(2);
    default:
      return formatCount(v);
  }
}

/**
 * The tooltip: the path, every stat the walk read and the Kubernetes identity, as plain text (a
 * string tooltip is never rendered as Markdown, so a cgroup name cannot inject anything).
 */
export function cgroupTooltip(h: Hierarchy, i: number, id: CgroupIdentity | undefined, now: number | undefined, notes: readonly string[]): string {
  const t = h.tree;
  const lines = [displayOf(cgroupPath(h, t.path(i))), `hierarchy: ${h.name} (${h.kind})`];
  for (const name of STAT_NAMES) {
    const v = t.stat(name, i);
    if (!Number.isNaN(v)) lines.push(`${STAT_LABELS[name]}: ${statValue(name, v, now)}`);
  }
  if (!t.seen[i]) lines.push('not read by the walk (only implied by a child)');
  lines.push(...identityLines(id));
  for (const n of notes) lines.push(`! ${n}`);
  return lines.join('\n');
}

export function identityLines(id: CgroupIdentity | undefined): string[] {
  const out: string[] = [];
  const k = id?.k8s;
  if (k) {
    out.push(`kubernetes: ${k.role} (${k.driver} driver)`);
    if (k.podUid) out.push(`pod UID: ${k.podUid}`);
    if (k.qos) out.push(`QoS: ${k.qos}`);
    if (k.containerId) out.push(`container: ${k.containerId}${k.conmon ? ' (conmon)' : ''}`);
    if (k.runtime) out.push(`runtime: ${k.runtime}`);
  }
  if (id?.unitType) out.push(`systemd unit type: ${id.unitType}`);
  if (id?.transientMount) out.push('transient mount scope (systemd-run)');
  return out;
}

/** A short identity for the description: "pod burstable", "container containerd". */
export function identityShort(id: CgroupIdentity | undefined): string {
  const k = id?.k8s;
  if (!k) return '';
  switch (k.role) {
    case 'kubepods':
      return `kubepods (${k.driver})`;
    case 'qos':
      return `${k.qos}`;
    case 'pod':
      return `pod ${k.qos ?? ''}`.trim();
    case 'container':
      return `${k.conmon ? 'conmon' : 'container'} ${k.runtime ?? ''}`.trim();
    case 'pod-other':
      return '';
  }
}
