import { byteStringOf, displayOf } from '../model/bytes';
import { table } from '../report/summaryText';
import type { FleetNode } from './fleetNode';

const STATUS_WORDS: Record<Exclude<FleetNode['status'], 'investigated'>, string> = {
  unreachable: 'unreachable',
  failed: 'failed',
  'timed-out': 'timed out',
  cancelled: 'interrupted',
};

/** One node's columns as the table and the extension's Fleet view show them, escaped for display. */
export interface FleetCells {
  name: string;
  layout: string;
  cgroups: string;
  dying: string;
  orphans: string;
  worst: string;
  kernel: string;
  runtime: string;
  /** How it was reached, or why it could not be ("unreachable: … (ssh)"). */
  reached: string;
}

/**
 * The cells of one node (one home for the columns' words: the CLI's table and the Fleet view).
 * Names and messages come from files and nodes: escaped for the terminal.
 */
export function fleetCells(n: FleetNode): FleetCells {
  const safe = (s: string): string => displayOf(byteStringOf(s));
  const s = n.summary;
  const how = n.status === 'investigated' ? n.reachedBy : `${STATUS_WORDS[n.status]}: ${n.error ?? ''} (${n.reachedBy})`;
  return {
    name: safe(n.name),
    layout: s ? s.layout : '-',
    cgroups: s ? String(s.cgroups) : '-',
    dying: s?.dying !== undefined ? String(s.dying) : '-',
    orphans: s ? String(s.orphans) : '-',
    worst: s?.worst ? `${s.worst.severity} ${s.worst.kind}` : s ? (n.verdict === 'undetermined' ? 'orphans: could not tell' : 'none') : '-',
    kernel: s?.kernel ? safe(s.kernel) : '-',
    runtime: s?.runtime.length ? safe(s.runtime.join(', ')) : '-',
    reached: safe(how),
  };
}

/**
 * The fleet as one table, in the order given (byAttention): per node its layout, counts, the
 * worst finding, versions, and how it was reached or why it could not be; then one line of
 * totals.
 */
export function renderFleetText(nodes: readonly FleetNode[]): string {
  const rows = nodes.map((n) => {
    const c = fleetCells(n);
    return [c.name, c.layout, c.cgroups, c.dying, c.orphans, c.worst, c.kernel, c.runtime, c.reached];
  });
  const lines = table(['NODE', 'LAYOUT', 'CGROUPS', 'DYING', 'ORPHANS', 'WORST FINDING', 'KERNEL', 'RUNTIME', 'REACHED BY / WHY NOT'], rows);
  return `${lines.join('\n')}\n\n${fleetTotals(nodes)}\n`;
}

/** "20 nodes: 3 with findings, 1 could not tell, 2 not investigated (1 unreachable, 1 timed out), 14 clear". */
export function fleetTotals(nodes: readonly FleetNode[]): string {
  const count = (p: (n: FleetNode) => boolean): number => nodes.filter(p).length;
  const findings = count((n) => n.verdict === 'actionable');
  const undetermined = count((n) => n.verdict === 'undetermined');
  const clear = count((n) => n.verdict === 'clear');
  const not = nodes.filter((n) => n.status !== 'investigated');
  const why = (Object.keys(STATUS_WORDS) as (keyof typeof STATUS_WORDS)[]).map((s) => [STATUS_WORDS[s], not.filter((n) => n.status === s).length] as const).filter(([, k]) => k > 0);
  const parts = [
    `${findings} with findings`,
    ...(undetermined ? [`${undetermined} could not tell`] : []),
    ...(not.length ? [`${not.length} not investigated (${why.map(([w, k]) => `${k} ${w}`).join(', ')})`] : []),
    `${clear} clear`,
  ];
  return `${nodes.length} node${nodes.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}
