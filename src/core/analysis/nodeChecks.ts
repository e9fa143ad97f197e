import type { RuntimeFacts } from '../facts/nodeFacts';
import { displayOf } from '../model/bytes';
import { cgroupPath, type Snapshot } from '../model/snapshot';
import { isWithin, type AnalysisOptions } from './analysisOptions';
import { dirOf, nowOf, refOf, type IndexedHierarchy } from './cgroupIndex';
import type { CgroupRef, Finding, Severity } from './finding';
import { kernelVersion } from './memcgIds';
import { cmdlineHasNokmem } from '../model/kernelCmdline';
import { fileEvidence, note, sourceEvidence } from './evidence';

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
        note(`${refs.length} run-*.scope directories with empty cgroup.procs under ${displayOf(refs[0]!.dir.slice(0, refs[0]!.dir.lastIndexOf('/')))} (threshold ${threshold})`),
        note('known cause: the scopes of kubelet\'s systemd-run mounts stay behind empty (https://github.com/kubernetes/kubernetes/issues/64137, https://github.com/kubernetes/kubernetes/issues/70324); no systemd release is known to fix it'),
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
  const nokmem = cmdlineHasNokmem(s.node.cmdline ?? '');
  return [
    {
      kind: 'kmem-accounting',
      severity: 'critical',
      confidence: nokmem ? 'low' : 'high',
      title: `kernel ${kernel} accounts kernel memory in ${used.length} pod memory cgroup(s)`,
      cgroups: [],
      evidence: [
        note(`kernel release ${kernel} (/proc/sys/kernel/osrelease)`),
        ...used.slice(0, 5).map((k) => fileEvidence(k.source, `${k.value} lines (entries beyond the 2-line header)`)),
        note(nokmem ? '/proc/cmdline already has cgroup.memory=nokmem' : '/proc/cmdline has no cgroup.memory=nokmem'),
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
        evidence: [note(`${displayOf(dirOf(ih.h, i))}/pids.current ${cur}, pids.max ${max}`)],
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
      evidence: [fileEvidence('/proc/loadavg', `${s.node.loadavg}`), fileEvidence('/proc/sys/kernel/pid_max', `${pidMax}`)],
    });
  }
  return out;
}

/**
 * CVE-2022-0492 is about who can write a v1 hierarchy's release_agent: before 24f600856418
 * "cgroup-v1: Require capabilities to set release_agent" (Eric W. Biederman, first release v5.17;
 * "Cc: stable # v2.6.24+", the stable release numbers are not confirmed here) a process with
 * CAP_SYS_ADMIN in its own user namespace (a container that may unshare one) could mount a v1
 * hierarchy and set the agent, which the kernel then runs as root on the host. From the fix on,
 * only CAP_SYS_ADMIN in the initial user namespace may: an agent set by the host is no escape
 * path in itself. The finding's severity follows who could have written it, from what the node
 * shows: the agent's path (a file inside a container's filesystem is the escape's signature), the
 * kernel release, and v1 hierarchies attached but not in the host's mount table (their agent
 * cannot be read here). What it cannot see: which process wrote an agent, and which containers
 * have a v1 hierarchy mounted writable (their mount namespaces are not read).
 */
const RELEASE_AGENT_FIX = 'https://git.kernel.org/torvalds/c/24f600856418 (CVE-2022-0492; first in v5.17; stable backports exist, their releases unconfirmed here)';

/** Where container runtimes keep containers' filesystems: an agent there runs a container's file. */
const CONTAINER_FS = /^\/(?:var\/lib\/(?:docker|containerd|containers|kubelet\/pods|rancher\/k3s\/agent\/containerd)|run\/(?:containerd|containers|k3s))\/|\/(?:overlay2?|snapshots|rootfs|merged|upper|diff)\//;

