import { displayOf } from '../model/bytes';
import { cgroupPath, type Snapshot } from '../model/snapshot';
import { knownContainerIds, knownPodUids, type RuntimeFacts } from '../facts/nodeFacts';
import { DEFAULT_GRACE_SECONDS, isWithin, type AnalysisOptions } from './analysisOptions';
import { indexSnapshot, nowOf, refOf, subtreeLeafFirst, type IndexedHierarchy } from './cgroupIndex';
import type { CgroupRef, Finding } from './finding';
import { note } from './evidence';

interface Place {
  ih: IndexedHierarchy;
  i: number;
}

/**
 * Pod cgroups whose UID no source on the node knows, and container cgroups (in known pods) whose
 * ID the runtime does not know. Undefined when no source of pods could be read: then nobody can
 * tell a leak from a live pod, and saying "clean" would be a lie.
 */
export function findOrphans(s: Snapshot, facts: RuntimeFacts, o: AnalysisOptions = {}, index = indexSnapshot(s)): Finding[] | undefined {
  const known = knownPodUids(facts);
  if (!known) return undefined;
  const now = nowOf(s, o.now);
  const grace = o.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  const pods = new Map<string, Place[]>();
  const containers = new Map<string, Place[]>();
  for (const ih of index) {
    for (let i = 0; i < ih.h.tree.size; i++) {
      const k = ih.ids[i]!.k8s;
      if (!k || (k.role !== 'pod' && k.role !== 'container')) continue;
      if (o.within !== undefined && !isWithin(cgroupPath(ih.h, ih.h.tree.path(i)), o.within)) continue;
      if (k.role === 'pod' && k.podUid) push(pods, k.podUid, { ih, i });
      else if (k.role === 'container' && k.containerId) push(containers, `${k.podUid ?? ''}/${k.containerId}`, { ih, i });
    }
  }
  const out: Finding[] = [];
  const orphanPods = new Set<string>();
  for (const [uid, places] of pods) {
    if (known.uids.has(uid)) continue;
    const processes = Math.max(...places.map((p) => p.ih.subtreeProcs[p.i]!));
    // Never below 0 s: the node's clock (read once, at the scan's start) and the kernel's coarse
    // file times can disagree by a tick, and a cgroup made then is new, not from the future.
    const newest = Math.max(...places.map((p) => p.ih.subtreeMtime[p.i]!).filter((m) => !Number.isNaN(m)));
    const age = Number.isFinite(newest) ? Math.max(0, now - newest) : undefined;
    if (processes === 0 && age !== undefined && age < grace) continue; // kubelet may be starting it
    orphanPods.add(uid);
    const cgroups = refsLeafFirst(places, now);
    const shown = displayOf(cgroups[cgroups.length - 1]!.path);
    const evidence = [
      note(`no source knows pod UID ${uid}: looked in ${known.sources.join(', ')}`),
      note(processes > 0 ? `${processes} process(es) still in its cgroups (cgroup.procs under ${displayOf(places[0]!.ih.h.walkRoot)})` : 'no processes in any of its cgroups (cgroup.procs empty)'),
      note(age !== undefined ? `last changed ${Math.round(age)} s ago (directory mtime; grace period ${grace} s)` : 'age unknown (the scan could not read directory mtimes)'),
    ];
    const children = new Set(cgroups.map((c) => c.path)).size - 1;
    if (children > 0) evidence.push(note(`${children} child cgroup(s) below it`));
    // Without an age an empty pod cgroup may be one kubelet is just starting: said, not acted on.
    const ageless = processes === 0 && age === undefined;
    out.push({
      kind: 'orphaned-pod-cgroup',
      severity: processes > 0 ? 'critical' : ageless ? 'info' : 'warning',
      confidence: ageless ? 'low' : known.sources.length > 1 ? 'high' : 'medium',
      title: `orphaned pod cgroup ${shown}${processes > 0 ? ` with ${processes} leftover process(es)` : ''}`,
      cgroups,
      evidence,
      podUid: uid,
      processes,
    });
  }
  const knownIds = knownContainerIds(facts);
  if (knownIds) {
    for (const [key, places] of containers) {
      const [uid, id] = key.split('/') as [string, string];
      if (orphanPods.has(uid) || knownIds.ids.has(id)) continue;
      const processes = Math.max(...places.map((p) => p.ih.subtreeProcs[p.i]!));
      const newest = Math.max(...places.map((p) => p.ih.subtreeMtime[p.i]!).filter((m) => !Number.isNaN(m)));
      const age = Number.isFinite(newest) ? Math.max(0, now - newest) : undefined;
      if (processes === 0 && age !== undefined && age < grace) continue;
      const cgroups = refsLeafFirst(places, now);
      out.push({
        kind: 'orphaned-container-cgroup',
        severity: processes > 0 ? 'critical' : 'warning',
        confidence: 'high',
        title: `orphaned container cgroup ${displayOf(cgroups[cgroups.length - 1]!.path)}${processes > 0 ? ` with ${processes} leftover process(es)` : ''}`,
        cgroups,
        evidence: [
          note(`the runtime does not know container ${id} (asked: ${knownIds.sources.join(', ')}), though its pod ${uid} is known`),
          note(processes > 0 ? `${processes} process(es) still in it` : 'no processes in it'),
        ],
        podUid: uid,
        containerId: id,
        processes,
      });
    }
  }
  // The cgroups of each failed unit by name, in one pass over the trees (not one per unit).
  const failed = facts.systemdFailedUnits ?? [];
  const unitPlaces = new Map<string, Place[]>();
  if (failed.length) {
    const wanted = new Set(failed.map((u) => u.unit));
    for (const ih of index) {
      for (let i = 1; i < ih.h.tree.size; i++) {
        const name = ih.h.tree.names[i]!;
        if (wanted.has(name) && isWithin(cgroupPath(ih.h, ih.h.tree.path(i)), o.within)) push(unitPlaces, name, { ih, i });
      }
    }
  }
  for (const u of failed) {
    const places = unitPlaces.get(u.unit) ?? [];
    if (o.within !== undefined && places.length === 0) continue;
    out.push({
      kind: 'failed-systemd-unit',
      severity: 'warning',
      confidence: 'high',
      title: `systemd keeps ${u.sub} unit ${u.unit}`,
      cgroups: refsLeafFirst(places, now),
      evidence: [{ kind: 'command', command: 'systemctl list-units --all --state=failed,abandoned', output: `${u.unit} ${u.load} ${u.active} ${u.sub}` }],
      unit: u.unit,
    });
  }
  return out;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** Every directory of the places' subtrees, in every hierarchy, deepest first. */
function refsLeafFirst(places: Place[], now: number): CgroupRef[] {
  const refs: { ref: CgroupRef; depth: number }[] = [];
  for (const p of places) {
    for (const i of subtreeLeafFirst(p.ih.h, p.i)) refs.push({ ref: refOf(p.ih.h, i, now), depth: p.ih.h.tree.depth(i) });
  }
  // Stable: within one hierarchy the post-order is kept; across hierarchies deeper goes first.
  return refs.sort((a, b) => b.depth - a.depth).map((r) => r.ref);
}
