import type { ForensicsReport } from '../analysis/forensics';
import type { ProcessInfo } from '../inspect/processInfo';
import { nameToJson } from '../model/snapshotJson';

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
          return {
            ...f,
            cgroups: f.cgroups.map((c) => ({ ...c, path: nameToJson(c.path), dir: nameToJson(c.dir) })),
            ...(procs ? { processList: procs.map(processToJson) } : {}),
          };
        }),
      },
      null,
      1,
    ) + '\n'
  );
}

export function processToJson(p: ProcessInfo): unknown {
  return { ...p, cgroupDir: nameToJson(p.cgroupDir), comm: nameToJson(p.comm), argv: p.argv.map(nameToJson) };
}
