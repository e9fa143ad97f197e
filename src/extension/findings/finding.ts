import type { FixKind } from '../../core/fixes/fixCatalog';
import type { Finding as CoreFinding } from '../../core/analysis/finding';

/**
 * A forensic finding as the views show it, adapted from the forensics engine's (src/core/analysis)
 * in findingsSource.ts; the engine's own finding rides along for the fix generators.
 */
export type Severity = 'error' | 'warning' | 'info';

export interface CgroupRef {
  /** The hierarchy name ("unified", "memory", ...). */
  hierarchy: string;
  /** Byte-string path relative to the hierarchy's walk root (the Nodes tree's path). */
  path: string;
}

export interface Finding {
  /** Stable within a snapshot: kind + first cgroup. */
  id: string;
  kind: CoreFinding['kind'];
  severity: Severity;
  /** One line, plain text. */
  title: string;
  /** Plain text; may span lines. */
  detail: string;
  cgroups: CgroupRef[];
  /** The fix kinds that apply (src/core/fixes/fixPlan.ts fixesForFinding). */
  fixes: FixKind[];
  core: CoreFinding;
}
