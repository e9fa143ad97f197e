import { parse as parseYaml } from 'yaml';
import type { RuntimeFacts, Sourced } from '../facts/nodeFacts';
import { crioVersionOf, flagValue } from '../facts/nodeFacts';
import { displayOf } from '../model/bytes';
import type { CgroupDriver } from '../model/k8sIdentity';
import { cgroupPath, type Snapshot } from '../model/snapshot';
import type { IndexedHierarchy } from './cgroupIndex';
import { dirOf } from './cgroupIndex';
import type { CgroupRef, Finding } from './finding';
import { note } from './evidence';

/** Which runtime kubelet talks to: its --container-runtime-endpoint, else the one that is there. */
export function runtimeOf(f: RuntimeFacts): 'containerd' | 'cri-o' | undefined {
  const ep = flagValue(f.kubeletArgs ?? [], '--container-runtime-endpoint') ?? configEndpoint(f) ?? '';
  if (/crio/.test(ep)) return 'cri-o';
  if (/containerd/.test(ep)) return 'containerd';
  const has = (k: string): boolean => f.raw.found.some((r) => r.key === k);
  if (has('containerd-arg') || f.containerdContainers || has('containerd-version')) return 'containerd';
  if (has('crio-arg') || f.crioConfigs.length || has('crio-version')) return 'cri-o';
  return undefined;
}

/** containerRuntimeEndpoint of kubelet's config file (a KubeletConfiguration field since 1.27). */
function configEndpoint(f: RuntimeFacts): string | undefined {
  try {
    const doc = parseYaml(f.kubeletConfig?.value ?? '') as { containerRuntimeEndpoint?: unknown } | null;
    return typeof doc?.containerRuntimeEndpoint === 'string' ? doc.containerRuntimeEndpoint : undefined;
  } catch {
    return undefined;
  }
}

/** The runtime's own cgroup driver setting and where it comes from (a file, a flag or its default). */
export function runtimeDriver(f: RuntimeFacts, runtime = runtimeOf(f)): Sourced<CgroupDriver> | undefined {
  if (runtime === 'containerd' && f.containerdSystemdCgroup) {
    const c = f.containerdSystemdCgroup;
    return { value: c.value ? 'systemd' : 'cgroupfs', source: f.containerdSystemdCgroupFrom === 'default' ? c.source : `${c.source} = ${c.value}` };
  }
  if (runtime === 'cri-o' && f.crioCgroupManager) {
    const m = f.crioCgroupManager.value;
    if (m === 'systemd' || m === 'cgroupfs') return { value: m, source: f.crioCgroupManagerFrom === 'default' ? f.crioCgroupManager.source : `${f.crioCgroupManager.source} = "${m}"` };
  }
  return undefined;
}

/**
 * Who decides the driver kubelet uses: kubelet's own setting, or the runtime's answer to the CRI
 * RuntimeConfig call (KEP-4033, feature gate KubeletCgroupDriverFromCRI). 'unknown' when a
 * version needed to tell could not be read; `why` says what was seen, line by line.
 *
 * - kubelet (kubernetes/kubernetes#118770, cmd/kubelet/app/server.go): with the gate on it calls
 *   RuntimeConfig and takes the driver from the answer; a runtime that answers Unimplemented makes
 *   it fall back to its own cgroupDriver ("Falling back to using cgroupDriver from kubelet config").
 * - The gate (pkg/features/kube_features.go): alpha, off by default, in 1.28; beta, on by default,
 *   in 1.31; GA and locked on in 1.34 (kubelet refuses to start with it set to false).
 * - containerd answers from 2.0.0 (containerd#8722, merged 2023-08-04, first tag v2.0.0; no 1.7.x
 *   tag up to v1.7.34 has RuntimeConfig): the default runtime's SystemdCgroup.
 * - CRI-O answers from 1.28.0 (cri-o#7079, first tag v1.28.0; not in 1.27.x): its cgroup_manager.
 */
export function driverDecider(f: RuntimeFacts, runtime = runtimeOf(f)): { decides: 'kubelet' | 'runtime' | 'unknown'; why: string[] } {
  const gate = gateState(f);
  const answers = runtimeAnswers(f, runtime);
  const why = [gate.why, answers.why];
  if (gate.on === false || answers.yes === false) return { decides: 'kubelet', why };
  if (gate.on === true && answers.yes === true) return { decides: 'runtime', why };
  return { decides: 'unknown', why };
}

const GATE = 'KubeletCgroupDriverFromCRI';

