import { driverDecider, runtimeDriver, runtimeOf } from '../analysis/driverMismatch';
import type { CgroupDriver } from '../model/k8sIdentity';
import { containerdFix } from './containerdFix';
import { crioFix } from './crioFix';
import type { FromLiveNode } from './fixCatalog';
import type { FixDocument } from './fixDocument';
import { kubeletFixes, kubeletSources, PID_EVICTION_PERCENT, pidLimits, type KubeletChanges } from './kubeletFix';

/**
 * The fixes of the node's daemon config files (kubelet, containerd, CRI-O, and the driver between
 * them), made from the live node's facts and its findings: the catalog's generators for those
 * kinds (fixCatalog.ts).
 */

/** The driver to align on: systemd unless asked (what kubeadm and the runtimes recommend where systemd is init). */
function driverOf(n: FromLiveNode): CgroupDriver {
  return n.options.driver ?? 'systemd';
}

function mismatchTitles(n: FromLiveNode): string[] {
  return n.report.findings.filter((x) => x.kind === 'cgroup-driver-mismatch').map((x) => x.title);
}

/** `fix kubelet`: the driver where kubelet decides it, and its pid limits and eviction for node-wide pids pressure. */
export function kubeletFixFor(n: FromLiveNode): FixDocument[] {
  const { snapshot: s, facts: f, report: r } = n;
  const driver = driverOf(n);
  const mismatch = mismatchTitles(n);
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

/** `fix containerd`: its config.toml on the driver asked for. */
export function containerdFixFor(n: FromLiveNode): FixDocument[] {
  const driver = driverOf(n);
  const mismatch = mismatchTitles(n);
  return [containerdFix(n.facts, driver === 'systemd', mismatch.length ? mismatch : [`align containerd on the ${driver} driver`])];
}

/** `fix crio`: the file that sets cgroup_manager, or a drop-in, or the flag to change. */
export function crioFixFor(n: FromLiveNode): FixDocument[] {
  const { facts: f } = n;
  const driver = driverOf(n);
  const mismatch = mismatchTitles(n);
  const versionText = f.raw.found.find((x) => x.key === 'crio-version')?.value;
  const flag = f.crioCgroupManagerFrom === 'flag' ? f.crioCgroupManager : undefined;
  return [crioFix(driver, f.crioConfigs, mismatch.length ? mismatch : [`align CRI-O on the ${driver} driver`], { ...(versionText ? { versionText } : {}), ...(flag ? { flag } : {}) })];
}

/**
 * `fix driver`: the documents that put the node on one driver, each side only where it must move.
 * Where kubelet takes its driver from the runtime (KubeletCgroupDriverFromCRI, see
 * driverDecider), kubelet's own setting is ignored: only the runtime's file changes. A side that
 * already uses the wanted driver gets a document that says so (noChange) instead of a diff.
 */
export function driverFix(n: FromLiveNode): FixDocument[] {
  const { facts: f } = n;
  const driver = driverOf(n);
  const mismatch = mismatchTitles(n);
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
    const runtimeDocs = runtime === 'cri-o' ? crioFixFor(n) : containerdFixFor(n);
    if (decider.decides === 'runtime') for (const d of runtimeDocs) d.reasons.push(`kubelet takes its cgroup driver from ${name} (KubeletCgroupDriverFromCRI): this is the only setting to change`);
    docs.push(...runtimeDocs);
  }
  return docs;
}
