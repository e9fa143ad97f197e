import { childIdentity, identityOfPath, type CgroupIdentity } from '../../../src/core/model/k8sIdentity';
import type { FlameHierarchy } from './model';

/** Pod UIDs and container IDs of every cgroup, for search, in one pass from the root down. */
export function identityWords(h: FlameHierarchy): string[][] {
  const ids: CgroupIdentity[] = new Array<CgroupIdentity>(h.size);
  const out: string[][] = new Array<string[]>(h.size);
  for (let i = 0; i < h.size; i++) {
    ids[i] = i === 0 ? identityOfPath(h.basePath) : childIdentity(ids[h.parent[i]!], h.names[i]!);
    const k = ids[i]!.k8s;
    out[i] = k ? [k.podUid ?? '', k.containerId ?? ''].filter((w) => w !== '') : [];
  }
  return out;
}
