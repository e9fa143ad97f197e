import type { CgroupTree, StatName } from './cgroupTree';

/**
 * A stat summed over each cgroup's subtree (itself included), for stats the kernel counts per
 * cgroup only (cgroup.procs lists a cgroup's own processes, not its children's): a pod whose
 * processes are all in its container cgroups reads 0 on its own. A value the walk did not read
 * (NaN) counts as 0; a subtree with no value read at all is NaN.
 */
export function subtreeSums(tree: CgroupTree, stat: StatName): Float64Array {
  const own = tree.stats[stat];
  const sums = new Float64Array(tree.size).fill(NaN);
  // Parents always have smaller indexes than their children (a parent is made first): one pass
  // from the last cgroup up adds each finished subtree into its parent.
  for (let i = tree.size - 1; i >= 0; i--) {
    const v = own[i]!;
    if (!Number.isNaN(v)) sums[i] = Number.isNaN(sums[i]!) ? v : sums[i]! + v;
    const p = tree.parent[i]!;
    if (i > 0 && !Number.isNaN(sums[i]!)) sums[p] = Number.isNaN(sums[p]!) ? sums[i]! : sums[p]! + sums[i]!;
  }
  return sums;
}
