/**
 * The shape of a trend sample, apart from the code that takes one (sample.ts runs the watch
 * program through a transport): the growth maths and the trend chart's browser bundle need only
 * these types.
 */
export interface CountRow {
  /** Hierarchy name: "unified", "memory", "name=systemd" ... */
  hierarchy: string;
  dir: string;
  live: number;
  /** Undefined when it cannot be told (a v1 hierarchy without a controller, or a subtree of one). */
  dying?: number;
}

/**
 * Node-wide stats beside the counts: kB from /proc/meminfo (Percpu and SUnreclaim grow with dying
 * memcgs, whose per-cpu and slab memory stays until they are freed) and the 1-minute load. A
 * field is absent when the node does not have it (Percpu before Linux 4.16, no /proc).
 */
export interface NodeStats {
  memTotalKb?: number;
  memAvailableKb?: number;
  slabKb?: number;
  sUnreclaimKb?: number;
  percpuKb?: number;
  load1?: number;
}

/** One sample: counts per hierarchy and per kubepods subtree at the node's time. */
export interface CountSample {
  /** The node's clock, epoch seconds. */
  time: number;
  hierarchies: (CountRow & { kind: 'v1' | 'v2' })[];
  kubepods: CountRow[];
  /** Absent in samples of watch protocol 1 (and in samples persisted before it). */
  node?: NodeStats;
}
