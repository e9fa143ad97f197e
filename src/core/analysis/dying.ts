import { displayOf } from '../model/bytes';
import { cgroupPath, type Snapshot } from '../model/snapshot';
import { isWithin, MEMCG_ID_LIMIT, type AnalysisOptions } from './analysisOptions';
import type { CgroupRef, Finding, Severity } from './finding';
import { dirOf } from './cgroupIndex';

/**
 * Removed cgroups the kernel still holds. v2 counts them per subtree (cgroup.stat
 * nr_dying_descendants); v1 only as /proc/cgroups num_cgroups minus the live directories, which
 * needs a walk of the whole hierarchy. Memory cgroups are the costly ones: live and dying share the
 * kernel's 65,535 memcg IDs, and a node that runs out can make no new cgroup with memory.
 */
export function findDying(s: Snapshot, o: AnalysisOptions = {}): Finding[] {
  const out: Finding[] = [];
  const memRow = s.procCgroups.find((r) => r.subsys === 'memory' && r.enabled);
  for (const h of s.hierarchies) {
    const t = h.tree;
    if (t.size === 0) continue;
    const isMemory = h.controllers.includes('memory') || (h.kind === 'v2' && memRow?.hierarchy === 0 && !Number.isNaN(t.stat('memory', Math.min(1, t.size - 1))));
    let dying: number | undefined;
    const evidence: string[] = [];
    const cgroups: CgroupRef[] = [];
    if (h.kind === 'v2') {
      const d = t.stat('nrDying', 0);
      if (Number.isNaN(d)) continue;
      dying = d;
      evidence.push(`${displayOf(dirOf(h, 0))}/cgroup.stat: nr_dying_descendants ${d}`);
      // Where they pile up: dying cgroups whose parent is i (own count minus the children's).
      const own: { i: number; n: number }[] = [];
      for (let i = 0; i < t.size; i++) {
        const mine = t.stat('nrDying', i);
        if (!(mine > 0)) continue;
        let below = 0;
        for (const c of t.children(i)) below += t.stat('nrDying', c) || 0;
        if (mine - below > 0) own.push({ i, n: mine - below });
      }
      own.sort((a, b) => b.n - a.n);
      for (const { i, n } of own.slice(0, 5)) {
        const path = cgroupPath(h, t.path(i));
        if (!isWithin(path, o.within)) continue;
        cgroups.push({ hierarchy: h.name, path, dir: dirOf(h, i) });
        evidence.push(`${n} dying directly below ${displayOf(path)}`);
      }
    } else {
      const row = s.procCgroups.find((r) => h.controllers.includes(r.subsys));
      const whole = h.mountRoot === '/' && h.basePath === '/' && h.bounds.length === 0;
      if (!row || !whole) continue;
      dying = Math.max(0, row.numCgroups - t.size);
      evidence.push(`/proc/cgroups: ${row.subsys} num_cgroups ${row.numCgroups}; live directories under ${displayOf(h.walkRoot)}: ${t.size}`);
    }
    if (o.within !== undefined && cgroups.length === 0 && h.kind === 'v2') continue;
    if (!dying) continue;
    let severity: Severity = dying >= 10_000 ? 'critical' : dying >= 1_000 ? 'warning' : 'info';
    if (isMemory && memRow) {
      const headroom = MEMCG_ID_LIMIT - memRow.numCgroups;
      evidence.push(`memory cgroups in use (live + dying): ${memRow.numCgroups} of the kernel's ${MEMCG_ID_LIMIT} memcg IDs; headroom ${headroom}`);
      if (headroom < MEMCG_ID_LIMIT * 0.05) severity = 'critical';
      else if (headroom < MEMCG_ID_LIMIT * 0.25 && severity === 'info') severity = 'warning';
    }
    out.push({
      kind: 'dying-cgroups',
      severity,
      confidence: h.kind === 'v2' ? 'high' : 'medium',
      title: `${dying} dying cgroup(s) in the ${h.name} hierarchy${isMemory ? ' (memory cgroups: they share the kernel memcg ID space)' : ''}`,
      cgroups,
      evidence,
    });
  }
  return out;
}
