import { evidenceLine } from './evidence';
import type { Finding } from './finding';

/**
 * Stable ids for a node's findings, one per finding in the order given: kind + first cgroup
 * (hierarchy and path in the hierarchy), or, for a finding with no cgroup, kind + its subject (pod
 * UID, container, unit, else title). Never the position in the list, so a view's expansion state
 * stays with its finding when findings come and go or reorder. Two findings with the same key get
 * "#2", "#3" ... in the order of their content (title, evidence, cgroups), not of the list.
 */
export function findingIds(findings: readonly Finding[]): string[] {
  const keys = findings.map(findingKey);
  const groups = new Map<string, number[]>();
  keys.forEach((k, i) => groups.set(k, [...(groups.get(k) ?? []), i]));
  const ids = [...keys];
  for (const [key, at] of groups) {
    if (at.length < 2) continue;
    const content = new Map(at.map((i) => [i, contentOf(findings[i]!)]));
    const ordered = [...at].sort((a, b) => compare(content.get(a)!, content.get(b)!));
    ordered.forEach((i, n) => {
      if (n > 0) ids[i] = `${key}#${n + 1}`;
    });
  }
  return ids;
}

/** The key before any duplicate suffix. */
export function findingKey(f: Finding): string {
  const c = f.cgroups[0];
  if (c) return `${f.kind}:${c.hierarchy}:${c.path}`;
  if (f.podUid !== undefined) return `${f.kind}:pod:${f.podUid}${f.containerId !== undefined ? `/${f.containerId}` : ''}`;
  if (f.unit !== undefined) return `${f.kind}:unit:${f.unit}`;
  return `${f.kind}:title:${f.title}`;
}

function contentOf(f: Finding): string {
  // What changes least between refreshes first: an orphan's age in its evidence moves every scan.
  return JSON.stringify([f.title, f.cgroups.map((c) => [c.hierarchy, c.path]), f.severity, f.evidence.map(evidenceLine)]);
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
