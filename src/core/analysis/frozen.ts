import type { RuntimeFacts } from '../facts/nodeFacts';
import { displayOf } from '../model/bytes';
import { FREEZER_STATE } from '../model/cgroupTree';
import type { K8sIdentity } from '../model/k8sIdentity';
import { cgroupPath, type Snapshot } from '../model/snapshot';
import { shellQuote } from '../shellQuote';
import { DEFAULT_GRACE_SECONDS, isWithin, type AnalysisOptions } from './analysisOptions';
import { dirOf, indexSnapshot, nowOf, refOf, type IndexedHierarchy } from './cgroupIndex';
import type { Confidence, Finding, Severity } from './finding';
import { compareVersions } from './versionAdvisories';
import { fileEvidence, note, sourceEvidence, type Evidence } from './evidence';

/**
 * The runc bug behind most frozen cgroups under kubepods, and what upstream did about it. Every
 * bound was read in the runc repository (tags, commits, CHANGELOG.md):
 * - runc#4534: a `runc create` killed (a containerd or kubelet timeout) after runc init started
 *   but before state.json was written leaves runc init behind, frozen when the kill came while
 *   the systemd v1 driver held the cgroup frozen to set unit properties; `runc delete` cannot
 *   find the container, so nothing removes it.
 * - Mitigation, PR #4757 (commit 1b39997e7, first in v1.4.0-rc.1) and its 1.3 backport #4793
 *   (commit 2ff795943, first in v1.3.1): state.json is written before the cgroup is set up, so
 *   `runc delete -f` can clean up. No 1.2.x backport (v1.2.7 to v1.2.9 lack it).
 * - Reverted for spurious "cannot start a container that has stopped" errors (#5151): #5153 on
 *   main (commit 5996fe143, first in v1.5.0-rc.1), #5157 (167269337, v1.4.1), #5158 (3755b0e48,
 *   v1.3.5). No other fix on main as of its commit 76d9cf5da (2026-08-19).
 * - Introduced: unconfirmed. The freeze during Set of the systemd v1 driver came with commit
 *   b810da149 (first in v1.0.0-rc91); upstream names no first affected release.
 */
export const RUNC_FROZEN_INIT = {
  issue: 'https://github.com/opencontainers/runc/issues/4534',
  /** Releases that carry the mitigation: [from, until) per branch. */
  mitigated: [
    ['1.3.1', '1.3.5'],
    ['1.4.0-rc.1', '1.4.1'],
  ] as const,
  sources: [
    'https://github.com/opencontainers/runc/issues/4534',
    'https://github.com/opencontainers/runc/pull/4757 (v1.4.0-rc.1)',
    'https://github.com/opencontainers/runc/pull/4793 (v1.3.1)',
    'https://github.com/opencontainers/runc/pull/5153 (revert, v1.5.0-rc.1)',
    'https://github.com/opencontainers/runc/pull/5157 (revert, v1.4.1)',
    'https://github.com/opencontainers/runc/pull/5158 (revert, v1.3.5)',
  ],
};

/** Whether a runc version carries the #4757/#4793 mitigation; undefined when it is not a version. */
export function runcHasFrozenInitMitigation(version: string): boolean | undefined {
  const v = version.trim().replace(/^v/, '');
  if (!/^\d/.test(v)) return undefined;
  return RUNC_FROZEN_INIT.mitigated.some(([from, until]) => compareVersions(v, from) >= 0 && compareVersions(v, until) < 0);
}

function runcEvidence(version: string | undefined): Evidence[] {
  const out = [
    `runc#4534: a runc create killed while it sets up the container (a containerd or kubelet timeout) leaves runc init behind before runc has written its state, so runc delete cannot remove it; on cgroup v1 with the systemd driver runc freezes the cgroup during that setup, and a kill then leaves it frozen`,
  ];
  const has = version === undefined ? undefined : runcHasFrozenInitMitigation(version);
  if (version === undefined || has === undefined) out.push(`runc version unknown (runc --version could not be read): the mitigation was only in runc 1.3.1-1.3.4 and 1.4.0`);
  else if (has) out.push(`runc ${version} carries the mitigation (PR #4757/#4793: state written before the cgroup is set up, so runc delete -f can remove such a container); a cgroup already frozen still has to be thawed`);
  else out.push(`runc ${version} does not carry the mitigation: only 1.3.1-1.3.4 (#4793) and 1.4.0 (#4757) did; 1.3.5, 1.4.1 and 1.5.0 reverted it (#5158, #5157, #5153) and 1.2.x never had it, so no current runc release fixes this`);
  out.push('first affected runc release: unconfirmed (the freeze during setup came with runc 1.0.0-rc91, commit b810da149)');
  return [...out.map(note), ...RUNC_FROZEN_INIT.sources.map(sourceEvidence)];
}

