import type { Finding as CoreFinding } from '../../core/analysis/finding';
import { evidenceLine } from '../../core/analysis/evidence';
import { findingIds } from '../../core/analysis/findingIds';
import { fixesForFinding } from '../../core/fixes/fixPlan';
import { displayOf } from '../../core/model/bytes';
import type { Hierarchy, Snapshot } from '../../core/model/snapshot';
import type { FindingItem } from './finding';

// The engine's report comes from the core's investigation (src/core/investigation/investigate.ts,
// called by NodeManager.refresh); here it is adapted to what the views show.

/** The core's findings as the views show them: the tree's paths, display text, the fixes that answer each, the core's stable ids. */
export function adaptFindings(snapshot: Snapshot, findings: readonly CoreFinding[]): FindingItem[] {
  const byName = new Map<string, Hierarchy>(snapshot.hierarchies.map((h) => [h.name, h]));
  const ids = findingIds(findings);
  return findings.map((f, n) => {
    const cgroups = f.cgroups.map((c) => ({ hierarchy: c.hierarchy, path: relativePath(byName.get(c.hierarchy), c.path) }));
    return {
      id: ids[n]!,
      kind: f.kind,
      severity: f.severity,
      title: displayOf(f.title),
      detail: [`confidence: ${f.confidence}`, ...f.evidence.map((e) => displayOf(evidenceLine(e)))].join('\n'),
      cgroups,
      // Which fixes answer it: the core's table (FIXES_FOR_FINDING), as each generator narrows it.
      fixes: fixesForFinding(f),
      core: f,
    };
  });
}

/** The engine names cgroups by path in the hierarchy; the tree by path below the walk root. */
function relativePath(h: Hierarchy | undefined, path: string): string {
  if (!h || h.basePath === '/' || h.basePath === '') return path;
  if (path === h.basePath) return '/';
  return path.startsWith(h.basePath + '/') ? path.slice(h.basePath.length) : path;
}
