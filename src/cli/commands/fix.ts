import { FIX_KINDS, FIX_NEEDS, fixesFor, STATIC_FIX_KINDS, staticFix, type FixKind } from '../../core/fixes/fixPlan';
import type { FixDocument } from '../../core/fixes/fixDocument';
import { kernelParamsFix } from '../../core/fixes/kernelParamsFix';
import { stringOption, UsageError, type CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { FACTS_HELP, FACTS_OPTIONS, forensicsFrom } from '../forensicsSource';
import { KUBE_HELP, KUBE_OPTIONS } from '../kubeSource';
import { fromSnapshot, reportProbeError, snapshotFrom, SOURCE_HELP, SOURCE_OPTIONS } from '../snapshotSource';

const LIVE_FIX_KINDS = FIX_KINDS.filter((k) => FIX_NEEDS[k].from === 'live');
const ORPHAN_FIX_KINDS = FIX_KINDS.filter((k) => FIX_NEEDS[k].judgesOrphans);

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
  --file                  print only the whole patched file (config kinds), no diff, no comments;
                          a file that needs no change prints unchanged (a note on standard
                          error), nothing when the node has no such file; a kind that makes
                          more than one document (driver; kubelet with a flags file; npd) is
                          bad usage, exit status 2
  --json                  print the documents as JSON (content, diff, reasons, how to apply)
${FACTS_HELP}
${KUBE_HELP}
                          (${ORPHAN_FIX_KINDS.join(', ')} only, else bad usage: a pod the API knows on
                          this node is named in the script and left alone, as orphans judges it)
${SOURCE_HELP}
  From a saved snapshot (--from): sysctl (from the snapshot's kernel, systemd, pid_max and
  cgroup tree; kmem accounting is not checked) and the node-independent kinds (${STATIC_FIX_KINDS.join(', ')})
  work; ${LIVE_FIX_KINDS.join(', ')} need the live node's files or its runtime's view of the pods,
  and with --from say so in one line, exit status 2.
  Exit status: 0 printed, 5 could not tell (${ORPHAN_FIX_KINDS.join(', ')}: no source of pods could be
  read, said in one line as orphans says it; no script), 3 a file the fix must patch cannot be
  read or parsed.`,
  options: { ...SOURCE_OPTIONS, ...FACTS_OPTIONS, ...KUBE_OPTIONS, json: { type: 'boolean' }, driver: { type: 'string' }, file: { type: 'boolean' } },
  async run(ctx) {
    const kind = ctx.args[0];
    if (ctx.args.length !== 1 || !FIX_KINDS.includes(kind as FixKind)) throw new UsageError(`fix takes one KIND: ${FIX_KINDS.join(', ')}`);
    const needs = FIX_NEEDS[kind as FixKind];
    const driver = stringOption(ctx.options, 'driver');
    if (driver !== undefined && driver !== 'systemd' && driver !== 'cgroupfs') throw new UsageError('--driver is systemd or cgroupfs');
    if (!needs.judgesOrphans) {
      // Only the kinds that act on orphans ask the Kubernetes API: anywhere else the option would do nothing.
      const kube = Object.keys(KUBE_OPTIONS).find((n) => ctx.options[n] !== undefined);
      if (kube) throw new UsageError(`--${kube} is for the fix kinds that judge orphans (${ORPHAN_FIX_KINDS.join(', ')}): fix ${kind} does not ask the Kubernetes API`);
    }
    let docs;
    if (needs.from === 'nothing') {
      // The same for every node; a snapshot named with --from is still read, so a wrong file is said.
      if (fromSnapshot(ctx.options)) {
        const s = await snapshotFrom(ctx);
        if ('code' in s) return reportProbeError(s);
      }
      docs = staticFix(kind as 'prometheus' | 'npd' | 'bpftrace' | 'grafana');
    } else if (fromSnapshot(ctx.options)) {
      if (needs.from === 'live') throw new UsageError(`fix ${kind} needs the live node (${needs.why ?? ''}): a saved snapshot (--from) does not hold it`);
      const r = await forensicsFrom(ctx);
      if ('code' in r) return reportProbeError(r);
      docs = [kernelParamsFix(r.snapshot, r.report.findings, { liveFacts: false })];
    } else {
      // The fixes that act on orphans judge them as `orphans` does: the same grace period (FACTS_OPTIONS)
      // and the Kubernetes API's view, so a pod the API knows on this node is not removed.
      const r = await forensicsFrom(ctx, { kube: needs.judgesOrphans === true });
      if ('code' in r) return reportProbeError(r);
      const report = r.report;
      if (needs.judgesOrphans && report.orphansUndetermined) {
        // "Could not tell" is not "nothing to clean up": no script that removes 0 orphans.
        process.stderr.write(`cgroup-forensics: orphans: could not tell: ${report.orphansUndetermined}; fix ${kind} prints nothing\n`);
        return EXIT.undetermined;
      }
      // A node file the fix must patch that cannot be parsed throws FixInputError: one line, exit 3 (main.ts).
      docs = fixesFor(kind as FixKind, r.snapshot, r.facts, report, driver ? { driver } : {});
    }
    if (ctx.options.json) {
      ctx.write(JSON.stringify({ schema: 'cgroup-forensics/fixes@1', fixes: docs }, null, 1) + '\n');
      return EXIT.ok;
    }
    if (!ctx.options.file) {
      for (const d of docs) ctx.write(renderFix(d));
      return EXIT.ok;
    }
    // --file prints one whole file, byte for byte what goes on the node: never comments, never two files.
    if (docs.length !== 1) throw new UsageError(`--file prints one whole file, but fix ${kind} makes ${docs.length} documents (${docs.map((d) => (d.targetPath ? `${d.kind} ${d.targetPath}` : d.kind)).join(', ')}): leave out --file, or use --json`);
    const d = docs[0]!;
    // A config kind's document with neither a diff nor "no change" is a note to act on by hand
    // (a flag no file sets, no config file kubelet reads): no file to print, the note goes to stderr.
    if (d.diff === undefined && d.noChange === undefined && d.targetPath === undefined && FIX_NEEDS[kind as FixKind].from === 'live' && kind !== 'cleanup' && kind !== 'podspec') {
      process.stderr.write(d.content.endsWith('\n') ? d.content : `${d.content}\n`);
      return EXIT.ok;
    }
    if (d.noChange !== undefined) process.stderr.write(`cgroup-forensics: note: ${d.title}: no change needed: ${d.noChange}${d.content === '' ? '' : ' (the file is printed unchanged)'}\n`);
    ctx.write(d.content);
    return EXIT.ok;
  },
};

/**
 * Scripts and new files print as they are; patches of the node's files print as a diff under a
 * header of comments (title, why, how to apply), so several documents stay apart and the whole
 * output still applies with `patch -p1` (patch skips the comment lines). A file that already says
 * what the fix would prints one line saying so and no diff.
 */
function renderFix(d: FixDocument): string {
  if (d.noChange !== undefined) return `# ${d.title}\n# no change needed: ${d.noChange}\n`;
  if (!d.diff) return d.content;
  const head = [`# ${d.title}`, ...d.reasons.map((r) => `#   why: ${r}`), ...d.apply.map((a) => `#   then: ${a}`)];
  return `${head.join('\n')}\n${d.diff}`;
}
