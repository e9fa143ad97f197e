import { readFileSync } from 'node:fs';
import { daemonSetOptionProblem, DEFAULT_IMAGE, DEFAULT_INTERVAL_MINUTES, DEFAULT_NAMESPACE, DEFAULT_TEXTFILE_DIR, type DaemonSetOptions } from '../../core/fixes/daemonSetFix';
import { FIX_CATALOG, FIX_KINDS, fixKindsMadeFrom, isFixKind, judgesOrphans, madeFrom, ORPHAN_FIX_KINDS } from '../../core/fixes/fixCatalog';
import { fixesFor, fixesFromSnapshot, STATIC_FIX_KINDS } from '../../core/fixes/fixPlan';
import type { FixDocument } from '../../core/fixes/fixDocument';
import { fixHeader, onlyNoChange } from '../../core/fixes/fixHeader';
import { fileProblem, InputError, intOption, stringOption, UsageError, type CliCommand, type OptionValues } from '../command';
import { EXIT } from '../exitCodes';
import { FACTS_HELP, FACTS_OPTIONS, forensicsFrom } from '../forensicsSource';
import { KUBE_HELP, KUBE_OPTIONS } from '../kubeSource';
import { fromSnapshot, reportProbeError, snapshotFrom, SOURCE_HELP, SOURCE_OPTIONS } from '../snapshotSource';

const LIVE_FIX_KINDS = fixKindsMadeFrom('live');

/** Where the help's descriptions start (the options' column) and how wide its lines are. */
const HELP_COLUMN = 26;
const HELP_WIDTH = 96;

/** Words filled into lines of at most HELP_WIDTH, each indented by `indent`. */
function helpLines(text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent + line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => ' '.repeat(indent) + l);
}

/** `fix --help`'s KIND list: each kind of the catalog with its help, under its name. */
export function fixKindHelp(): string {
  return FIX_KINDS.map((k) => {
    const [first = '', ...rest] = helpLines(FIX_CATALOG[k].help, HELP_COLUMN);
    return [`    ${k.padEnd(HELP_COLUMN - 4)}${first.slice(HELP_COLUMN)}`, ...rest].join('\n');
  }).join('\n');
}

/** What works from a saved snapshot: the kinds made from it (with what they read) and the node-independent ones. */
function fromSnapshotHelp(): string {
  const fromSnapshot = FIX_KINDS.flatMap((k) => {
    const e = FIX_CATALOG[k];
    return madeFrom(e, 'snapshot') ? [`${k} (${e.needs.reads})`] : [];
  });
  const works = [...fromSnapshot, `the node-independent kinds (${STATIC_FIX_KINDS.join(', ')})`].join(' and ');
  return helpLines(
    `From a saved snapshot (--from): ${works} work; ${LIVE_FIX_KINDS.join(', ')} need the live node's files or its runtime's view of the pods, and with --from say so in one line, exit status 2.`,
    2,
  ).join('\n');
}

const DAEMONSET_OPTIONS = ['image', 'interval', 'textfile-dir', 'namespace', 'priority-class', 'bundle'] as const;

/**
 * fix daemonset's options, and the bundled CLI its ConfigMap carries: --bundle FILE, else this
 * CLI's own file when it runs as the bundle (dist/cli.js); from the sources (tsx) there is none.
 */
