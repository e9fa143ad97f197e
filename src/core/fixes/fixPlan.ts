import type { Finding, FindingKind } from '../analysis/finding';
import type { ForensicsReport } from '../analysis/forensics';
import { isCleanupTarget, isOrphanKind, isOrphanWithProcesses } from '../analysis/orphanVerdict';
import type { RuntimeFacts } from '../facts/nodeFacts';
import { grafanaDashboard } from './grafanaDashboard';
import { podSpecFix } from './podSpecFix';
import { driverDecider, runtimeDriver, runtimeOf } from '../analysis/driverMismatch';
import type { CgroupDriver } from '../model/k8sIdentity';
import type { Snapshot } from '../model/snapshot';
import { cleanupScript } from './cleanupScript';
import { containerdFix } from './containerdFix';
import { crioFix } from './crioFix';
import { daemonSetFix, type DaemonSetOptions } from './daemonSetFix';
import { FixInputError, type FixDocument } from './fixDocument';
import { kernelParamsFix } from './kernelParamsFix';
import { kubeletFixes, kubeletSources, PID_EVICTION_PERCENT, pidLimits, type KubeletChanges } from './kubeletFix';
import { bpftraceScript, npdPlugin, prometheusRules } from './monitoring';

export const FIX_KINDS = ['cleanup', 'driver', 'kubelet', 'containerd', 'crio', 'sysctl', 'prometheus', 'npd', 'bpftrace', 'grafana', 'podspec', 'daemonset'] as const;
export type FixKind = (typeof FIX_KINDS)[number];

/**
 * What each kind of fix is made from: nothing of the node (the same documents everywhere), the
 * snapshot alone (the tree and the node's kernel facts: a saved snapshot will do), or the live
 * node (its files or its runtime's view of the pods: a saved snapshot will not), and whether its
 * documents act on orphans (then they are judged with the Kubernetes API's view, as orphans are).
 * Total: a new kind does not compile until this is decided.
 */
export const FIX_NEEDS: Record<FixKind, { from: 'nothing' | 'snapshot' | 'live'; why?: string; judgesOrphans?: true }> = {
  cleanup: { from: 'live', why: "the runtime's and kubelet's view of the pods, to tell orphans", judgesOrphans: true },
  driver: { from: 'live', why: "kubelet's and the runtime's config files" },
  kubelet: { from: 'live', why: "kubelet's config file and flags" },
  containerd: { from: 'live', why: "containerd's config file" },
  crio: { from: 'live', why: "CRI-O's config files" },
  podspec: { from: 'live', why: "the runtime's view of the pods (processes left in orphans)", judgesOrphans: true },
  sysctl: { from: 'snapshot' },
  prometheus: { from: 'nothing' },
  npd: { from: 'nothing' },
  bpftrace: { from: 'nothing' },
  grafana: { from: 'nothing' },
  // The same manifests for every node; they carry the bundled CLI, which the front end supplies.
  daemonset: { from: 'nothing' },
};
/**
 * Which kinds of fix answer each kind of finding: those whose generator (fixesFor) reacts to it,
 * and the monitoring whose rules watch for it. Total: a new finding kind does not compile until
 * decided. Per finding, fixesForFinding narrows it to what that finding really gets.
 */
export const FIXES_FOR_FINDING: Record<FindingKind, readonly FixKind[]> = {
  // cleanupScript removes them; podSpecFix answers those that still hold processes; the
  // CgroupOrphans rule and the NPD plugin report them.
  'orphaned-pod-cgroup': ['cleanup', 'podspec', 'prometheus', 'npd'],
  'orphaned-container-cgroup': ['cleanup', 'podspec', 'prometheus', 'npd'],
  'failed-systemd-unit': ['cleanup', 'prometheus'],
  'transient-mount-scope-leak': ['cleanup'],
  // No kernel parameter or sysctl removes dying cgroups (kernelParamsFix offers none for them):
  // watch them (DyingCgroupsHigh) and find who makes and removes cgroups (bpftrace).
  // The DaemonSet keeps watching them on every node.
  'dying-cgroups': ['prometheus', 'bpftrace', 'daemonset'],
  'cgroup-driver-mismatch': ['driver', 'kubelet', 'containerd', 'crio'],
  'cgroup-driver-source': [],
  // cgroup.memory=nokmem, where the EL7 kernel honours it.
  'kmem-accounting': ['sysctl'],
  // Node-wide: kubelet's pid limits and eviction, kernel.pid_max; a pod's: its pod spec.
  'pids-pressure': ['kubelet', 'sysctl', 'podspec'],
  'release-agent-set': [],
  'log-signature': [],
  'version-advisory': [],
  'cgroup-fd-pinned': [],
  'daemon-health': [],
  // CgroupCountGrowing watches it; bpftrace shows which paths churn.
  'cgroup-growth': ['prometheus', 'bpftrace', 'daemonset'],
  'source-unreadable': [],
  'node-condition': [],
  // Thawed by hand first (the finding says how); never removed by a cleanup.
  'frozen-cgroup': [],
};

