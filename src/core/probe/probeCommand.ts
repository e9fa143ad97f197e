import probeScript from './probe.sh';
import { nodeProgram } from '../nodeScript/nodeProgram';

export interface WalkBounds {
  /** Deepest level walked below a hierarchy root (0 = no bound). */
  maxDepth?: number;
  /** Most cgroups recorded per hierarchy (0 = no bound). */
  maxCgroups?: number;
  /** Most bytes of records per hierarchy (0 = no bound). */
  maxBytes?: number;
}

export interface ProbeOptions extends WalkBounds {
  /** A directory holding the node's root filesystem (a debug pod's /host). */
  hostRoot?: string;
  /** Walk only this directory, as if it were a hierarchy root. */
  cgroupRoot?: string;
}

export const DEFAULT_BOUNDS: Required<WalkBounds> = { maxDepth: 64, maxCgroups: 1_000_000, maxBytes: 1024 * 1024 * 1024 };

/** The probe's program text: constant, the same bytes for every node and every call. */
export const PROBE_SCRIPT: string = nodeProgram(probeScript);

/**
 * The argv that runs the probe: `sh -c PROGRAM NAME ARGS...`. Values travel as positional
 * arguments, never inside the program text.
 */
export function probeArgv(options: ProbeOptions = {}): string[] {
  const bound = (v: number | undefined, d: number): string => String(v === undefined ? d : Math.max(0, Math.floor(v)));
  return [
    'sh',
    '-c',
    PROBE_SCRIPT,
    'cgroup-forensics-probe',
    options.hostRoot ?? '',
    options.cgroupRoot ?? '',
    bound(options.maxDepth, DEFAULT_BOUNDS.maxDepth),
    bound(options.maxCgroups, DEFAULT_BOUNDS.maxCgroups),
    bound(options.maxBytes, DEFAULT_BOUNDS.maxBytes),
  ];
}
