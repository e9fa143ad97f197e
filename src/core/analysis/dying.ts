import { displayOf } from '../model/bytes';
import { cgroupPath, type Snapshot } from '../model/snapshot';
import { formatKiB } from '../report/format';
import { isWithin, MEMCG_ID_LIMIT, type AnalysisOptions } from './analysisOptions';
import type { CgroupRef, Finding, Severity } from './finding';
import { dirOf } from './cgroupIndex';
import type { LogMatch } from './logSignatures';
import { memcgIdVerdict, type MemcgIdVerdict } from './memcgIds';
import { fileEvidence, note, sourceEvidence, type Evidence } from './evidence';

/**
 * Unreclaimable kernel memory (Percpu + SUnreclaim) as a share of MemTotal at which the memory
 * dying memory cgroups hold is a warning, and critical. Neither counts against any pod's limit,
 * and reclaim cannot give it back, so it is memory the node silently loses. A healthy node keeps
 * it near 1% (this project's CI machine: 0.12%, 28,752 + 792 kB of 24,683,756 kB); 5% is several
 * times that, and at 10% the node has lost a tenth of its memory, far more than kubelet's default
 * hard eviction margin (memory.available < 100Mi) allows for. These are this project's judgment,
 * not upstream numbers. The alert rule uses the same two (fixes/monitoring.ts).
 */
export const KERNEL_MEMORY_SHARE = { warning: 0.05, critical: 0.1 } as const;

/** Below this many dying memory cgroups, the node's unreclaimable memory is not blamed on them. */
export const MEMORY_BLAME_MIN = 1_000;

