import { evidenceLine, type Evidence } from '../analysis/evidence';
import type { Finding } from '../analysis/finding';
import { findingIds } from '../analysis/findingIds';
import type { ForensicsReport } from '../analysis/forensics';
import type { ProcessInfo } from '../inspect/processInfo';
import { nameToJson, type JsonName } from '../model/snapshotJson';

export const FINDINGS_SCHEMA = 'cgroup-forensics/findings@1';

/** The JSON form of a report: byte-string paths as text, or {bytes: base64} when not UTF-8. */
export function findingsToJson(r: ForensicsReport, processes: ReadonlyMap<string, ProcessInfo[]> = new Map()): string {
  return (
    JSON.stringify(
      {
        schema: FINDINGS_SCHEMA,
        counts: r.counts,
        ...(r.rootCause ? { rootCause: r.rootCause } : {}),
        ...(r.orphansUndetermined ? { orphansUndetermined: r.orphansUndetermined } : {}),
        findings: findingListToJson(r.findings).map((f) => {
          const procs = f.podUid !== undefined ? processes.get(f.containerId ?? f.podUid) : undefined;
          return { ...f, ...(procs ? { processList: procs.map(processToJson) } : {}) };
        }),
      },
      null,
      1,
    ) + '\n'
  );
}

/** A finding as JSON carries it (byte-string paths as nameToJson makes them). */
export type FindingJson = Omit<Finding, 'evidence' | 'cgroups'> & { cgroups: (Omit<Finding['cgroups'][number], 'path' | 'dir'> & { path: JsonName; dir: JsonName })[]; evidence: string[]; evidenceItems: Evidence[] };

/**
 * One finding as JSON: `evidence` stays the lines schema @1 has always had (what the text output
 * prints, evidenceLine), and `evidenceItems` carries the same items with their shape
 * (analysis/evidence.ts) for a consumer that wants a log line's time or an fd's holder.
 */
export function findingToJson(f: Finding): FindingJson {
  return {
    ...f,
    cgroups: f.cgroups.map((c) => ({ ...c, path: nameToJson(c.path), dir: nameToJson(c.dir) })),
    evidence: f.evidence.map(evidenceLine),
    evidenceItems: f.evidence,
  };
}

/**
 * A node's findings as JSON, each first with its stable `id` (analysis/findingIds.ts: the id the
 * extension's Findings view keys its rows by), so a consumer can follow a finding from one run to
 * the next. Ids are made over the whole list (duplicates get "#2" ...): pass all of a node's findings.
 */
export function findingListToJson(findings: readonly Finding[]): (FindingJson & { id: string })[] {
  const ids = findingIds(findings);
  return findings.map((f, i) => ({ id: ids[i]!, ...findingToJson(f) }));
}

export function processToJson(p: ProcessInfo): unknown {
  return { ...p, cgroupDir: nameToJson(p.cgroupDir), comm: nameToJson(p.comm), argv: p.argv.map(nameToJson) };
}
