import type { Finding } from '../../core/analysis/finding';
import type { FixKind } from '../../core/fixes/fixCatalog';

/**
 * A cgroup of a finding as the Nodes tree names it: by its path below the hierarchy's walk root
 * (the core's CgroupRef names it by its path in the hierarchy).
 */
export interface TreeCgroupRef {
  /** The hierarchy name ("unified", "memory", ...). */
  hierarchy: string;
  /** Byte-string path relative to the hierarchy's walk root (the Nodes tree's path). */
  path: string;
}

/**
 * The core's finding (src/core/analysis/finding.ts) as the views show it, made by adaptFindings in
 * findingsSource.ts: the tree's names for its cgroups, display text, and the fixes that answer it.
 * Kind and severity are the core's own words (no second severity scale).
 */
export interface FindingItem {
  /** The core's stable id (findingIds.ts): the same finding keeps it across refreshes and reorders. */
  id: string;
  kind: Finding['kind'];
  severity: Finding['severity'];
  /** One line, plain text. */
  title: string;
  /** Plain text; may span lines: the confidence, then each evidence line. */
  detail: string;
  cgroups: TreeCgroupRef[];
  /** The fix kinds that apply (the core's fixesForFinding). */
  fixes: FixKind[];
  core: Finding;
}
