import type { ForensicsReport } from '../analysis/forensics';
import type { RuntimeFacts } from '../facts/nodeFacts';
import { grafanaDashboard } from './grafanaDashboard';
import { podSpecFix } from './podSpecFix';
import { runtimeOf } from '../analysis/driverMismatch';
import type { CgroupDriver } from '../model/k8sIdentity';
import type { Snapshot } from '../model/snapshot';
import { cleanupScript } from './cleanupScript';
import { containerdFix } from './containerdFix';
import { crioFix } from './crioFix';
import type { FixDocument } from './fixDocument';
import { kernelParamsFix } from './kernelParamsFix';
import { kubeletFix, type KubeletChanges } from './kubeletFix';
import { bpftraceScript, npdPlugin, prometheusRules } from './monitoring';

export const FIX_KINDS = ['cleanup', 'driver', 'kubelet', 'containerd', 'crio', 'sysctl', 'prometheus', 'npd', 'bpftrace', 'grafana', 'podspec'] as const;
/** Kinds that do not depend on the node: no scan needed. */
export const STATIC_FIX_KINDS: readonly FixKind[] = ['prometheus', 'npd', 'bpftrace', 'grafana'];
export type FixKind = (typeof FIX_KINDS)[number];

export interface FixOptions {
  /** The cgroup driver to align on (default systemd: what kubeadm and the runtimes recommend where systemd is init). */
  driver?: CgroupDriver;
}

/** The documents of one kind of fix for this node, derived from its findings and its own files. */
export function fixesFor(kind: FixKind, s: Snapshot, f: RuntimeFacts, r: ForensicsReport, o: FixOptions = {}): FixDocument[] {
  const driver = o.driver ?? 'systemd';
  const mismatch = r.findings.filter((x) => x.kind === 'cgroup-driver-mismatch').map((x) => x.title);
  switch (kind) {
    case 'cleanup':
      return [cleanupScript(r.findings, { allowedRoots: s.hierarchies.map((h) => h.walkRoot), ...(s.node.hostname ? { generatedFor: s.node.hostname } : {}) })];
    case 'kubelet':
    case 'driver': {
      const changes: KubeletChanges = {};
      const reasons: string[] = [];
      if (mismatch.length || kind === 'driver') {
        changes.cgroupDriver = driver;
        reasons.push(`cgroupDriver: ${driver}: ${mismatch.length ? mismatch.join('; ') : 'asked for'}`);
      }
      const podPids = r.findings.filter((x) => x.kind === 'pids-pressure' && x.podUid);
      const nodePids = r.findings.filter((x) => x.kind === 'pids-pressure' && !x.podUid);
      if (nodePids.length) {
        changes.podPidsLimit = 4096;
        changes.evictionPidAvailable = '10%';
        changes.systemReservedPid = '1000';
        reasons.push(`podPidsLimit, evictionHard pid.available, systemReserved pid: ${nodePids[0]!.title}`);
      } else if (podPids.length) {
        reasons.push(`${podPids.length} pod(s) near their own pids.max: raise the pods' limits (podPidsLimit) only if the workload needs more`);
      }
      const kubelet = kubeletFix(f.kubeletConfig, changes, reasons);
      if (kind === 'kubelet') return [kubelet];
      // The driver changes on both sides in one step, or the node leaks the other way round.
      return [kubelet, ...fixesFor(runtimeOf(f) === 'cri-o' ? 'crio' : 'containerd', s, f, r, o)];
    }
    case 'containerd':
      return [containerdFix(f, driver === 'systemd', mismatch.length ? mismatch : [`align containerd on the ${driver} driver`])];
    case 'crio':
      return [crioFix(driver, f.crioConfigs, mismatch.length ? mismatch : [`align CRI-O on the ${driver} driver`])];
    case 'sysctl':
      return [kernelParamsFix(s, r.findings)];
    case 'podspec':
      return [podSpecFix(r.findings)];
    case 'prometheus':
    case 'npd':
    case 'bpftrace':
    case 'grafana':
      return staticFix(kind);
  }
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
