import { evidenceLine, type Evidence } from '../analysis/evidence';
import type { Finding } from '../analysis/finding';
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
        findings: r.findings.map((f) => {
          const procs = f.podUid !== undefined ? processes.get(f.containerId ?? f.podUid) : undefined;
          return { ...findingToJson(f), ...(procs ? { processList: procs.map(processToJson) } : {}) };
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

export function processToJson(p: ProcessInfo): unknown {
  return { ...p, cgroupDir: nameToJson(p.cgroupDir), comm: nameToJson(p.comm), argv: p.argv.map(nameToJson) };
}
