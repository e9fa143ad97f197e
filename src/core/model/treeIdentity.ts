import type { CgroupTree } from './cgroupTree';
import { childIdentity, identityOfPath, type CgroupIdentity } from './k8sIdentity';

/**
 * The identity of every cgroup of a tree in one pass (a parent always has a smaller index than
 * its children). The walk root's identity comes from the hierarchy's base path, so a scan of
 * /kubepods.slice still knows it is looking at kubepods.
 */
export function treeIdentities(tree: CgroupTree, basePath = '/'): CgroupIdentity[] {
  const out: CgroupIdentity[] = new Array<CgroupIdentity>(tree.size);
  if (tree.size === 0) return out;
  out[0] = identityOfPath(basePath);
  for (let i = 1; i < tree.size; i++) out[i] = childIdentity(out[tree.parent[i]!], tree.names[i]!);
  return out;
}
