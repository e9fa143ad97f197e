/** Documented in README.md; cron and scripts rely on them. */
export const EXIT = {
  ok: 0,
  /** Reserved for checks that found something (orphans), and for diff: the two snapshots differ. */
  findings: 1,
  usage: 2,
  /** The input cannot be scanned: no such directory, not a cgroup filesystem, no mount table. */
  badInput: 3,
  /** The scan failed: the probe or the transport broke, or the output was cut short. */
  scanFailed: 4,
  /** A check could not tell (orphans: no source of pods on the node could be read). */
  undetermined: 5,
  /** fleet: some nodes could not be investigated (unreachable, timed out, failed) and none had findings. */
  notReached: 6,
  interrupted: 130,
} as const;

/** The exit status of a report's verdict (core analysis/orphanVerdict.ts reportVerdict): orphans, and fleet per node. */
export const VERDICT_EXIT = { actionable: EXIT.findings, undetermined: EXIT.undetermined, clear: EXIT.ok } as const;