/** The kinds of fix that answer this finding: FIXES_FOR_FINDING, narrowed as each generator narrows it. */
export function fixesForFinding(f: Finding): FixKind[] {
  const podLevel = f.kind === 'pids-pressure' && f.podUid !== undefined;
  return FIXES_FOR_FINDING[f.kind].filter((k) => {
    switch (k) {
      case 'cleanup':
        return isCleanupTarget(f);
      case 'podspec':
        return isOrphanKind(f.kind) ? isOrphanWithProcesses(f) : podLevel;
      case 'kubelet':
        // kubelet's pid settings answer node-wide pressure (fixesFor 'kubelet'); a pod's is its own spec.
        return f.kind !== 'pids-pressure' || !podLevel;
      case 'sysctl':
        // kernel.pid_max answers node-wide pressure only (kernelParamsFix).
        return f.kind !== 'pids-pressure' || f.cgroups.length === 0;
      case 'prometheus':
      case 'npd':
        // They report orphans as the verdict does: not a pod the API knows, not a low-confidence guess.
        return !isOrphanKind(f.kind) || isCleanupTarget(f);
      default:
        return true;
    }
  });
}

/** Kinds that do not depend on the node: no scan needed. */
export const STATIC_FIX_KINDS: readonly FixKind[] = FIX_KINDS.filter((k) => FIX_NEEDS[k].from === 'nothing');

export interface FixOptions {
  /** The cgroup driver to align on (default systemd: what kubeadm and the runtimes recommend where systemd is init). */
  driver?: CgroupDriver;
  /** False when the node is a saved snapshot (no live facts): passed to kernelParamsFix. */
  liveFacts?: boolean;
  /** fix daemonset: the bundled CLI (from the front end: the CLI's own file, the extension's dist/cli.js) and its options. */
  daemonSet?: DaemonSetOptions;
}

/** The documents of one kind of fix for this node, derived from its findings and its own files. */
export function fixesFor(kind: FixKind, s: Snapshot, f: RuntimeFacts, r: ForensicsReport, o: FixOptions = {}): FixDocument[] {
  const driver = o.driver ?? 'systemd';
  const mismatch = r.findings.filter((x) => x.kind === 'cgroup-driver-mismatch').map((x) => x.title);
  switch (kind) {
    case 'cleanup':
      return [cleanupScript(r.findings, { allowedRoots: s.hierarchies.map((h) => h.walkRoot), ...(s.node.hostname ? { generatedFor: s.node.hostname } : {}) })];
    case 'driver':
      return driverFix(s, f, r, o, driver, mismatch);
    case 'kubelet': {
      const changes: KubeletChanges = {};
      const reasons: string[] = [];
      if (mismatch.length) {
        // Where kubelet takes its driver from the runtime (KubeletCgroupDriverFromCRI), its own
        // setting is ignored: changing it would change nothing (fix driver changes the runtime).
        const decider = driverDecider(f, runtimeOf(f));
        if (decider.decides === 'runtime') reasons.push(`cgroupDriver is left alone: kubelet takes its cgroup driver from the runtime, so its own setting is ignored (${decider.why.join('; ')}); fix driver changes the runtime's`);
        else {
          changes.cgroupDriver = driver;
          reasons.push(`cgroupDriver: ${driver}: ${mismatch.join('; ')}`);
        }
      }
      const podPids = r.findings.filter((x) => x.kind === 'pids-pressure' && x.podUid);
      const nodePids = r.findings.filter((x) => x.kind === 'pids-pressure' && !x.podUid);
      const src = kubeletSources(f);
      if (nodePids.length) {
        reasons.push(`podPidsLimit, evictionHard pid.available, systemReserved pid: ${nodePids[0]!.title}`);
        changes.evictionPidAvailable = `${PID_EVICTION_PERCENT}%`;
        const limits = pidLimits(s, src);
        if ('noLimits' in limits) reasons.push(limits.noLimits);
        else {
          changes.podPidsLimit = limits.podPidsLimit;
          changes.systemReservedPid = String(limits.systemReservedPid);
          reasons.push(...limits.reasons);
        }
      } else if (podPids.length) {
        reasons.push(`${podPids.length} pod(s) near their own pids.max: raise the pods' limits (podPidsLimit) only if the workload needs more`);
      }
      return kubeletFixes(src, changes, reasons);
    }
    case 'containerd':
      return [containerdFix(f, driver === 'systemd', mismatch.length ? mismatch : [`align containerd on the ${driver} driver`])];
    case 'crio': {
      const versionText = f.raw.found.find((x) => x.key === 'crio-version')?.value;
      const flag = f.crioCgroupManagerFrom === 'flag' ? f.crioCgroupManager : undefined;
      return [crioFix(driver, f.crioConfigs, mismatch.length ? mismatch : [`align CRI-O on the ${driver} driver`], { ...(versionText ? { versionText } : {}), ...(flag ? { flag } : {}) })];
    }
    case 'sysctl':
      return [kernelParamsFix(s, r.findings, o.liveFacts === undefined ? {} : { liveFacts: o.liveFacts })];
    case 'podspec':
      return [podSpecFix(r.findings)];
    case 'prometheus':
    case 'npd':
    case 'bpftrace':
    case 'grafana':
      return staticFix(kind);
    case 'daemonset':
      return daemonSetDocs(o);
  }
}