function minorOf(v: string | undefined): [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

const atLeast = (v: [number, number], maj: number, min: number): boolean => v[0] > maj || (v[0] === maj && v[1] >= min);

/** Whether kubelet's KubeletCgroupDriverFromCRI gate is on, from its version and its gates. */
function gateState(f: RuntimeFacts): { on: boolean | undefined; why: string } {
  const set = f.kubeletFeatureGates?.[GATE];
  const v = minorOf(f.kubeletVersion);
  const setText = set ? `${GATE}=${set.value} (${set.source})` : `${GATE} not set`;
  if (!v) {
    if (set) return { on: set.value, why: `kubelet's version is unknown; ${setText}` };
    return { on: undefined, why: `kubelet's version is unknown (it takes the driver from the runtime by default from 1.31, KubeletCgroupDriverFromCRI beta); ${setText}` };
  }
  const kv = `kubelet ${f.kubeletVersion}`;
  if (!atLeast(v, 1, 28)) return { on: false, why: `${kv} predates ${GATE} (alpha in 1.28): kubelet's own driver setting decides` };
  if (atLeast(v, 1, 34)) return { on: true, why: `${kv}: ${GATE} is GA and locked on from 1.34${set && !set.value ? ` (${set.source} sets it false, which kubelet refuses)` : ''}` };
  if (atLeast(v, 1, 31)) return set?.value === false ? { on: false, why: `${kv}: ${GATE} is on by default from 1.31 but turned off: ${setText}` } : { on: true, why: `${kv}: ${GATE} is on by default from 1.31 (beta); ${setText}` };
  return set?.value === true ? { on: true, why: `${kv}: ${GATE} is alpha (off by default) in 1.28-1.30 and turned on: ${setText}` } : { on: false, why: `${kv}: ${GATE} is alpha and off by default in 1.28-1.30; ${setText}` };
}

/** Whether the runtime answers the CRI RuntimeConfig call with its driver. */
function runtimeAnswers(f: RuntimeFacts, runtime: 'containerd' | 'cri-o' | undefined): { yes: boolean | undefined; why: string } {
  if (runtime === 'containerd') {
    const v = f.containerdVersion;
    if (f.containerdMajor === undefined || !v) return { yes: undefined, why: "containerd's version is unknown (containerd answers RuntimeConfig from 2.0.0, containerd#8722)" };
    return f.containerdMajor >= 2
      ? { yes: true, why: `containerd ${v} answers RuntimeConfig (from 2.0.0, containerd#8722) with its runc SystemdCgroup` }
      : { yes: false, why: `containerd ${v} does not answer RuntimeConfig (only 2.0.0 and later do, containerd#8722): kubelet falls back to its own setting` };
  }
  if (runtime === 'cri-o') {
    const v = crioVersionOf(f.raw.found.find((r) => r.key === 'crio-version')?.value);
    const m = minorOf(v);
    if (!m) return { yes: undefined, why: "CRI-O's version is unknown (CRI-O answers RuntimeConfig from 1.28.0, cri-o#7079)" };
    return atLeast(m, 1, 28)
      ? { yes: true, why: `CRI-O ${v} answers RuntimeConfig (from 1.28.0, cri-o#7079) with its cgroup_manager` }
      : { yes: false, why: `CRI-O ${v} does not answer RuntimeConfig (only 1.28.0 and later do, cri-o#7079): kubelet falls back to its own setting` };
  }
  return { yes: undefined, why: 'the container runtime is unknown' };
}

/**
 * containerd's CRI names a container's cgroup "<pod slice>:cri-containerd:<id>" whenever kubelet's
 * cgroup parent ends in ".slice", i.e. kubelet uses the systemd driver (getCgroupsPath, since
 * containerd 1.3.0: vendored containerd/cri pkg/server/helpers.go; pkg/cri/server/helpers_linux.go
 * in 1.5-1.7). That form is meant for runc's systemd driver; runc on the cgroupfs driver
 * (SystemdCgroup = false) takes it as a path relative to its own cgroup and makes a directory of
 * that name, e.g. /system.slice/containerd.service/kubepods-besteffort-pod<uid>.slice:cri-containerd:<id>
 * (containerd#5226, named by the issue: its thread could not be read here, unconfirmed; the same
 * path appears in kubernetes#106514 and containerd#5152). Reproduced with the real containerd 1.6.20
 * and runc 1.1.5 in test/integration/driverTruth.test.ts.
 */
const CRI_CONTAINERD_COLON = /^kubepods[^/:]*\.slice:cri-containerd:[0-9a-f]{64}$/;

/**
 * Two drivers on one node leak: kubelet and the runtime then make and clean different trees.
 * Seen as both kubepods/ and kubepods.slice/ in a hierarchy, as `:cri-containerd:` directories, or
 * as kubelet's driver disagreeing with the runtime's where kubelet's own setting decides.
 */
export function findDriverMismatch(_s: Snapshot, f: RuntimeFacts, index: IndexedHierarchy[]): Finding[] {
  const out: Finding[] = [];
  const runtime = runtimeOf(f);
  const decider = driverDecider(f, runtime);
  const fromCri = decider.decides === 'runtime' ? [note(`kubelet takes its driver from the runtime (${decider.why.join('; ')}): these directories may be left from before it did`)] : [];
  for (const ih of index) {
    const roots: Record<CgroupDriver, CgroupRef[]> = { cgroupfs: [], systemd: [] };
    for (let i = 0; i < ih.h.tree.size; i++) {
      const k = ih.ids[i]!.k8s;
      if (k?.role === 'kubepods') roots[k.driver].push(ref(ih, i));
    }
    if (roots.cgroupfs.length && roots.systemd.length) {
      out.push({
        kind: 'cgroup-driver-mismatch',
        severity: 'critical',
        confidence: 'high',
        title: `both driver trees exist in the ${ih.h.name} hierarchy: ${roots.cgroupfs.map((r) => displayOf(r.path)).join(', ')} (cgroupfs) and ${roots.systemd.map((r) => displayOf(r.path)).join(', ')} (systemd)`,
        cgroups: [...roots.cgroupfs, ...roots.systemd],
        evidence: [...[...roots.cgroupfs, ...roots.systemd].map((r) => note(`directory ${displayOf(r.dir)} exists`)), ...fromCri],
      });
      break; // one hierarchy shows it; the others (v1 controllers) repeat the same
    }
  }
  for (const ih of index) {
    const colon: CgroupRef[] = [];
    for (let i = 1; i < ih.h.tree.size; i++) if (CRI_CONTAINERD_COLON.test(ih.h.tree.names[i]!)) colon.push(ref(ih, i));
    if (!colon.length) continue;
    out.push({
      kind: 'cgroup-driver-mismatch',
      severity: 'critical',
      confidence: 'high',
      title: `${colon.length} container cgroup(s) named "<pod slice>:cri-containerd:<id>" in the ${ih.h.name} hierarchy: kubelet uses the systemd driver and containerd's runc the cgroupfs driver`,
      cgroups: colon,
      evidence: [
        ...colon.slice(0, 5).map((r) => note(`directory ${displayOf(r.dir)} exists`)),
        ...(colon.length > 5 ? [note(`and ${colon.length - 5} more`)] : []),
        note('containerd names a container "<pod slice>:cri-containerd:<id>" when kubelet\'s cgroup parent is a systemd slice (getCgroupsPath, containerd 1.3.0 and later); runc with SystemdCgroup = false takes that as a cgroupfs path under its own cgroup (containerd#5226)'),
        ...fromCri,
      ],
    });
    break; // every v1 hierarchy repeats it
  }

  const kubelet = f.kubeletCgroupDriver;
  const rt = runtimeDriver(f, runtime);
  if (!kubelet || !rt || !runtime) return out;
  const name = runtime === 'cri-o' ? 'CRI-O' : 'containerd';
  if (decider.decides === 'runtime') {
    out.push({
      kind: 'cgroup-driver-source',
      severity: 'info',
      confidence: 'high',
      title: `kubelet takes its cgroup driver from ${name} (KubeletCgroupDriverFromCRI): ${rt.value}; kubelet's own setting (${kubelet.value}) is ignored`,
      cgroups: [],
      evidence: [...decider.why.map(note), note(`${name}: ${rt.value} (${rt.source})`), note(`kubelet's own setting, ignored: ${kubelet.value} (${kubelet.source})`)],
    });
    return out;
  }
  if (rt.value === kubelet.value) return out;
  const sure = decider.decides === 'kubelet';
  out.push({
    kind: 'cgroup-driver-mismatch',
    severity: sure ? 'critical' : 'warning',
    confidence: sure ? 'high' : 'medium',
    title: `kubelet uses the ${kubelet.value} cgroup driver but ${name} uses ${rt.value}${sure ? '' : ` (unless kubelet takes the driver from ${name}: cannot tell)`}`,
    cgroups: [],
    evidence: [note(`kubelet: ${kubelet.value} (${kubelet.source})`), note(`${name}: ${rt.value} (${rt.source})`), ...decider.why.map(note)],
  });
  return out;
}

function ref(ih: IndexedHierarchy, i: number): CgroupRef {
  return { hierarchy: ih.h.name, path: cgroupPath(ih.h, ih.h.tree.path(i)), dir: dirOf(ih.h, i) };
}
