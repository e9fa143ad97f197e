import { FIX_KINDS, FIX_NEEDS, fixesFor, STATIC_FIX_KINDS, staticFix, type FixKind } from '../../core/fixes/fixPlan';
import { FixInputError, type FixDocument } from '../../core/fixes/fixDocument';
import { kernelParamsFix } from '../../core/fixes/kernelParamsFix';
import { stringOption, UsageError, type CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { FACTS_HELP, FACTS_OPTIONS, forensicsFrom } from '../forensicsSource';
import { KUBE_HELP, KUBE_OPTIONS, withKubeView } from '../kubeSource';
import { fromSnapshot, reportProbeError, snapshotFrom, SOURCE_HELP, SOURCE_OPTIONS } from '../snapshotSource';

const LIVE_FIX_KINDS = FIX_KINDS.filter((k) => FIX_NEEDS[k].from === 'live');

export const fixCommand: CliCommand = {
  name: 'fix',
  summary: 'generate the fix for this node (cleanup script, kubelet/containerd/CRI-O config, kernel params); applies nothing',
  synopsis: `KIND [--json]`,
  help: `  KIND                    ${FIX_KINDS.join(' | ')}
                          cleanup: POSIX sh script removing exactly the orphans (dry run unless
                          run with --apply); driver: kubelet + runtime configs on one driver;
                          prometheus: alert rules; npd: node-problem-detector plugin (config
                          and script, printed one after the other; --json keeps them apart);
                          bpftrace: a script on the cgroup mkdir/rmdir/release tracepoints;
                          grafana: a dashboard (JSON) for the export --prometheus metrics;
                          podspec: pod-spec snippets for the workloads behind the findings
  --driver D              systemd (default) or cgroupfs: the driver to align on
  --file                  print only the patched file (for config kinds), no diff
  --json                  print the documents as JSON (content, diff, reasons, how to apply)
${FACTS_HELP}
${KUBE_HELP}
                          (cleanup, podspec: a pod the API knows on this node is named in the
                          script and left alone, exactly as orphans judges it)
${SOURCE_HELP}
  From a saved snapshot (--from): sysctl (from the snapshot's kernel, systemd, pid_max and
  cgroup tree; kmem accounting is not checked) and the node-independent kinds (${STATIC_FIX_KINDS.join(', ')})
  work; ${LIVE_FIX_KINDS.join(', ')} need the live node's files or its runtime's view of the pods,
  and with --from say so in one line, exit status 2.`,
  options: { ...SOURCE_OPTIONS, ...FACTS_OPTIONS, ...KUBE_OPTIONS, json: { type: 'boolean' }, driver: { type: 'string' }, file: { type: 'boolean' } },
  async run(ctx) {
    const kind = ctx.args[0];
    if (ctx.args.length !== 1 || !FIX_KINDS.includes(kind as FixKind)) throw new UsageError(`fix takes one KIND: ${FIX_KINDS.join(', ')}`);
    const driver = stringOption(ctx.options, 'driver');
    if (driver !== undefined && driver !== 'systemd' && driver !== 'cgroupfs') throw new UsageError('--driver is systemd or cgroupfs');
    let docs;
    if (STATIC_FIX_KINDS.includes(kind as FixKind)) {
      // The same for every node; a snapshot named with --from is still read, so a wrong file is said.
      if (fromSnapshot(ctx.options)) {
        const s = await snapshotFrom(ctx.options, ctx.signal);
        if ('code' in s) return reportProbeError(s);
      }
      docs = staticFix(kind as 'prometheus' | 'npd' | 'bpftrace' | 'grafana');
    } else if (fromSnapshot(ctx.options)) {
      const needs = FIX_NEEDS[kind as FixKind];
      if (needs.from === 'live') throw new UsageError(`fix ${kind} needs the live node (${needs.why ?? ''}): a saved snapshot (--from) does not hold it`);
      const r = await forensicsFrom(ctx);
      if ('code' in r) return reportProbeError(r);
      docs = [kernelParamsFix(r.snapshot, r.report.findings, { liveFacts: false })];
    } else {
      const r = await forensicsFrom(ctx);
      if ('code' in r) return reportProbeError(r);
      try {
        // The fixes that act on orphans judge them as `orphans` does: the same grace period (FACTS_OPTIONS)
        // and the Kubernetes API's view, so a pod the API knows on this node is not removed.
        const report = FIX_NEEDS[kind as FixKind].judgesOrphans ? (await withKubeView(ctx, r.report, r.snapshot)).report : r.report;
        docs = fixesFor(kind as FixKind, r.snapshot, r.facts, report, driver ? { driver } : {});
      } catch (e) {
        // A node file the fix must patch cannot be read or parsed: one line naming it.
        if (!(e instanceof FixInputError)) throw e;
        process.stderr.write(`cgroup-forensics: ${e.message}\n`);
        return EXIT.badInput;
      }
    }
    if (ctx.options.json) ctx.write(JSON.stringify({ schema: 'cgroup-forensics/fixes@1', fixes: docs }, null, 1) + '\n');
    else for (const d of docs) ctx.write(renderFix(d, Boolean(ctx.options.file)));
    return EXIT.ok;
  },
};

/**
 * Scripts and new files print as they are; patches of the node's files print as a diff under a
 * header of comments (title, why, how to apply), so several documents stay apart and the whole
 * output still applies with `patch -p1` (patch skips the comment lines). A file that already says
 * what the fix would prints one line saying so and no diff.
 */
function renderFix(d: FixDocument, fileOnly: boolean): string {
  if (d.noChange !== undefined) return `# ${d.title}\n# no change needed: ${d.noChange}\n`;
  if (!d.diff || fileOnly) return d.content;
  const head = [`# ${d.title}`, ...d.reasons.map((r) => `#   why: ${r}`), ...d.apply.map((a) => `#   then: ${a}`)];
  return `${head.join('\n')}\n${d.diff}`;
}