/** Cgroups below i (not counting i) that report frozen or freezing: they inherit i's state. */
function frozenBelow(ih: IndexedHierarchy, i: number): number {
  let n = 0;
  const visit = (c: number): void => {
    for (const d of ih.h.tree.children(c)) {
      if (isFrozen(ih.h.tree.stat('frozen', d))) n++;
      visit(d);
    }
  };
  visit(i);
  return n;
}

const isFrozen = (v: number): boolean => v === FREEZER_STATE.frozen || v === FREEZER_STATE.freezing;

/**
 * Frozen cgroups: v2 cgroup.events "frozen 1", v1 freezer.state FROZEN or FREEZING. Only the top of
 * each frozen subtree is reported (a cgroup below a frozen one reports frozen too). Kubernetes
 * never pauses a container, so one under kubepods is left over, most often by runc#4534; one
 * elsewhere may be paused on purpose (docker pause, ctr task pause) and is info.
 */
export function findFrozen(s: Snapshot, f: RuntimeFacts, o: AnalysisOptions = {}, index = indexSnapshot(s)): Finding[] {
  const out: Finding[] = [];
  const now = nowOf(s, o.now);
  const grace = o.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  for (const ih of index) {
    const h = ih.h;
    if (h.kind === 'v1' && !h.controllers.includes('freezer')) continue;
    const t = h.tree;
    for (let i = 1; i < t.size; i++) {
      const state = t.stat('frozen', i);
      if (!isFrozen(state) || isFrozen(t.stat('frozen', t.parent[i]!))) continue;
      const path = cgroupPath(h, t.path(i));
      if (!isWithin(path, o.within)) continue;
      const dir = dirOf(h, i);
      const shown = displayOf(dir);
      const k8s = ih.ids[i]!.k8s;
      const processes = ih.subtreeProcs[i]!;
      const mtime = ih.subtreeMtime[i]!;
      const age = Number.isNaN(mtime) ? undefined : Math.max(0, now - mtime);
      const line = h.kind === 'v2' ? fileEvidence(`${shown}/cgroup.events`, 'frozen 1') : fileEvidence(`${shown}/freezer.state`, state === FREEZER_STATE.freezing ? 'FREEZING' : 'FROZEN');
      const evidence: Evidence[] = [line];
      const say = (text: string): void => void evidence.push(note(text));
      const below = frozenBelow(ih, i);
      if (below > 0) say(`${below} cgroup(s) below it report frozen too (inherited from this one)`);
      if (state === FREEZER_STATE.freezing) say('FREEZING: the kernel has not managed to stop every task in it (a freeze in progress, or one stuck on a task that will not stop)');
      if (processes > 0) {
        say(
          h.kind === 'v1'
            ? `${processes} process(es) in it and below (cgroup.procs): on cgroup v1 a frozen process does not die, not even on SIGKILL, until the cgroup is thawed, and the cgroup cannot be removed (rmdir: EBUSY) while they live`
            : `${processes} process(es) in it and below (cgroup.procs): they do not run; on cgroup v2 SIGKILL still kills a frozen process`,
        );
      } else {
        say('no process in it or below (cgroup.procs empty): an empty frozen cgroup can be removed, but every process and cgroup put below it starts frozen');
      }
      if (age !== undefined) say(`last changed ${Math.round(age)} s ago (directory mtime of its subtree; grace period ${grace} s)`);
      const young = age !== undefined && age < grace;
      if (young) say('within the grace period: runc holds a new container\'s cgroup frozen for a moment while it sets it up (systemd driver, cgroup v1); scan again before acting');
      const nested = k8s?.role === 'pod-other' && k8s.containerId !== undefined;
      if (nested) {
        say(`inside container ${k8s.containerId}: a cgroup the workload made and froze itself (a runtime nested in the container), not Kubernetes'`);
      } else if (k8s) {
        say(`Kubernetes never pauses a container: a frozen cgroup under kubepods is left over (a runc create or update killed while the cgroup was frozen), or someone paused it by hand (runc pause, ctr task pause)`);
        if (k8s.role === 'container' && processes > 0) say('what a killed runc create leaves here is runc init (command line "runc init", name runc:[2:INIT] or another runc:[N:...] stage): list the processes with cgroup-forensics inspect');
        // runc freezes the container's own cgroup (systemd driver, cgroup v1), never a pod's.
        if (h.kind === 'v1' && k8s.role === 'container') evidence.push(...runcEvidence(f.runcVersion));
      }
      evidence.push(...whatToDo(h.kind, dir, processes > 0));
      const { severity, confidence } = judge(k8s, h.kind, processes, young);
      const what = k8s ? `${ROLE_LABEL[k8s.role]} ${displayOf(path)}${processes > 0 ? ` with ${processes} process(es) stopped in it` : ' (empty)'}` : '';
      const finding: Finding = {
        kind: 'frozen-cgroup',
        severity,
        confidence,
        title: !k8s
          ? `cgroup ${displayOf(path)} is frozen (outside Kubernetes: paused on purpose?)`
          : nested
            ? `frozen ${what} (made by the workload: paused on purpose?)`
            : `frozen ${what}`,
        cgroups: [refOf(h, i, now)],
        evidence,
      };
      if (k8s?.podUid) finding.podUid = k8s.podUid;
      if (k8s?.containerId) finding.containerId = k8s.containerId;
      if (processes > 0) finding.processes = processes;
      out.push(finding);
    }
  }
  return out;
}

