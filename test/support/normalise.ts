import { describeIdentity } from '../../src/core/model/k8sIdentity';
import { STAT_NAMES } from '../../src/core/model/cgroupTree';
import type { Snapshot } from '../../src/core/model/snapshot';
import { nameToJson } from '../../src/core/model/snapshotJson';
import { treeIdentities } from '../../src/core/model/treeIdentity';

/**
 * A snapshot as plain data for golden files: everything but what changes from run to run (times,
 * directory ages, the temporary host root), names in their JSON form, sorted by path.
 */
export function normaliseSnapshot(s: Snapshot, hostRoot = ''): unknown {
  const strip = (p: string): string => (hostRoot && p.startsWith(hostRoot) ? '<host>' + p.slice(hostRoot.length) : p);
  return {
    node: { ...s.node, now: undefined },
    procCgroups: s.procCgroups,
    mounts: s.mounts,
    hierarchies: s.hierarchies.map((h) => {
      const ids = treeIdentities(h.tree, h.basePath);
      const rows: [unknown, ...unknown[]][] = [];
      for (let i = 0; i < h.tree.size; i++) {
        const stats = STAT_NAMES.filter((n) => n !== 'mtime').map((n) => {
          const v = h.tree.stat(n, i);
          return Number.isNaN(v) ? null : v === Infinity ? 'max' : v;
        });
        rows.push([nameToJson(h.tree.path(i)), h.tree.seen[i], ...stats, describeIdentity(ids[i]!) ?? null]);
      }
      rows.sort((a, b) => (JSON.stringify(a[0]) < JSON.stringify(b[0]) ? -1 : 1));
      return {
        name: h.name,
        kind: h.kind,
        controllers: h.controllers,
        mountPoint: h.mountPoint,
        mountRoot: h.mountRoot,
        walkRoot: strip(h.walkRoot),
        basePath: h.basePath,
        bounds: h.bounds,
        vanished: h.vanished.map(nameToJson).sort(),
        columns: ['path', 'seen', ...STAT_NAMES.filter((n) => n !== 'mtime'), 'identity'],
        cgroups: rows,
      };
    }),
    warnings: s.warnings,
  };
}
