import { renderFinding } from '../../core/report/findingsText';
import { findGrowth } from '../../core/trends/growth';
import { takeSample, type CountSample } from '../../core/trends/sample';
import { intOption, stringOption, UsageError, type CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { reportProbeError, SOURCE_HELP, SOURCE_OPTIONS, transportFor } from '../snapshotSource';

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
  return `${when}  ${h}${k ? `  | ${k}` : ''}\n`;
}

export const watchCommand: CliCommand = {
  name: 'watch',
  summary: 'count cgroups (live and dying, per hierarchy and kubepods subtree) at an interval; report sustained growth',
  synopsis: '[--interval S] [--count N] [--json]',
  help: `  --interval S            seconds between samples (default 60)
  --count N               stop after N samples (default: until Ctrl-C)
  --json                  one JSON object per line (JSON Lines); the growth findings last
${SOURCE_HELP}
  One round trip per sample. Ctrl-C ends the watch and prints the growth summary.
  Exit status: 0 no sustained growth, 1 sustained growth, 3/4 the node could not be read.`,
  options: { ...SOURCE_OPTIONS, interval: { type: 'string' }, count: { type: 'string' }, json: { type: 'boolean' } },
  async run(ctx) {
    if (ctx.args.length) throw new UsageError(`watch takes no arguments (got '${ctx.args[0]}')`);
    if (stringOption(ctx.options, 'from') !== undefined) throw new UsageError('watch samples a live node: --from cannot be used here');
    const interval = intOption(ctx.options, 'interval') ?? 60;
    if (interval < 1) throw new UsageError('--interval is at least 1 second');
    const count = intOption(ctx.options, 'count');
    const hostRoot = stringOption(ctx.options, 'host-root');
    const cgroupRoot = stringOption(ctx.options, 'cgroup-root');
    const json = ctx.options.json === true;
    const samples: CountSample[] = [];
    const transport = transportFor(ctx.options);
    try {
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
    } finally {
      transport.dispose();
    }
    const findings = findGrowth(samples);
    if (json) for (const f of findings) ctx.write(JSON.stringify({ type: 'finding', ...f }) + '\n');
    else ctx.write(findings.length ? `\n${findings.map((f) => renderFinding(f).join('\n')).join('\n\n')}\n` : `\nno sustained growth over ${samples.length} sample(s)\n`);
    return findings.length ? EXIT.findings : EXIT.ok;
  },
};