function daemonSetOptions(o: OptionValues): DaemonSetOptions {
  const picked = {
    ...(stringOption(o, 'image') !== undefined ? { image: stringOption(o, 'image')! } : {}),
    ...(intOption(o, 'interval') !== undefined ? { intervalMinutes: intOption(o, 'interval')! } : {}),
    ...(stringOption(o, 'textfile-dir') !== undefined ? { textfileDir: stringOption(o, 'textfile-dir')! } : {}),
    ...(stringOption(o, 'namespace') !== undefined ? { namespace: stringOption(o, 'namespace')! } : {}),
    ...(stringOption(o, 'priority-class') !== undefined ? { priorityClass: stringOption(o, 'priority-class')! } : {}),
  };
  const problem = daemonSetOptionProblem(picked);
  if (problem) throw new UsageError(problem);
  const file = stringOption(o, 'bundle') ?? (__filename.endsWith('.js') ? __filename : undefined);
  if (!file) throw new UsageError('fix daemonset puts the bundled CLI in its ConfigMap: run the built CLI (node scripts/build.mjs --production; node dist/cli.js fix daemonset), or name the bundle with --bundle FILE');
  let bundle: string;
  try {
    bundle = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the bundle ${file}: ${fileProblem(e)}`);
  }
  return { bundle, ...picked };
}

export const fixCommand: CliCommand = {
  name: 'fix',
  summary: 'generate the fix for this node (cleanup script, kubelet/containerd/CRI-O config, kernel params); applies nothing',
  synopsis: `KIND [--json]`,
  help: `  KIND                    the kind of fix, one of:
${fixKindHelp()}
  --image IMAGE           daemonset: the Node.js image (default, pinned by digest:
                          ${DEFAULT_IMAGE})
  --interval MINUTES      daemonset: minutes between exports (default ${DEFAULT_INTERVAL_MINUTES})
  --textfile-dir DIR      daemonset: node_exporter's textfile directory on the nodes (default
                          ${DEFAULT_TEXTFILE_DIR})
  --namespace NS          daemonset: the namespace (default ${DEFAULT_NAMESPACE})
  --priority-class NAME   daemonset: the pods' priorityClassName (default none)
  --bundle FILE           daemonset: the bundled CLI to ship (default: this CLI's own file, when
                          it is the bundle; build it minified: node scripts/build.mjs --production)
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
${fromSnapshotHelp()}
  Exit status: 0 printed, 5 could not tell (${ORPHAN_FIX_KINDS.join(', ')}: no source of pods could be
  read, said in one line as orphans says it; no script), 3 a file the fix must patch cannot be
  read or parsed.`,
  options: {
    ...SOURCE_OPTIONS,
    ...FACTS_OPTIONS,
    ...KUBE_OPTIONS,
    json: { type: 'boolean' },
    driver: { type: 'string' },
    file: { type: 'boolean' },
    ...Object.fromEntries(DAEMONSET_OPTIONS.map((n) => [n, { type: 'string' as const }])),
  },
  async run(ctx) {
    const kind = ctx.args[0];
    if (ctx.args.length !== 1 || kind === undefined || !isFixKind(kind)) throw new UsageError(`fix takes one KIND: ${FIX_KINDS.join(', ')}`);
    const entry = FIX_CATALOG[kind];
    const driver = stringOption(ctx.options, 'driver');
    if (driver !== undefined && driver !== 'systemd' && driver !== 'cgroupfs') throw new UsageError('--driver is systemd or cgroupfs');
    const orphans = judgesOrphans(entry);
    if (!orphans) {
      // Only the kinds that act on orphans ask the Kubernetes API: anywhere else the option would do nothing.
      const kube = Object.keys(KUBE_OPTIONS).find((n) => ctx.options[n] !== undefined);
      if (kube) throw new UsageError(`--${kube} is for the fix kinds that judge orphans (${ORPHAN_FIX_KINDS.join(', ')}): fix ${kind} does not ask the Kubernetes API`);
    }
    if (kind !== 'daemonset') {
      const ds = DAEMONSET_OPTIONS.find((n) => ctx.options[n] !== undefined);
      if (ds) throw new UsageError(`--${ds} is for fix daemonset`);
    }
    let docs;
    if (madeFrom(entry, 'nothing')) {
      // The same for every node; a snapshot named with --from is still read, so a wrong file is said.
      if (fromSnapshot(ctx.options)) {
        const s = await snapshotFrom(ctx);
        if ('code' in s) return reportProbeError(s);
      }
      // fix daemonset's manifests carry the bundled CLI (its options are read here, the bundle from this CLI's own file).
      docs = entry.generate({ options: { ...(driver ? { driver } : {}), ...(kind === 'daemonset' ? { daemonSet: daemonSetOptions(ctx.options) } : {}) } });
    } else if (fromSnapshot(ctx.options)) {
      // Said before the file is read.
      if (madeFrom(entry, 'live')) throw new UsageError(`fix ${kind} needs the live node (${entry.needs.why}): a saved snapshot (--from) does not hold it`);
      const r = await forensicsFrom(ctx);
      if ('code' in r) return reportProbeError(r);
      // The one function that makes fixes from a saved snapshot (its unit tests cover this path).
      const made = fixesFromSnapshot(kind, { snapshot: r.snapshot, report: r.report, options: { liveFacts: false } });
      if (made === undefined) throw new Error(`fix ${kind} is made from the live node`); // refused above
      docs = made;
    } else {
      // The fixes that act on orphans judge them as `orphans` does: the same grace period (FACTS_OPTIONS)
      // and the Kubernetes API's view, so a pod the API knows on this node is not removed.
      const r = await forensicsFrom(ctx, { kube: orphans });
      if ('code' in r) return reportProbeError(r);
      const report = r.report;
      if (orphans && report.orphansUndetermined) {
        // "Could not tell" is not "nothing to clean up": no script that removes 0 orphans.
        process.stderr.write(`cgroup-forensics: orphans: could not tell: ${report.orphansUndetermined}; fix ${kind} prints nothing\n`);
        return EXIT.undetermined;
      }
      // A node file the fix must patch that cannot be parsed throws FixInputError: one line, exit 3 (main.ts).
      docs = fixesFor(kind, r.snapshot, r.facts, report, driver ? { driver } : {});
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
    if (d.diff === undefined && d.noChange === undefined && d.targetPath === undefined && entry.patchesNodeFiles) {
      process.stderr.write(d.content.endsWith('\n') ? d.content : `${d.content}\n`);
      return EXIT.ok;
    }
    if (d.noChange !== undefined) process.stderr.write(`cgroup-forensics: note: ${d.title}: no change needed: ${d.noChange}${d.content !== '' && d.targetPath !== undefined ? ' (the file is printed unchanged)' : ''}\n`);
    ctx.write(d.content);
    return EXIT.ok;
  },
};

/**
 * Scripts and new files print as they are; patches of the node's files print as a diff under the
 * fix's header (fixHeader: what, which file, why, how to apply) as comments, so several documents
 * stay apart and the whole output still applies with `patch -p1` (patch skips the comment lines).
 * A file that already says what the fix would prints the header's two lines saying so and no diff.
 */
function renderFix(d: FixDocument): string {
  if (onlyNoChange(d) || d.diff) return fixHeader(d).map((l) => `# ${l}\n`).join('') + (d.diff ?? '');
  return d.content;
}
