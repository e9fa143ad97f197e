import evidenceScript from './evidence.sh';
import { nodeProgram } from '../nodeScript/nodeProgram';

export interface EvidenceOptions {
  /** A directory holding the node's root filesystem (a debug pod's /host). */
  hostRoot?: string;
  /** Journal lines older than this (epoch seconds) are not read; default one day back. */
  since?: number;
  /** Most lines kept per log source (the newest); default 2000. */
  maxLines?: number;
}

/** The evidence program's text: constant, the same bytes for every node and every call. */
export const EVIDENCE_SCRIPT: string = nodeProgram(evidenceScript);

/** `sh -c PROGRAM NAME HOST_ROOT SINCE MAX_LINES`: values travel as arguments only. */
export function evidenceArgv(o: EvidenceOptions = {}): string[] {
  return ['sh', '-c', EVIDENCE_SCRIPT, 'cgroup-forensics-evidence', o.hostRoot ?? '', o.since !== undefined ? String(Math.floor(o.since)) : '', o.maxLines !== undefined ? String(Math.floor(o.maxLines)) : ''];
}
