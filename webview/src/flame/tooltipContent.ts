import { describeIdentity, identityOfPath } from '../../../src/core/model/k8sIdentity';
import { VERDICT } from '../../../src/protocol/flameProtocol';
import { formatBytes, formatCount, formatCpuTime } from '../../../src/core/report/format';
import type { TooltipContent } from '../shared/tooltip';
import { formatMeasure, formatShare } from './format';
import type { HoverInfo } from './icicle';
import { MARK, MEASURE_LABELS, type Measure } from './layout';
import type { FlameHierarchy } from './model';
import type { Shown } from './shownHierarchy';

/** What the tooltip of a cell says besides the cell itself. */
export interface TooltipContext {
  shown: Shown;
  measure: Measure;
  /** A baseline snapshot is shown: widths are growth. */
  comparing: boolean;
  /** The value of the zoomed cell, for "of view". */
  focusValue: number;
  marks: Uint8Array;
}

function fullPath(h: FlameHierarchy, rel: string): string {
  if (h.basePath === '/' || h.basePath === '') return rel;
  return rel === '/' ? h.basePath : h.basePath + rel;
}

/** The hovered cell's path, identity, measure (and growth), stats and warnings. */
export function flameTooltip(info: HoverInfo, c: TooltipContext): TooltipContent {
  const { h, paths, layout, before } = c.shown;
  if (info.cgroup < 0) return { title: `${formatCount(info.merged)} cgroups too narrow to draw`, subtitle: 'Click to zoom into their parent', rows: [], warnings: [] };
  const i = info.cgroup;
  const path = fullPath(h, paths[i]!);
  const identity = describeIdentity(identityOfPath(path));
  const kindName = ['other', 'slice', 'pod', 'container', 'system unit', 'in a pod'][h.kinds[i]!] ?? 'other';
  const st = h.stats;
  const value = layout.value[i]!;
  const rows = [
    { label: c.comparing ? `${MEASURE_LABELS[c.measure]} growth` : MEASURE_LABELS[c.measure], value: `${formatMeasure(c.measure, value)}  (${formatShare(value, layout.total)} of all, ${formatShare(value, c.focusValue)} of view)` },
  ];
  if (before) {
    const m = before.match[i]!;
    rows.push({ label: 'before → now', value: `${m < 0 ? 'absent' : formatMeasure(c.measure, before.value[m]!)} → ${formatMeasure(c.measure, before.now[i]!)}` });
  }
  rows.push(
    { label: 'kind', value: kindName },
    { label: 'memory', value: formatBytes(st.memory[i]!) },
    { label: 'CPU', value: formatCpuTime(st.cpuUsec[i]!) },
    { label: 'processes', value: formatCount(st.procs[i]!) },
    { label: 'pids', value: formatCount(st.pids[i]!) },
    { label: 'descendants', value: formatCount(st.nrDescendants[i]!) },
    { label: 'dying descendants', value: formatCount(st.nrDying[i]!) },
  );
  if (!h.seen[i]) rows.push({ label: 'note', value: 'implied by a child path; not read itself' });
  const warnings: string[] = [];
  if (c.marks[i]! & MARK.orphan) warnings.push('Orphan: the node\'s findings call this cgroup an orphan (no source on the node knows it); see the Findings view.');
  else {
    const v = h.verdict[i]!;
    const why =
      v & VERDICT.knownToApi
        ? 'not an orphan: the Kubernetes API knows its pod on this node'
        : v & VERDICT.lowConfidence
          ? 'not judged an orphan: its age is unknown (low confidence)'
          : 'the node\'s findings do not call it an orphan';
    if (c.marks[i]! & MARK.empty) warnings.push(`Empty: no process in this cgroup or below; ${why}.`);
    else if (v & (VERDICT.knownToApi | VERDICT.lowConfidence)) warnings.push(`${why[0]!.toUpperCase()}${why.slice(1)}; see the Findings view.`);
  }
  if (c.marks[i]! & MARK.dyingHeavy) warnings.push('Dying-heavy: the kernel still holds at least as many dying cgroups here as live ones.');
  // The freezer's state (cgroupTree FREEZER_STATE: 1 frozen, 2 freezing), own or an ancestor's.
  if (st.frozen[i] === 1 || st.frozen[i] === 2) warnings.push(`${st.frozen[i] === 2 ? 'Freezing' : 'Frozen'}: its processes are stopped by the cgroup freezer (see the frozen-cgroup finding).`);
  if (before && before.match[i]! < 0) warnings.push('New since the baseline snapshot.');
  return identity === undefined ? { title: path, rows, warnings } : { title: path, subtitle: identity, rows, warnings };
}