const ROLE_LABEL: Record<K8sIdentity['role'], string> = {
  kubepods: 'kubepods cgroup',
  qos: 'QoS cgroup',
  pod: 'pod cgroup',
  container: 'container cgroup',
  'pod-other': 'cgroup in a pod',
};

function judge(k8s: K8sIdentity | undefined, kind: 'v1' | 'v2', processes: number, young: boolean): { severity: Severity; confidence: Confidence } {
  // Outside Kubernetes, or made by a workload inside its own container: someone's own pause.
  if (!k8s || (k8s.role === 'pod-other' && k8s.containerId !== undefined)) return { severity: 'info', confidence: 'medium' };
  if (young) return { severity: 'info', confidence: 'low' };
  // A frozen pod, QoS or kubepods cgroup freezes every container started below it (runc refuses
  // one: "container's cgroup unexpectedly frozen"), empty or not.
  if (k8s.role === 'kubepods' || k8s.role === 'qos' || k8s.role === 'pod') return { severity: 'critical', confidence: 'medium' };
  // On v1 nothing can kill what is frozen there; on v2 SIGKILL still works, so the runtime's stop does.
  if (processes > 0) return { severity: kind === 'v1' ? 'critical' : 'warning', confidence: 'medium' };
  return { severity: 'warning', confidence: 'medium' };
}

/** What an operator does, as text: the tool itself never writes a cgroup file. */
function whatToDo(kind: 'v1' | 'v2', dir: string, hasProcs: boolean): Evidence[] {
  const d = shellQuote(displayOf(dir));
  const thaw = kind === 'v1' ? `echo THAWED > ${d}/freezer.state` : `echo 0 > ${d}/cgroup.freeze`;
  const out = [`what to do: look at what is in it first (cat ${d}/cgroup.procs, or cgroup-forensics inspect); a cgroup paused on purpose is thawed by whoever paused it`, `what to do: thaw it: ${thaw}`];
  if (hasProcs) out.push('what to do: then kill what is left (kill -9 PID; for a runc init the container never started) or let kubelet and the runtime stop the container; then the cgroup can be removed (rmdir, leaf-first; for the systemd driver: systemctl stop and reset-failed the scope)');
  else out.push('what to do: then remove it (rmdir, leaf-first) if no pod owns it any more');
  return out.map(note);
}
