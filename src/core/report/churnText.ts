import { safeLogText } from '../analysis/logSignatures';
import { displayOf } from '../model/bytes';
import type { ChurnRate } from '../trends/churn';
import type { LiveChurn } from '../trends/liveChurn';

/**
 * Live churn as text: `watch --churn` prints these, the extension's Trace Cgroup Churn shows them
 * in a document. Paths and process names are untrusted (any cgroup name, any comm): bpftrace's are
 * escaped with safeLogText, the snapshots' byte strings with displayOf.
 */

/** Rates from two snapshots, by hierarchy and parent: the most churned parents first, up to limit. */
export function renderChurnRatesText(rates: readonly ChurnRate[], seconds: number, limit = 30): string {
  if (!rates.length) return `no cgroup made or removed in ${seconds} s\n`;
  const rows = rates
    .slice(0, limit)
    .map((r) => `${r.hierarchy}  ${displayOf(r.parent)}  +${r.created} -${r.removed}  (${r.createdPerSecond.toFixed(2)}/s made, ${r.removedPerSecond.toFixed(2)}/s removed)\n`);
  return rows.join('') + (rates.length > limit ? `... ${rates.length - limit} more parents\n` : '');
}

/** A bpftrace summary: by parent (per second) and by process (who makes cgroups that stay). */
export function renderLiveChurnText(c: LiveChurn, o: { parents?: number; processes?: number } = {}): string {
  const safe = (t: string): string => safeLogText(t, 200);
  const parents = o.parents ?? 30;
  const processes = o.processes ?? 20;
  const out = [`bpftrace, ${c.seconds} s: by parent (made/removed/released per second)`];
  for (const r of c.byParent.slice(0, parents)) out.push(`  [${r.root}] ${safe(r.key)}  ${(r.made / c.seconds).toFixed(2)} / ${(r.removed / c.seconds).toFixed(2)} / ${(r.released / c.seconds).toFixed(2)}`);
  if (c.byParent.length > parents) out.push(`  ... ${c.byParent.length - parents} more parents`);
  out.push('by process (made, of them still there at the end)');
  for (const p of c.byProcess.slice(0, processes)) out.push(`  ${safe(p.comm)}  ${p.made}, ${p.notRemoved} kept`);
  if (c.byProcess.length > processes) out.push(`  ... ${c.byProcess.length - processes} more processes`);
  if (c.skipped) out.push(`${c.skipped} line(s) were not records (cut or forged by odd cgroup names)`);
  if (c.truncated) out.push('the trace printed more than 200,000 lines: only the first were counted');
  return out.join('\n') + '\n';
}

/** How churn was measured: a trace of the tracepoints, or two snapshots (and why no trace). */
export type ChurnMeasurement =
  | { method: 'bpftrace'; churn: LiveChurn }
  | { method: 'snapshots'; seconds: number; rates: ChurnRate[]; whyNotTraced?: string };

/** A whole churn report: a title line, how it was measured, the rates by parent and by process. */
export function renderChurnReport(m: ChurnMeasurement, title: string): string {
  const head = `${title}\n\n`;
  if (m.method === 'bpftrace') return head + renderLiveChurnText(m.churn, { parents: 200, processes: 100 });
  return (
    head +
    `two snapshots ${m.seconds} s apart${m.whyNotTraced ? ` (no trace: ${safeLogText(m.whyNotTraced)})` : ''}: by parent (made, removed, per second)\n` +
    renderChurnRatesText(m.rates, m.seconds, 200) +
    'by process: only a trace of the cgroup tracepoints (bpftrace, as root) can tell; cgroups made and removed between the snapshots are not seen either\n'
  );
}
