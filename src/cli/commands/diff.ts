import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { Snapshot } from '../../core/model/snapshot';
import { snapshotFromJson } from '../../core/model/snapshotJson';
import { diffToJson, renderDiffText } from '../../core/trends/diffText';
import { diffChanged, diffSnapshots } from '../../core/trends/snapshotDiff';
import { intOption, stringOption, UsageError, type CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { reportProbeError, snapshotFrom, SOURCE_HELP, SOURCE_OPTIONS } from '../snapshotSource';

/** A snapshot file: the JSON of 'scan --json', or the same gzip-compressed (as the extension keeps them). */
async function readSnapshotFile(file: string): Promise<Snapshot | string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    return `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  }
  try {
    const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
    return snapshotFromJson(text);
  } catch (e) {
    return `${file}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

export const diffCommand: CliCommand = {
  name: 'diff',
  summary: 'what changed since a saved snapshot: cgroups added and removed per hierarchy, dying counts, pods that went empty',
  synopsis: 'OLD.json [NEW.json] [--json]',
  help: `  OLD.json                a snapshot saved with 'scan --json' (or one the extension kept, .json.gz)
  NEW.json                the later snapshot; without it the node is scanned now (the options below)
  --json                  the differences as one JSON object (schema cgroup-forensics/diff@1)
  --limit N               cgroups listed per hierarchy and change in text (default 20; JSON lists all)
${SOURCE_HELP.split('\n').filter((l) => !l.trimStart().startsWith('--from ')).join('\n')}
  Exit status: 0 nothing changed, 1 something changed, 2 bad usage, 3 a snapshot file cannot be
  read (or the node cannot be scanned), 4 the scan failed.`,
  options: { ...SOURCE_OPTIONS, json: { type: 'boolean' }, limit: { type: 'string' } },
  async run(ctx) {
    const [oldFile, newFile, extra] = ctx.args;
    if (oldFile === undefined) throw new UsageError('diff needs the earlier snapshot: cgroup-forensics diff OLD.json [NEW.json]');
    if (extra !== undefined) throw new UsageError(`diff takes at most two snapshots (got '${extra}')`);
    if (stringOption(ctx.options, 'from') !== undefined) throw new UsageError('diff takes its snapshots as arguments: --from cannot be used here');
    const limit = intOption(ctx.options, 'limit') ?? 20;
    const scanOptions = ['cgroup-root', 'host-root', 'host', 'ssh-config', 'accept-new', 'sudo', 'max-depth', 'max-cgroups'].filter((n) => ctx.options[n] !== undefined);
    if (newFile !== undefined && scanOptions.length) throw new UsageError(`--${scanOptions[0]} is for a scan: with NEW.json nothing is scanned`);
    const before = await readSnapshotFile(oldFile);
    if (typeof before === 'string') return reportProbeError({ code: 'bad-input', message: before });
    let after: Snapshot;
    if (newFile !== undefined) {
      const s = await readSnapshotFile(newFile);
      if (typeof s === 'string') return reportProbeError({ code: 'bad-input', message: s });
      after = s;
    } else {
      const s = await snapshotFrom(ctx.options, ctx.signal);
      if ('code' in s) return reportProbeError(s);
      after = s;
    }
    const d = diffSnapshots(before, after);
    ctx.write(ctx.options.json ? JSON.stringify(diffToJson(d), null, 1) + '\n' : renderDiffText(d, limit));
    return diffChanged(d) ? EXIT.findings : EXIT.ok;
  },
};
