import type { Snapshot } from '../../core/model/snapshot';
import { diffToJson, renderDiffText } from '../../core/trends/diffText';
import { diffChanged, diffSnapshots } from '../../core/trends/snapshotDiff';
import { intOption, UsageError, type CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { LIVE_SOURCE_HELP, LIVE_SOURCE_OPTIONS, readSnapshotFile, reportProbeError, snapshotFrom } from '../snapshotSource';

export const diffCommand: CliCommand = {
  name: 'diff',
  summary: 'what changed since a saved snapshot: cgroups added and removed per hierarchy, dying counts, pods that went empty',
  synopsis: 'OLD.json [NEW.json] [--json]',
  help: `  OLD.json                a snapshot saved with 'scan --json' (or one the extension kept, .json.gz)
  NEW.json                the later snapshot; without it the node is scanned now (the options below)
  --json                  the differences as one JSON object (schema cgroup-forensics/diff@1)
  --limit N               cgroups listed per hierarchy and change in text (default 20; JSON lists all)
${LIVE_SOURCE_HELP}
  Exit status: 0 nothing changed, 1 something changed, 2 bad usage, 3 a snapshot file cannot be
  read (or the node cannot be scanned), 4 the scan failed.`,
  withoutFrom: 'diff takes its snapshots as arguments (OLD.json [NEW.json]), not with --from',
  options: { ...LIVE_SOURCE_OPTIONS, json: { type: 'boolean' }, limit: { type: 'string' } },
  async run(ctx) {
    const [oldFile, newFile, extra] = ctx.args;
    if (oldFile === undefined) throw new UsageError('diff needs the earlier snapshot: cgroup-forensics diff OLD.json [NEW.json]');
    if (extra !== undefined) throw new UsageError(`diff takes at most two snapshots (got '${extra}')`);
    const limit = intOption(ctx.options, 'limit') ?? 20;
    const scanOptions = ['cgroup-root', 'host-root', 'host', 'ssh-config', 'accept-new', 'sudo', 'kube-node', 'kube-namespace', 'kube-image', 'max-depth', 'max-cgroups'].filter((n) => ctx.options[n] !== undefined);
    if (newFile !== undefined && scanOptions.length) throw new UsageError(`--${scanOptions[0]} is for a scan: with NEW.json nothing is scanned`);
    const before = readSnapshotFile(oldFile);
    if (typeof before === 'string') return reportProbeError({ code: 'bad-input', message: before });
    let after: Snapshot;
    if (newFile !== undefined) {
      const s = readSnapshotFile(newFile);
      if (typeof s === 'string') return reportProbeError({ code: 'bad-input', message: s });
      after = s;
    } else {
      const s = await snapshotFrom(ctx);
      if ('code' in s) return reportProbeError(s);
      after = s;
    }
    const d = diffSnapshots(before, after);
    ctx.write(ctx.options.json ? JSON.stringify(diffToJson(d), null, 1) + '\n' : renderDiffText(d, limit));
    return diffChanged(d) ? EXIT.findings : EXIT.ok;
  },
};
