import type { CgroupIdentity } from '../../core/model/k8sIdentity';
import type { Hierarchy, Snapshot } from '../../core/model/snapshot';
import { treeIdentities } from '../../core/model/treeIdentity';

/**
 * A snapshot as the views need it: hierarchies by name, and each hierarchy's Kubernetes
 * identities decoded once, on first use (a tree of 100,000 cgroups is decoded in one pass).
 */
export class SnapshotView {
  private readonly byName = new Map<string, Hierarchy>();
  private readonly ids = new Map<string, CgroupIdentity[]>();
  private readonly counts = new Map<string, Int32Array>();

  constructor(readonly snapshot: Snapshot) {
    for (const h of snapshot.hierarchies) this.byName.set(h.name, h);
  }

  hierarchy(name: string): Hierarchy | undefined {
    return this.byName.get(name);
  }

  identities(name: string): CgroupIdentity[] {
    let ids = this.ids.get(name);
    if (!ids) {
      const h = this.byName.get(name);
      ids = h ? treeIdentities(h.tree, h.basePath) : [];
      this.ids.set(name, ids);
    }
    return ids;
  }

  /** Number of cgroups below each cgroup of a hierarchy. */
  descendants(name: string): Int32Array {
    let c = this.counts.get(name);
    if (!c) {
      c = this.byName.get(name)?.tree.descendantCounts() ?? new Int32Array(0);
      this.counts.set(name, c);
    }
    return c;
  }

  totalCgroups(): number {
    return this.snapshot.hierarchies.reduce((a, h) => a + h.tree.size, 0);
  }
}