/** A release agent runs as root in the initial namespaces on every cgroup release: who could have set it decides how bad it is. */
export function findReleaseAgent(f: RuntimeFacts, s?: Snapshot): Finding[] {
  // systemd on a v1 host installs its own agent on its name=systemd hierarchy: that one is expected.
  const set = f.releaseAgents.filter((r) => r.value !== '' && !(/\/systemd-cgroups-agent$/.test(r.value) && /\/systemd\/release_agent$/.test(r.source)));
  const kernel = f.kernel ?? s?.node.kernel;
  const v = kernel ? kernelVersion(kernel) : undefined;
  const fixed = v !== undefined && (v[0] > 5 || (v[0] === 5 && v[1] >= 17));
  const kernelLine = !kernel
    ? 'kernel release unknown: whether it refuses release_agent writes from other user namespaces (24f600856418) is unconfirmed'
    : fixed
      ? `kernel ${kernel} (5.17 or later) has 24f600856418: only CAP_SYS_ADMIN in the initial user namespace (root on the host) can set a release_agent`
      : `kernel ${kernel} predates 5.17: unless it carries a stable backport of 24f600856418 (unconfirmed for this build), a process with CAP_SYS_ADMIN in its own user namespace (a container allowed to unshare one) can set a release_agent`;
  const hidden = hiddenHierarchies(s);
  const hiddenLine = hidden.length ? [note(`v1 controller(s) ${hidden.join(', ')} attached to a hierarchy the host's mount table does not show (mounted in another mount namespace such as a container's, or unmounted with cgroups left): its release_agent could not be read here`)] : [];
  const unseen = note('not visible from the node: which process set an agent, and which containers have a v1 hierarchy mounted writable');
  const out: Finding[] = [];
  if (set.length) {
    const inContainer = set.filter((r) => CONTAINER_FS.test(r.value));
    const severity: Severity = inContainer.length ? 'critical' : fixed ? 'info' : 'warning';
    out.push({
      kind: 'release-agent-set',
      severity,
      confidence: inContainer.length || fixed ? 'high' : 'medium',
      title: inContainer.length
        ? `a cgroup v1 release_agent runs a file inside a container's filesystem (${inContainer.map((r) => r.source).join(', ')}): the CVE-2022-0492 escape pattern`
        : `a cgroup v1 release_agent is set (${set.map((r) => r.source).join(', ')})${fixed ? ', by the host: this kernel lets no container set it' : ', and this kernel may let a container set it'}`,
      cgroups: [],
      evidence: [
        ...set.map((r) => fileEvidence(r.source, `${JSON.stringify(r.value)} (runs as root in the host's namespaces for every released cgroup with notify_on_release=1)${CONTAINER_FS.test(r.value) ? '; the path is inside a container runtime\'s storage, as a container writing its own file as the agent leaves it' : ''}`)),
        note(kernelLine),
        ...hiddenLine,
        sourceEvidence(RELEASE_AGENT_FIX),
        unseen,
      ],
    });
  } else if (hidden.length && !fixed) {
    out.push({
      kind: 'release-agent-set',
      severity: 'warning',
      confidence: 'low',
      title: `a cgroup v1 hierarchy (${hidden.join(', ')}) is attached outside the host's mount table, on a kernel that may let a container set its release_agent`,
      cgroups: [],
      evidence: [...hiddenLine, note(kernelLine), sourceEvidence(RELEASE_AGENT_FIX), unseen],
    });
  }
  return out;
}

/** v1 controllers /proc/cgroups shows attached to a hierarchy (its ID is not 0) that no cgroup mount of the host's mount table carries. */
function hiddenHierarchies(s: Snapshot | undefined): string[] {
  if (!s || !s.mounts.length) return [];
  const mounted = new Set<string>();
  for (const m of s.mounts) {
    const tail = m.slice(m.indexOf(' - ') + 3).split(' ');
    if (tail[0] !== 'cgroup') continue;
    for (const o of (tail[2] ?? '').split(',')) mounted.add(o);
  }
  return s.procCgroups.filter((r) => r.enabled && r.hierarchy > 0 && !mounted.has(r.subsys)).map((r) => r.subsys);
}
