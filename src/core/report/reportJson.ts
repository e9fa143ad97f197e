import { snapshotToJson } from '../model/snapshotJson';
import { findingsToJson } from './findingsJson';
import type { ReportInput } from './nodeReport';

/** JSON: the findings (schema cgroup-forensics/findings@1) and the snapshot they judge (cgroup-forensics/snapshot@1). */
export function renderReportJson(r: ReportInput): string {
  return `{"node": ${JSON.stringify(r.nodeLabel)},\n"findings": ${findingsToJson(r.report).trim()},\n"snapshot": ${snapshotToJson(r.snapshot).trim()}}\n`;
}
