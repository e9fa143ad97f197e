import { renderFinding } from '../../core/report/findingsText';
import { findGrowth, MIN_RATE_SPAN_S } from '../../core/trends/growth';
import { nodeStatsText, takeSample, type CountSample } from '../../core/trends/sample';
import { intOption, stringOption, UsageError, type CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { reportProbeError, snapshotFrom, LIVE_SOURCE_HELP, LIVE_SOURCE_OPTIONS } from '../snapshotSource';
import { churnBetween } from '../../core/trends/churn';
import { traceLiveChurn, type LiveChurn } from '../../core/trends/liveChurn';
import { renderChurnRatesText, renderLiveChurnText } from '../../core/report/churnText';
import { nameToJson } from '../../core/model/snapshotJson';

/** Waits ms, or less when the signal fires. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export function sampleLine(s: CountSample): string {
  const when = new Date(s.time * 1000).toISOString().replace('.000Z', 'Z');
  const h = s.hierarchies.map((x) => `${x.hierarchy} ${x.live}${x.dying !== undefined ? `+${x.dying}d` : ''}`).join('  ');
  const k = s.kubepods.map((x) => `${x.dir} ${x.live}${x.dying !== undefined ? `+${x.dying}d` : ''}`).join('  ');
  const n = s.node ? nodeStatsText(s.node) : '';
  return `${when}  ${h}${k ? `  | ${k}` : ''}${n ? `  || ${n}` : ''}\n`;
}

/** Why no growth could be judged yet: the samples span less than MIN_RATE_SPAN_S ('' once they do). */
function shortOf(samples: readonly CountSample[]): string {
  const span = samples.length < 2 ? 0 : Math.round(samples[samples.length - 1]!.time - samples[0]!.time);
  return span < MIN_RATE_SPAN_S ? ` in ${span} s: growth is judged once the samples span ${MIN_RATE_SPAN_S / 60} min` : '';
}

export const watchCommand: CliCommand = {
  name: 'watch',
  summary: 'count cgroups (live and dying, per hierarchy and kubepods subtree) at an interval; report sustained growth',
  synopsis: '[--interval S] [--count N] [--json]',
  help: `  --interval S            seconds between samples (default 60)
  --count N               stop after N samples (default: until Ctrl-C)
  --json                  one JSON object per line (JSON Lines); the growth findings last
  --churn S               instead: cgroups made and removed per second over S seconds, by
                          parent path and by process: bpftrace on the cgroup tracepoints where
                          it works (root), else two snapshots S seconds apart (cancellable)
  --method M              auto (default), bpftrace or snapshots: how --churn measures
${LIVE_SOURCE_HELP}
  One round trip per sample, with the node's memory stats (MemAvailable, Slab, SUnreclaim,
  Percpu from /proc/meminfo; after "||" in lines, "node" in JSON) and load.
  Growth is judged once the samples span ${MIN_RATE_SPAN_S / 60} min (a rate from less is noise).
  Ctrl-C ends the watch and prints the growth summary.
  Exit status: 0 no sustained growth, 1 sustained growth, 3/4 the node could not be read.`,
  withoutFrom: "watch samples the live node over time: it cannot read a saved snapshot (--from)",
  options: { ...LIVE_SOURCE_OPTIONS, interval: { type: 'string' }, count: { type: 'string' }, json: { type: 'boolean' }, churn: { type: 'string' }, method: { type: 'string' } },
  async run(ctx) {
    if (ctx.args.length) throw new UsageError(`watch takes no arguments (got '${ctx.args[0]}')`);
    const churn = intOption(ctx.options, 'churn');
    if (churn !== undefined) return churnRun(ctx, churn);
    const interval = intOption(ctx.options, 'interval') ?? 60;
    if (interval < 1) throw new UsageError('--interval is at least 1 second');
    const count = intOption(ctx.options, 'count');
    const hostRoot = stringOption(ctx.options, 'host-root');
    const cgroupRoot = stringOption(ctx.options, 'cgroup-root');
    const json = ctx.options.json === true;
    const samples: CountSample[] = [];
    const transport = await ctx.transport();
    while (!ctx.signal.aborted && (count === undefined || samples.length < count)) {
      if (samples.length) await sleep(interval * 1000, ctx.signal);
      if (ctx.signal.aborted) break;
      const r = await takeSample(transport, { signal: ctx.signal, ...(hostRoot !== undefined ? { hostRoot } : {}), ...(cgroupRoot !== undefined ? { cgroupRoot } : {}) });
      if (!r.ok) {
        if (r.error.code === 'cancelled') break;
        return reportProbeError(r.error);
      }
      samples.push(r.value);
      ctx.write(json ? JSON.stringify({ type: 'sample', ...r.value }) + '\n' : sampleLine(r.value));
    }
    const findings = findGrowth(samples);
    if (json) for (const f of findings) ctx.write(JSON.stringify({ type: 'finding', ...f }) + '\n');
    else ctx.write(findings.length ? `\n${findings.map((f) => renderFinding(f).join('\n')).join('\n\n')}\n` : `\nno sustained growth over ${samples.length} sample(s)${shortOf(samples)}\n`);
    return findings.length ? EXIT.findings : EXIT.ok;
  },
};

/** Two snapshots `seconds` apart and the churn between them. */
async function churnRun(ctx: Parameters<CliCommand['run']>[0], seconds: number): Promise<number> {
  if (seconds < 1) throw new UsageError('--churn is at least 1 second');
  const method = stringOption(ctx.options, 'method') ?? 'auto';
  if (!['auto', 'bpftrace', 'snapshots'].includes(method)) throw new UsageError(`--method takes auto, bpftrace or snapshots, not '${method}'`);
  // bpftrace traces the node's kernel as a whole; with --host-root or --cgroup-root only snapshots fit.
  const scoped = stringOption(ctx.options, 'host-root') !== undefined || stringOption(ctx.options, 'cgroup-root') !== undefined;
  if (method === 'bpftrace' && scoped) throw new UsageError('--method bpftrace traces the whole node: it cannot be combined with --host-root or --cgroup-root');
  if (method === 'bpftrace' || (method === 'auto' && !scoped)) {
    const r = await traceLiveChurn(await ctx.transport(), seconds, ctx.signal);
    if (r.ok) {
      writeLiveChurn(ctx, r.value);
      return EXIT.ok;
    }
    if (r.error.code === 'cancelled') return EXIT.interrupted;
    if (method === 'bpftrace') return reportProbeError(r.error);
    process.stderr.write(`cgroup-forensics: ${r.error.message}; measuring with two snapshots instead\n`);
  }
  const a = await snapshotFrom(ctx);
  if ('code' in a) return reportProbeError(a);
  await sleep(seconds * 1000, ctx.signal);
  if (ctx.signal.aborted) return EXIT.interrupted;
  const b = await snapshotFrom(ctx);
  if ('code' in b) return reportProbeError(b);
  const rates = churnBetween(a, b);
  if (ctx.options.json) {
    for (const r of rates) ctx.write(JSON.stringify({ type: 'churn', ...r, parent: nameToJson(r.parent) }) + '\n');
  } else {
    ctx.write(renderChurnRatesText(rates, seconds));
  }
  return EXIT.ok;
}

function writeLiveChurn(ctx: Parameters<CliCommand['run']>[0], c: LiveChurn): void {
  if (ctx.options.json) {
    for (const r of c.byParent) ctx.write(JSON.stringify({ type: 'live-churn', root: r.root, parent: r.key, made: r.made, removed: r.removed, released: r.released, madePerSecond: r.made / c.seconds, removedPerSecond: r.removed / c.seconds }) + '\n');
    for (const p of c.byProcess) ctx.write(JSON.stringify({ type: 'live-churn-process', ...p }) + '\n');
    return;
  }
  ctx.write(renderLiveChurnText(c));
}
