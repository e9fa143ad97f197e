import type { CgroupTree } from './cgroupTree';

export const SNAPSHOT_SCHEMA = 'cgroup-forensics/snapshot@1';

export type HierarchyKind = 'v1' | 'v2';
export type Layout = 'v2' | 'v1' | 'hybrid' | 'none';

/** Facts about the node, read in the same round trip as the walk. Absent when unreadable. */
export interface NodeFacts {
  hostname?: string;
  kernel?: string;
  cmdline?: string;
  os?: string;
  systemd?: string;
  pidMax?: number;
  threadsMax?: number;
  uptimeSeconds?: number;
  loadavg?: string;
  /** The node's clock when the probe started, epoch seconds. */
  now?: number;
  /**
   * Kernel memory from /proc/meminfo, kB: dying memory cgroups keep their per-cpu (Percpu, Linux
   * 4.16+) and unreclaimable slab (SUnreclaim) memory until they are freed. Absent when unreadable.
   */
  meminfo?: { memTotalKb?: number; slabKb?: number; sUnreclaimKb?: number; percpuKb?: number };
}

/** A row of /proc/cgroups: per controller, how many cgroups the kernel holds (live and dying). */
export interface ProcCgroupsRow {
  subsys: string;
  hierarchy: number;
  numCgroups: number;
  enabled: boolean;
}

export interface BoundHit {
  bound: 'depth' | 'count' | 'bytes';
  limit: number;
}

export interface Hierarchy {
  /** Probe-local number, stable within one snapshot. */
  id: number;
  kind: HierarchyKind;
  /** v1 controllers (and "name=systemd" for named hierarchies); empty for v2. */
  controllers: string[];
  /** "unified" for v2, else the controllers joined with commas ("cpu,cpuacct", "name=systemd"). */
  name: string;
  mountPoint: string;
  /** The cgroup path (within the hierarchy) that the mount shows as its root; "/" normally. */
  mountRoot: string;
  /** The directory walked (byte string), e.g. "/sys/fs/cgroup/unified" or a --cgroup-root. */
  walkRoot: string;
  /** The cgroup path of the walk root inside the hierarchy: cgroup paths are this + relative path. */
  basePath: string;
  mtimeSupported: boolean;
  tree: CgroupTree;
  bounds: BoundHit[];
  /** Relative paths (byte strings) of cgroups that vanished or could not be read mid-walk. */
  vanished: string[];
}

export interface SnapshotSource {
  transport: string;
  hostRoot?: string;
  cgroupRoot?: string;
}

export interface Snapshot {
  schema: typeof SNAPSHOT_SCHEMA;
  /** When the snapshot finished, epoch milliseconds (the reader's clock). */
  takenAt: number;
  source: SnapshotSource;
  node: NodeFacts;
  procCgroups: ProcCgroupsRow[];
  /** The cgroup lines of mountinfo, as the kernel wrote them. */
  mounts: string[];
  hierarchies: Hierarchy[];
  /** Things that did not stop the walk but that a user should know (permission denied, ...). */
  warnings: string[];
}

export function layoutOf(s: Pick<Snapshot, 'hierarchies'>): Layout {
  const v1 = s.hierarchies.some((h) => h.kind === 'v1');
  const v2 = s.hierarchies.some((h) => h.kind === 'v2');
  return v1 && v2 ? 'hybrid' : v2 ? 'v2' : v1 ? 'v1' : 'none';
}

export function hierarchyName(kind: HierarchyKind, controllers: readonly string[]): string {
  return kind === 'v2' ? 'unified' : controllers.join(',') || 'none';
}

/** Joins a hierarchy's base path with a path relative to its walk root. */
export function cgroupPath(h: Pick<Hierarchy, 'basePath'>, relPath: string): string {
  if (h.basePath === '/' || h.basePath === '') return relPath;
  return relPath === '/' ? h.basePath : h.basePath + relPath;
}