/** fix daemonset: the manifests around the bundled CLI the front end read, or why they cannot be made. */
export function daemonSetDocs(o: FixOptions): FixDocument[] {
  if (!o.daemonSet) throw new FixInputError('fix daemonset needs the bundled CLI (dist/cli.js, built with node scripts/build.mjs --production) to put in its ConfigMap');
  return [daemonSetFix(o.daemonSet)];
}

/**
 * `fix driver`: the documents that put the node on one driver, each side only where it must move.
 * Where kubelet takes its driver from the runtime (KubeletCgroupDriverFromCRI, see
 * driverDecider), kubelet's own setting is ignored: only the runtime's file changes. A side that
 * already uses the wanted driver gets a document that says so (noChange) instead of a diff.
 */
function driverFix(s: Snapshot, f: RuntimeFacts, r: ForensicsReport, o: FixOptions, driver: CgroupDriver, mismatch: string[]): FixDocument[] {
  const runtime = runtimeOf(f) ?? 'containerd';
  const name = runtime === 'cri-o' ? 'CRI-O' : 'containerd';
  const decider = driverDecider(f, runtime);
  const rt = runtimeDriver(f, runtime);
  const kubelet = f.kubeletCgroupDriver;
  const docs: FixDocument[] = [];
  const why = mismatch.length ? mismatch.join('; ') : 'asked for';

  if (decider.decides === 'runtime') {
    docs.push({
      kind: 'kubelet',
      title: "kubelet: no change, its cgroupDriver is ignored",
      ...(f.kubeletConfig ? { targetPath: f.kubeletConfig.source } : {}),
      content: f.kubeletConfig?.value ?? '',
      noChange: `kubelet takes its cgroup driver from ${name} (KubeletCgroupDriverFromCRI): its own setting${kubelet ? ` (${kubelet.value}, ${kubelet.source})` : ''} is ignored; ${name}'s decides`,
      reasons: decider.why,
      apply: [],
    });
  } else if (kubelet?.value === driver) {
    docs.push({
      kind: 'kubelet',
      title: `kubelet: cgroup driver is already ${driver}`,
      ...(f.kubeletConfig ? { targetPath: f.kubeletConfig.source } : {}),
      content: f.kubeletConfig?.value ?? '',
      noChange: `kubelet already uses ${driver} (${kubelet.source})`,
      reasons: [],
      apply: [],
    });
  } else {
    const reasons = [`cgroupDriver: ${driver}: ${why}`];
    if (decider.decides === 'unknown') reasons.push(`cannot tell whether kubelet takes its driver from ${name} (${decider.why.join('; ')}): where it does, kubelet ignores this setting and ${name}'s decides`);
    docs.push(...kubeletFixes(kubeletSources(f), { cgroupDriver: driver }, reasons));
  }

  if (rt?.value === driver && runtime === 'containerd') {
    docs.push({
      kind: 'containerd',
      title: `containerd: cgroup driver is already ${driver}`,
      ...(f.containerdConfig ? { targetPath: f.containerdConfig.source } : {}),
      content: f.containerdConfig?.value ?? '',
      noChange: `containerd already uses ${driver} (${rt.source})`,
      reasons: decider.decides === 'runtime' ? decider.why : [],
      apply: [],
    });
  } else {
    // CRI-O's document decides its own no-change (it knows which file decides); containerd's is built by containerdFix.
    const runtimeDocs = fixesFor(runtime === 'cri-o' ? 'crio' : 'containerd', s, f, r, o);
    if (decider.decides === 'runtime') for (const d of runtimeDocs) d.reasons.push(`kubelet takes its cgroup driver from ${name} (KubeletCgroupDriverFromCRI): this is the only setting to change`);
    docs.push(...runtimeDocs);
  }
  return docs;
}

/** The monitoring documents: the same for every node. */
export function staticFix(kind: 'prometheus' | 'npd' | 'bpftrace' | 'grafana'): FixDocument[] {
  switch (kind) {
    case 'prometheus':
      return [prometheusRules()];
    case 'npd':
      return npdPlugin();
    case 'bpftrace':
      return [bpftraceScript()];
    case 'grafana':
      return [grafanaDashboard()];
  }
}
