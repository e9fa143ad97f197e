import type { RuntimeFacts } from '../facts/nodeFacts';
import { displayOf } from '../model/bytes';
import { cgroupPath, type Snapshot } from '../model/snapshot';
import { isWithin, type AnalysisOptions } from './analysisOptions';
import { dirOf, nowOf, refOf, type IndexedHierarchy } from './cgroupIndex';
import type { CgroupRef, Finding } from './finding';

/** Many empty run-*.scope cgroups under a system.slice: the scopes of kubelet's systemd-run mounts (kubernetes#64137, #70324). */
export function findTransientMountLeak(s: Snapshot, index: IndexedHierarchy[], o: AnalysisOptions = {}): Finding[] {
  const threshold = o.transientScopeThreshold ?? 20;
  const now = nowOf(s, o.now);
  // Per system.slice; one hierarchy is enough (they all show systemd's units): the one with the most.
  const best = new Map<string, CgroupRef[]>();
  for (const ih of index) {
    const bySlice = new Map<number, CgroupRef[]>();
    for (let i = 1; i < ih.h.tree.size; i++) {
      if (!ih.ids[i]!.transientMount || ih.subtreeProcs[i]! > 0) continue;
      const parent = ih.h.tree.parent[i]!;
      if (ih.h.tree.names[parent] !== 'system.slice' || !isWithin(cgroupPath(ih.h, ih.h.tree.path(i)), o.within)) continue;
      const list = bySlice.get(parent) ?? [];
      list.push(refOf(ih.h, i, now));
      bySlice.set(parent, list);
    }
    for (const [parent, refs] of bySlice) {
      const key = cgroupPath(ih.h, ih.h.tree.path(parent));
      if (refs.length > (best.get(key)?.length ?? 0)) best.set(key, refs);
    }
  }
  const out: Finding[] = [];
  for (const [slice, refs] of best) {
    if (refs.length < threshold) continue;
    out.push({
      kind: 'transient-mount-scope-leak',
      severity: refs.length >= threshold * 10 ? 'critical' : 'warning',
      confidence: 'medium',
      title: `${refs.length} empty transient run-*.scope cgroups under ${displayOf(slice)}`,
      cgroups: refs,
      evidence: [
        `${refs.length} run-*.scope directories with empty cgroup.procs under ${displayOf(refs[0]!.dir.slice(0, refs[0]!.dir.lastIndexOf('/')))} (threshold ${threshold})`,
        'known cause: the scopes of kubelet\'s systemd-run mounts stay behind empty (https://github.com/kubernetes/kubernetes/issues/64137, https://github.com/kubernetes/kubernetes/issues/70324); no systemd release is known to fix it',
      ],
    });
  }
  return out;
}

/** kmem accounting on 3.10 kernels leaks memory cgroups: their slab caches outlive them. */
export function findKmem(s: Snapshot, f: RuntimeFacts): Finding[] {
  const kernel = f.kernel ?? s.node.kernel ?? '';
  if (!kernel.startsWith('3.10.')) return [];
  // The first two lines of memory.kmem.slabinfo are its header; more means kmem is being accounted.
  const used = f.kmemSlabinfo.filter((k) => k.value > 2);
  if (!used.length) return [];
  const nokmem = /\bcgroup\.memory=nokmem\b/.test(s.node.cmdline ?? '');
  return [
    {
      kind: 'kmem-accounting',
      severity: 'critical',
      confidence: nokmem ? 'low' : 'high',
      title: `kernel ${kernel} accounts kernel memory in ${used.length} pod memory cgroup(s)`,
      cgroups: [],
      evidence: [
        `kernel release ${kernel} (/proc/sys/kernel/osrelease)`,
        ...used.slice(0, 5).map((k) => `${k.source}: ${k.value} lines (entries beyond the 2-line header)`),
        nokmem ? '/proc/cmdline already has cgroup.memory=nokmem' : '/proc/cmdline has no cgroup.memory=nokmem',
      ],
    },
  ];
}

/** Pods near their pids.max, and a node near kernel.pid_max. */
export function findPidsPressure(s: Snapshot, index: IndexedHierarchy[], o: AnalysisOptions = {}): Finding[] {
  const ratio = o.pidsPressureRatio ?? 0.9;
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const ih of index) {
    const t = ih.h.tree;
    for (let i = 0; i < t.size; i++) {
      const k = ih.ids[i]!.k8s;
      if (k?.role !== 'pod') continue;
      const cur = t.stat('pids', i);
      const max = t.stat('pidsMax', i);
      if (!(max > 0) || !Number.isFinite(max) || !(cur >= max * ratio)) continue;
      const path = cgroupPath(ih.h, t.path(i));
      if (seen.has(path) || !isWithin(path, o.within)) continue;
      seen.add(path);
      out.push({
        kind: 'pids-pressure',
        severity: cur >= max ? 'critical' : 'warning',
        confidence: 'high',
        title: `pod ${k.podUid} uses ${cur} of its ${max} pids`,
        cgroups: [{ hierarchy: ih.h.name, path, dir: dirOf(ih.h, i) }],
        evidence: [`${displayOf(dirOf(ih.h, i))}/pids.current ${cur}, pids.max ${max}`],
        ...(k.podUid ? { podUid: k.podUid } : {}),
      });
    }
  }
  // /proc/loadavg's fourth field is running/total scheduling entities: every thread holds a PID.
  const total = Number(/\d+\/(\d+)/.exec(s.node.loadavg ?? '')?.[1]);
  const pidMax = s.node.pidMax;
  if (o.within === undefined && pidMax && total >= pidMax * Math.min(ratio, 0.8)) {
    out.push({
      kind: 'pids-pressure',
      severity: total >= pidMax * 0.95 ? 'critical' : 'warning',
      confidence: 'high',
      title: `the node has ${total} threads of kernel.pid_max ${pidMax}`,
      cgroups: [],
      evidence: [`/proc/loadavg: ${s.node.loadavg}`, `/proc/sys/kernel/pid_max: ${pidMax}`],
    });
  }
  return out;
}

/** A release agent runs as root in the initial namespaces on every cgroup release: a known escape path. */
export function findReleaseAgent(f: RuntimeFacts): Finding[] {
  // systemd on a v1 host installs its own agent on its name=systemd hierarchy: that one is expected.
  const set = f.releaseAgents.filter((r) => r.value !== '' && !(/\/systemd-cgroups-agent$/.test(r.value) && /\/systemd\/release_agent$/.test(r.source)));
  if (!set.length) return [];
  return [
    {
      kind: 'release-agent-set',
      severity: 'critical',
      confidence: 'high',
      title: `a cgroup v1 release_agent is set (${set.map((r) => r.source).join(', ')})`,
      cgroups: [],
      evidence: set.map((r) => `${r.source}: ${JSON.stringify(r.value)} (runs as root for every released cgroup with notify_on_release=1; abused for container escapes, e.g. CVE-2022-0492)`),
    },
  ];
}
