/**
 * The text of "Run Cleanup Script on Node…"'s confirmation, from the dry run's own output. Kept
 * short on purpose: a VS Code modal cannot scroll, so a long one pushes its buttons off screen
 * (the whole dry run once made it 1,728 px tall at 1600×1000). The full output goes to a
 * read-only document beside the modal. Pure (no 'vscode'): unit tests check it.
 */

/** What the dry run predicts; on an unchanged tree --apply does the same (cleanupScript.ts). */
export interface DryRunSummary {
  units: number;
  cgroups: number;
  skipped: number;
  /** The first cgroups it would remove, as the script labels them. */
  examples: string[];
}

const SUMMARY = /^would stop (\d+) unit\(s\), would remove (\d+) cgroup\(s\); (\d+) skipped\./m;

/** Undefined when the output has no summary line (the script did not run to its end). */
export function summariseDryRun(stdout: string, examples = 5): DryRunSummary | undefined {
  const m = SUMMARY.exec(stdout);
  if (!m) return undefined;
  const names = stdout
    .split('\n')
    .filter((l) => l.startsWith('would rmdir: '))
    .map((l) => l.slice('would rmdir: '.length));
  return { units: Number(m[1]), cgroups: Number(m[2]), skipped: Number(m[3]), examples: names.slice(0, examples) };
}

/** A name cut to a width that fits the modal, keeping its end (where pod UIDs and container IDs are). */
function fit(name: string, width = 96): string {
  return name.length <= width ? name : `…${name.slice(name.length - width + 1)}`;
}

export interface ConfirmationText {
  message: string;
  detail: string;
}

/** The modal's message and detail: counts, a few names, the script's short hash, where the rest is. */
export function confirmationText(o: { label: string; summary: DryRunSummary; orphans: number; digest: string; scriptName: string; outputName: string }): ConfirmationText {
  const s = o.summary;
  const more = s.cgroups - s.examples.length;
  const lines = [
    `The dry run would remove ${s.cgroups} cgroup(s)${s.units ? ` and stop ${s.units} systemd unit(s)` : ''}; ${s.skipped} skipped (still in use).`,
    ...(s.examples.length ? ['', ...s.examples.map((e) => `  ${fit(e)}`), ...(more > 0 ? [`  … and ${more} more`] : [])] : []),
    '',
    `Script SHA-256 ${o.digest.slice(0, 16)}… (${o.scriptName}); the full dry-run output is open beside this dialog (${o.outputName}).`,
    'Each cgroup is checked again at removal and removed only when empty; nothing is forced.',
  ];
  return { message: `Remove ${s.cgroups} cgroup(s) of ${o.orphans} orphan(s) on ${o.label}?`, detail: lines.join('\n') };
}