const pct = (x: number): string => `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;
const max = (a: Severity, b: Severity): Severity => (a === 'critical' || b === 'critical' ? 'critical' : a === 'warning' || b === 'warning' ? 'warning' : 'info');

/** Percpu + SUnreclaim as a share of MemTotal, with the lines that show it; undefined when /proc/meminfo could not tell. */
function kernelMemoryShare(s: Snapshot): { share: number; evidence: Evidence } | undefined {
  const m = s.node.meminfo;
  if (!m?.memTotalKb || m.sUnreclaimKb === undefined) return undefined;
  const held = m.sUnreclaimKb + (m.percpuKb ?? 0);
  const parts = [`SUnreclaim ${formatKiB(m.sUnreclaimKb)}`, m.percpuKb !== undefined ? `Percpu ${formatKiB(m.percpuKb)}` : 'no Percpu line (before Linux 4.16)', ...(m.slabKb !== undefined ? [`Slab ${formatKiB(m.slabKb)}`] : []), `MemTotal ${formatKiB(m.memTotalKb)}`];
  const share = held / m.memTotalKb;
  return { share, evidence: fileEvidence('/proc/meminfo', `${parts.join(', ')}; unreclaimable kernel memory (SUnreclaim + Percpu) ${formatKiB(held)} = ${pct(share)} of MemTotal (node-wide: dying memory cgroups keep their per-cpu and slab memory until freed, and are part of it)`) };
}

/**
 * Removed cgroups the kernel still holds. v2 counts them per subtree (cgroup.stat
 * nr_dying_descendants); v1 only as /proc/cgroups num_cgroups minus the live directories, which
 * needs a walk of the whole hierarchy. For memory cgroups what they cost depends on the kernel
 * (memcgIds.ts): where a removed memcg keeps its ID (before Linux 4.7, RHEL 7) live and dying
 * share the 65,535 memcg IDs and a node that runs out can make no new memory cgroup; elsewhere the
 * ID is given back and what they hold is memory (per-cpu and unreclaimable slab).
 */
export function findDying(s: Snapshot, o: AnalysisOptions = {}): Finding[] {
  const out: Finding[] = [];
  const memRow = s.procCgroups.find((r) => r.subsys === 'memory' && r.enabled);
  const verdict = memcgIdVerdict(s.node.kernel);
  for (const h of s.hierarchies) {
    const t = h.tree;
    if (t.size === 0) continue;
    const isMemory = h.controllers.includes('memory') || (h.kind === 'v2' && memRow?.hierarchy === 0 && !Number.isNaN(t.stat('memory', Math.min(1, t.size - 1))));
    let dying: number | undefined;
    const evidence: Evidence[] = [];
    const cgroups: CgroupRef[] = [];
    if (h.kind === 'v2') {
      const d = t.stat('nrDying', 0);
      if (Number.isNaN(d)) continue;
      dying = d;
      evidence.push(fileEvidence(`${displayOf(dirOf(h, 0))}/cgroup.stat`, `nr_dying_descendants ${d}`));
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
        evidence.push(note(`${n} dying directly below ${displayOf(path)}`));
      }
    } else {
      const row = s.procCgroups.find((r) => h.controllers.includes(r.subsys));
      const whole = h.mountRoot === '/' && h.basePath === '/' && h.bounds.length === 0;
      if (!row || !whole) continue;
      dying = Math.max(0, row.numCgroups - t.size);
      evidence.push(fileEvidence('/proc/cgroups', `${row.subsys} num_cgroups ${row.numCgroups}; live directories under ${displayOf(h.walkRoot)}: ${t.size}`));
    }
    if (o.within !== undefined && cgroups.length === 0 && h.kind === 'v2') continue;
    if (!dying) continue;
    let severity: Severity = dying >= 10_000 ? 'critical' : dying >= 1_000 ? 'warning' : 'info';
    let titleNote = '';
    if (isMemory && memRow) {
      const m = memoryVerdict(s, verdict, memRow.numCgroups, dying);
      severity = m.severity;
      titleNote = ` (${m.note})`;
      evidence.push(...m.evidence);
    }
    out.push({
      kind: 'dying-cgroups',
      severity,
      confidence: h.kind === 'v2' ? 'high' : 'medium',
      title: `${dying} dying cgroup(s) in the ${h.name} hierarchy${titleNote}`,
      cgroups,
      evidence,
    });
  }
  return out;
}

/** What dying memory cgroups cost on this kernel: memcg IDs where they hold them, else memory. */
function memoryVerdict(s: Snapshot, v: MemcgIdVerdict, inUse: number, dying: number): { severity: Severity; note: string; evidence: Evidence[] } {
  const headroom = MEMCG_ID_LIMIT - inUse;
  const evidence: Evidence[] = [{ kind: 'memcg-ids', ids: v.ids, why: v.why }, ...v.sources.map(sourceEvidence)];
  const mem = kernelMemoryShare(s);
  if (mem) evidence.push(mem.evidence);
  else evidence.push(fileEvidence('/proc/meminfo', 'could not be read (MemTotal, SUnreclaim): the memory dying memory cgroups hold is not judged'));
  const memSeverity: Severity = !mem || dying < MEMORY_BLAME_MIN ? 'info' : mem.share >= KERNEL_MEMORY_SHARE.critical ? 'critical' : mem.share >= KERNEL_MEMORY_SHARE.warning ? 'warning' : 'info';
  if (v.ids === 'held') {
    evidence.push(note(`memory cgroups in use (live + dying): ${inUse} of the kernel's ${MEMCG_ID_LIMIT} memcg IDs; headroom ${headroom}; when they run out, mkdir of a memory cgroup fails with ${v.mkdirError}`));
    // Count, then headroom: 5% left is critical, 25% left at least a warning.
    let severity: Severity = dying >= 10_000 ? 'critical' : dying >= 1_000 ? 'warning' : 'info';
    if (headroom < MEMCG_ID_LIMIT * 0.05) severity = 'critical';
    else if (headroom < MEMCG_ID_LIMIT * 0.25 && severity === 'info') severity = 'warning';
    return { severity: max(severity, memSeverity), note: `memory cgroups: on this kernel live and dying share the ${MEMCG_ID_LIMIT} memcg IDs, ${headroom} left`, evidence };
  }
  // Released or unknown: no claim of ID exhaustion. Many dying cgroups are still a leak sign (a
  // warning), and what they hold is memory.
  const countSeverity: Severity = dying >= 10_000 ? 'warning' : 'info';
  evidence.push(
    note(
      v.ids === 'released'
        ? `memory cgroups in use (live + dying): ${inUse}; dying ones do not hold memcg IDs here, so this is not ID headroom (IDs run out only with ${MEMCG_ID_LIMIT} live memory cgroups or IDs pinned by swapped-out pages; mkdir would then fail with ${v.mkdirError})`
        : `memory cgroups in use (live + dying): ${inUse} of ${MEMCG_ID_LIMIT} memcg IDs if removed ones hold IDs on this kernel, which is unconfirmed`,
    ),
  );
  const memNote = mem ? `, unreclaimable kernel memory ${pct(mem.share)} of MemTotal` : '';
  const verdictNote = v.ids === 'released' ? `memory cgroups: they hold memory, not memcg IDs, on this kernel${memNote}` : `memory cgroups: whether they hold memcg IDs on this kernel is unconfirmed${memNote}`;
  return { severity: max(countSeverity, memSeverity), note: verdictNote, evidence };
}

/**
 * Failed mkdirs of cgroups in the node's logs (ENOSPC or ENOMEM) make a memory dying-cgroups
 * finding critical whatever the kernel: IDs (or memory) ran out for real. Called by the evidence
 * report; returns the findings it raised.
 */
export function raiseOnFailedMkdir(findings: Finding[], matches: readonly LogMatch[]): Finding[] {
  const failed = matches.filter((m) => m.signature === 'cgroup-mkdir-enospc' || m.signature === 'cgroup-mkdir-enomem');
  if (!failed.length) return [];
  const raised: Finding[] = [];
  for (const f of findings) {
    // The memory hierarchy's finding is the one that carries the memcg ID verdict.
    if (f.kind !== 'dying-cgroups' || !f.evidence.some((e) => e.kind === 'memcg-ids')) continue;
    f.severity = 'critical';
    f.evidence.push(note(`${failed.length} failed cgroup mkdir(s) in the logs (${[...new Set(failed.map((m) => m.signature))].join(', ')}): new memory cgroups could not be made on this node, whatever the kernel's release suggests (all ${MEMCG_ID_LIMIT} memcg IDs in use, IDs pinned by swapped-out pages, or kernel memory exhausted)`));
    raised.push(f);
  }
  return raised;
}
