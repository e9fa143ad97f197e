import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml, parseDocument } from 'yaml';
import { normalisePodUid, type CgroupDriver } from '../model/k8sIdentity';
import type { RawFact, RawFacts } from './factsParser';

/** A value read from the node and the place it came from, so a user can check it. */
export interface Sourced<T> {
  value: T;
  source: string;
}

export interface RuntimeContainer {
  id: string;
  podUid?: string;
  /** "sandbox" or "container" (CRI's io.kubernetes.cri.container-type). */
  type?: string;
  cgroupsPath?: string;
  source: string;
}

export interface SystemdUnit {
  unit: string;
  load: string;
  active: string;
  sub: string;
}

/** What the node's kubelet, runtime and systemd know, interpreted from the raw facts. */
export interface RuntimeFacts {
  raw: RawFacts;
  kernel?: string;
  runcVersion?: string;
  containerdVersion?: string;
  /** containerd's major version from `containerd --version` (1 or 2). */
  containerdMajor?: number;
  /** kubelet's version from `kubelet --version` ("1.31.2"). */
  kubeletVersion?: string;
  kubeletArgs?: string[];
  kubeletConfig?: Sourced<string>;
  /**
   * kubelet's own cgroup driver setting: --cgroup-driver, else its config file's cgroupDriver, else
   * kubelet's default (cgroupfs) when kubelet runs or is installed with neither. Whether kubelet
   * uses it or takes the runtime's (KubeletCgroupDriverFromCRI) is decided in analysis/driverMismatch.ts.
   */
  kubeletCgroupDriver?: Sourced<CgroupDriver>;
  /**
   * Feature gates set for kubelet, by name: `--feature-gates` entries win over the config file's
   * `featureGates`, key by key, as kubelet merges them (kubeletConfigFlagPrecedence,
   * cmd/kubelet/app/server.go). Gates left at their default are absent.
   */
  kubeletFeatureGates?: Record<string, Sourced<boolean>>;
  /** Pod UIDs with a directory in kubelet's pods dir; undefined when that dir could not be read. */
  kubeletPods?: Set<string>;
  containerdConfig?: Sourced<string>;
  /** The config file's `version` (2 for containerd 1.x, 3 for 2.x); 1 when absent. */
  containerdConfigVersion?: number;
  /**
   * SystemdCgroup of the default runtime's options; containerd's default (false, in 1.x and 2.x)
   * when the file does not set it or when containerd runs or is installed with no config file.
   */
  containerdSystemdCgroup?: Sourced<boolean>;
  /** Containers containerd knows (ctr); undefined when containerd could not be asked. */
  containerdContainers?: RuntimeContainer[];
  crioConfigs: Sourced<string>[];
  /** Where crioCgroupManager and containerdSystemdCgroup come from (a file, a flag, the daemon's default): code asks these, never the text of a source. */
  crioCgroupManagerFrom?: 'file' | 'flag' | 'default';
  containerdSystemdCgroupFrom?: 'file' | 'default';
  /**
   * CRI-O's cgroup_manager: its --cgroup-manager flag, else the last of crio.conf and the drop-ins
   * (lexical order) that sets it, else CRI-O's default (systemd since 1.18.0) when CRI-O runs or is installed.
   */
  crioCgroupManager?: Sourced<string>;
  /** Pods and containers from crictl; undefined when crictl could not be asked. */
  criPods?: { id: string; uid?: string; state?: string }[];
  criContainers?: { id: string; podSandboxId?: string; state?: string }[];
  /** Failed or abandoned scopes and slices; undefined when systemd could not be asked. */
  systemdFailedUnits?: SystemdUnit[];
  releaseAgents: Sourced<string>[];
  kmemSlabinfo: Sourced<number>[];
  /**
   * Files the node's daemons use that exist but could not be read or parsed (source: the file,
   * value: why). Each becomes a finding: a source that could not be read is never "nothing found".
   */
  unreadable: Sourced<string>[];
  // ---- kubelet unit files (facts.sh section of the same name) ----
  /**
   * Where kubelet's flags are written: its systemd unit and drop-ins (in the order systemd reads
   * them) and the EnvironmentFile= files they name that exist. A flag on the command line
   * overrides the config file, so a fix changes the file that sets it (see fixes/kubeletFlags.ts).
   */
  kubeletUnitFiles?: Sourced<string>[];
  kubeletEnvFiles?: Sourced<string>[];
}

/** Facts whose file the daemons read: an unreadable one of these is a finding. */
const DAEMON_FILES = new Set(['kubelet-config', 'kubelet-unit', 'kubelet-env', 'containerd-config', 'crio-config']);

const first = (raw: RawFacts, key: string): RawFact | undefined => raw.found.find((f) => f.key === key);
const has = (raw: RawFacts, key: string): boolean => raw.found.some((f) => f.key === key);
const all = (raw: RawFacts, key: string): RawFact[] => raw.found.filter((f) => f.key === key);

export function interpretFacts(raw: RawFacts): RuntimeFacts {
  const out: RuntimeFacts = { raw, crioConfigs: [], releaseAgents: [], kmemSlabinfo: [], unreadable: [] };
  for (const m of raw.missing) if (DAEMON_FILES.has(m.key) && m.reason !== 'missing') out.unreadable.push({ source: m.source, value: m.reason });
  const kernel = first(raw, 'kernel');
  if (kernel) out.kernel = kernel.value.trim();
  const runc = first(raw, 'runc-version');
  const runcV = runc && /runc version (\S+)/.exec(runc.value)?.[1];
  if (runcV) out.runcVersion = runcV;
  const ctrd = first(raw, 'containerd-version');
  // "containerd github.com/containerd/containerd v1.7.2 hash" or Debian's "1.6.20~ds1 ..."
  const ctrdV = ctrd && /\bv?(\d+\.\d+\.\d+)\S*/.exec(ctrd.value.replace(/^containerd\s+\S+\s+/, ''))?.[1];
  if (ctrdV) {
    out.containerdVersion = ctrdV;
    out.containerdMajor = Number(ctrdV.split('.')[0]);
  }

  const kubeletV = /v?(\d+\.\d+\.\d+\S*)/.exec(first(raw, 'kubelet-version')?.value ?? '')?.[1];
  if (kubeletV) out.kubeletVersion = kubeletV;
  const kArgs = all(raw, 'kubelet-arg').map((f) => f.value);
  if (kArgs.length) out.kubeletArgs = kArgs;
  const kConf = first(raw, 'kubelet-config');
  if (kConf) {
    out.kubeletConfig = { value: kConf.value, source: kConf.source };
    const bad = yamlError(kConf.value);
    if (bad) out.unreadable.push({ source: kConf.source, value: bad });
  }
  // ---- driver and feature gates (driver truth, issue 11) ----
  const kubeletSeen = kArgs.length > 0;
  // kubelet reads a config file only when it is given --config: with a running kubelet and no
  // such flag, a config.yaml on disk decides nothing.
  const confRead = kConf && (!kubeletSeen || flagValue(kArgs, '--config') !== undefined) ? kConf : undefined;
  const flagDriver = flagValue(kArgs, '--cgroup-driver');
  const confDriver = confRead ? yamlField(confRead.value, 'cgroupDriver') : undefined;
  const kubeletConfPath = kConf?.source ?? raw.missing.find((m) => m.key === 'kubelet-config')?.source;
  if (flagDriver === 'systemd' || flagDriver === 'cgroupfs') {
    out.kubeletCgroupDriver = { value: flagDriver, source: `kubelet flag --cgroup-driver (${all(raw, 'kubelet-arg')[0]?.source ?? ''})` };
  } else if (confRead && (confDriver === 'systemd' || confDriver === 'cgroupfs')) {
    out.kubeletCgroupDriver = { value: confDriver, source: `${confRead.source} cgroupDriver` };
  } else if (confRead || kubeletSeen || first(raw, 'kubelet-version')) {
    // kubelet's default: `if obj.CgroupDriver == "" { obj.CgroupDriver = "cgroupfs" }` in
    // kubernetes pkg/kubelet/apis/config/v1beta1/defaults.go (read at commit 030891da1212; the
    // older copies of that file in the search index say the same).
    const why = confRead
      ? `${confRead.source} sets no cgroupDriver`
      : kConf && kubeletSeen
        ? `kubelet runs without --config, so ${kConf.source} is not read, and without --cgroup-driver`
        : `no --cgroup-driver flag and no config file${kubeletConfPath ? ` at ${kubeletConfPath}` : ''}`;
    out.kubeletCgroupDriver = { value: 'cgroupfs', source: `kubelet's default cgroupfs (${why})` };
  }
  const gates = kubeletFeatureGates(confRead, kArgs, all(raw, 'kubelet-arg')[0]?.source ?? '/proc/PID/cmdline');
  if (gates) out.kubeletFeatureGates = gates;
  // ---- end driver and feature gates ----
  // The pods directory was read (its count is a fact) even when it holds no pod.
  if (first(raw, 'kubelet-pods-count')) {
    out.kubeletPods = new Set(all(raw, 'kubelet-pod').map((f) => normalisePodUid(f.value)));
  }

  const cConf = first(raw, 'containerd-config');
  if (cConf) {
    out.containerdConfig = { value: cConf.value, source: cConf.source };
    const bad = tomlError(cConf.value);
    if (bad) out.unreadable.push({ source: cConf.source, value: bad });
    const c = containerdSettings(cConf.value);
    if (c) {
      out.containerdConfigVersion = c.version;
      out.containerdSystemdCgroup = { value: c.systemdCgroup ?? false, source: `${cConf.source} ${c.key}${c.systemdCgroup === undefined ? " (unset: containerd's default false)" : ''}` };
      out.containerdSystemdCgroupFrom = 'file';
    }
  } else if (has(raw, 'containerd-arg') || has(raw, 'containerd-version') || has(raw, 'ctr-reachable')) {
    // containerd runs its built-in defaults: runc's options carry SystemdCgroup = false in 1.x
    // (pkg/cri/config/config_unix.go, v1.6.20 and v1.7.0) and the zero value false in 2.x
    // (internal/cri/config/config_unix.go; containerd#12244, v2.2.0, only lists it).
    const path = raw.missing.find((m) => m.key === 'containerd-config')?.source ?? '/etc/containerd/config.toml';
    out.containerdSystemdCgroup = { value: false, source: `containerd's default SystemdCgroup = false (no config file at ${path})` };
    out.containerdSystemdCgroupFrom = 'default';
  }
  if (first(raw, 'ctr-reachable')) {
    out.containerdContainers = all(raw, 'ctr-container').map((f) => ctrContainer(f)).filter((c): c is RuntimeContainer => c !== undefined);
  }

  for (const f of all(raw, 'crio-config')) out.crioConfigs.push({ value: f.value, source: f.source });
  for (const c of out.crioConfigs) {
    const bad = tomlError(c.value);
    if (bad) out.unreadable.push({ source: c.source, value: bad });
    const m = crioCgroupManager(c.value);
    if (m !== undefined) {
      out.crioCgroupManager = { value: m, source: `${c.source} cgroup_manager` };
      out.crioCgroupManagerFrom = 'file';
    }
  }
  const crioFlag = flagValue(all(raw, 'crio-arg').map((f) => f.value), '--cgroup-manager');
  if (crioFlag) {
    out.crioCgroupManager = { value: crioFlag, source: `crio flag --cgroup-manager (${all(raw, 'crio-arg')[0]?.source ?? ''})` };
    out.crioCgroupManagerFrom = 'flag';
  } else if (!out.crioCgroupManager && (out.crioConfigs.length || has(raw, 'crio-arg') || has(raw, 'crio-version'))) {
    const d = crioDefaultManager(first(raw, 'crio-version')?.value);
    out.crioCgroupManager = { value: d.value, source: `${d.source} (${out.crioConfigs.length ? 'no cgroup_manager in its config files' : 'no config file at /etc/crio/crio.conf or in /etc/crio/crio.conf.d'})` };
    out.crioCgroupManagerFrom = 'default';
  }

  const pods = first(raw, 'crictl-pods');
  if (pods) out.criPods = jsonItems(pods.value).map((p) => ({ id: str(p.id), ...opt('uid', str((p.metadata as Record<string, unknown> | undefined)?.uid)), ...opt('state', str(p.state)) }));
  const ctrs = first(raw, 'crictl-containers');
  if (ctrs) out.criContainers = jsonItems(ctrs.value).map((c) => ({ id: str(c.id), ...opt('podSandboxId', str(c.podSandboxId)), ...opt('state', str(c.state)) }));

  const units = first(raw, 'systemd-units');
  if (units) {
    out.systemdFailedUnits = units.value
      .split('\n')
      .map((l) => l.trim().replace(/^[●*]\s*/, '').split(/\s+/))
      .filter((w) => w.length >= 4 && /\.(scope|slice)$/.test(w[0]!))
      .map((w) => ({ unit: w[0]!, load: w[1]!, active: w[2]!, sub: w[3]! }));
  }
  for (const f of all(raw, 'release-agent')) out.releaseAgents.push({ value: f.value.trim(), source: f.source });
  for (const f of all(raw, 'kmem-slabinfo-lines')) out.kmemSlabinfo.push({ value: Number(f.value.trim()) || 0, source: f.source });
  // ---- kubelet unit files ----
  const kUnits = all(raw, 'kubelet-unit').map((f) => ({ value: f.value, source: f.source }));
  if (kUnits.length) out.kubeletUnitFiles = kUnits;
  const kEnvs = all(raw, 'kubelet-env').map((f) => ({ value: f.value, source: f.source }));
  if (kEnvs.length) out.kubeletEnvFiles = kEnvs;
  return out;
}

/** The pod UIDs some source on the node knows, or undefined when no source could be read. */
export function knownPodUids(f: RuntimeFacts): { uids: Set<string>; sources: string[] } | undefined {
  const uids = new Set<string>();
  const sources: string[] = [];
  if (f.kubeletPods) {
    for (const u of f.kubeletPods) uids.add(u);
    sources.push('kubelet pods directory');
  }
  if (f.containerdContainers) {
    for (const c of f.containerdContainers) if (c.podUid) uids.add(normalisePodUid(c.podUid));
    sources.push('containerd (label io.kubernetes.pod.uid)');
  }
  if (f.criPods) {
    for (const p of f.criPods) if (p.uid) uids.add(normalisePodUid(p.uid));
    sources.push('crictl pods');
  }
  return sources.length ? { uids, sources } : undefined;
}

/** Container IDs the runtime knows (sandboxes included), or undefined when it could not be asked. */
export function knownContainerIds(f: RuntimeFacts): { ids: Set<string>; sources: string[] } | undefined {
  const ids = new Set<string>();
  const sources: string[] = [];
  if (f.containerdContainers) {
    for (const c of f.containerdContainers) ids.add(c.id);
    sources.push('containerd');
  }
  if (f.criPods && f.criContainers) {
    for (const p of f.criPods) ids.add(p.id);
    for (const c of f.criContainers) ids.add(c.id);
    sources.push('crictl');
  }
  return sources.length ? { ids, sources } : undefined;
}

function opt<K extends string>(k: K, v: string): Partial<Record<K, string>> {
  return v ? ({ [k]: v } as Record<K, string>) : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function jsonItems(text: string): Record<string, unknown>[] {
  try {
    const j = JSON.parse(text) as { items?: unknown; containers?: unknown };
    const items = j.items ?? j.containers;
    return Array.isArray(items) ? (items as Record<string, unknown>[]) : [];
  } catch {
    return [];
  }
}

/** kubelet flags come as --name=value or --name value. */
export function flagValue(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith(name + '=')) return a.slice(name.length + 1);
    if (a === name) return args[i + 1];
  }
  return undefined;
}

/** Why a TOML text does not parse, in one line (the parser's first line, with its position), or undefined. */
export function tomlError(text: string): string | undefined {
  try {
    parseToml(text);
    return undefined;
  } catch (e) {
    return `not valid TOML: ${firstLine(e)}`;
  }
}

/** Why a YAML text does not parse, in one line, or undefined. */
export function yamlError(text: string): string | undefined {
  const doc = parseDocument(text);
  const err = doc.errors[0];
  if (!err) return undefined;
  const at = err.linePos?.[0];
  return `not valid YAML: ${firstLine(err.message)}${at && !/at line/.test(err.message) ? ` (line ${at.line}, column ${at.col})` : ''}`;
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return (m.split('\n')[0] ?? '').trim();
}

function yamlField(text: string, field: string): unknown {
  try {
    const doc = parseYaml(text) as Record<string, unknown> | null;
    return doc && typeof doc === 'object' ? doc[field] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The CRI plugin that holds runc's options, by config version: 3 for containerd 2.x
 * ('io.containerd.cri.v1.runtime'), 2 for 1.x ("io.containerd.grpc.v1.cri"), 1 (or no version)
 * the short ID "cri" (containerd 1.6 reads [plugins.cri] in a version 1 file and ignores the long
 * ID there: measured with `containerd config dump`). Source for 2 and 3: containerd's
 * docs/cri/config.md ("Cgroup Driver").
 */
export function criRuntimePlugin(configVersion: number): string {
  return configVersion >= 3 ? 'io.containerd.cri.v1.runtime' : configVersion === 2 ? 'io.containerd.grpc.v1.cri' : 'cri';
}

/**
 * Where containerd reads the default runtime's SystemdCgroup in a parsed config: the plugin of the
 * file's version, the runtime default_runtime_name names (runc when unset or empty). The one
 * reading of it, for the facts (what the node uses) and the fix (what to patch).
 */
export function containerdDriverKey(doc: Record<string, unknown>): { version: unknown; plugin: string; runtime: string; path: string[]; shown: string } {
  const version = doc.version === undefined ? 1 : doc.version;
  const plugin = criRuntimePlugin(typeof version === 'number' ? version : 1);
  const plugins = (doc.plugins ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const name = (plugins[plugin]?.containerd as Record<string, unknown> | undefined)?.default_runtime_name;
  const runtime = typeof name === 'string' && name !== '' ? name : 'runc';
  return { version, plugin, runtime, path: ['plugins', plugin, 'containerd', 'runtimes', runtime, 'options', 'SystemdCgroup'], shown: `plugins.'${plugin}'.containerd.runtimes.${runtime}.options.SystemdCgroup` };
}

/** The runc options table of containerd's CRI plugin for config version 2 (1.x) or 3 (2.x). */
export function containerdSettings(text: string): { version: number; systemdCgroup?: boolean; key: string } | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const k = containerdDriverKey(doc);
  let v: unknown = doc;
  for (const p of k.path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  const version = typeof k.version === 'number' ? k.version : 1;
  return typeof v === 'boolean' ? { version, systemdCgroup: v, key: k.shown } : { version, key: k.shown };
}

function crioCgroupManager(text: string): string | undefined {
  try {
    const doc = parseToml(text) as { crio?: { runtime?: { cgroup_manager?: unknown } } };
    const m = doc.crio?.runtime?.cgroup_manager;
    return typeof m === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** ctr containers info, reduced by the facts program to a few `"key": "value"` lines. */
function ctrContainer(f: RawFact): RuntimeContainer | undefined {
  const vals: Record<string, string> = {};
  for (const line of f.value.split('\n')) {
    const m = /^\s*"([^"]+)":\s*("(?:[^"\\]|\\.)*")/.exec(line);
    if (!m) continue;
    try {
      // The first occurrence wins: Labels come before the spec's annotations.
      if (!(m[1]! in vals)) vals[m[1]!] = JSON.parse(m[2]!) as string;
    } catch {
      // a malformed line is skipped
    }
  }
  const id = vals.ID ?? /containers info (\S+)$/.exec(f.source)?.[1];
  if (!id) return undefined;
  const c: RuntimeContainer = { id, source: f.source };
  const uid = vals['io.kubernetes.pod.uid'];
  if (uid) c.podUid = normalisePodUid(uid);
  const type = vals['io.kubernetes.cri.container-type'];
  if (type) c.type = type;
  if (vals.cgroupsPath) c.cgroupsPath = vals.cgroupsPath;
  return c;
}

/** CRI-O's version from `crio --version` ("crio version 1.28.1" or "Version:  1.28.1"). */
export function crioVersionOf(text: string | undefined): string | undefined {
  return /(?:crio version|Version:)\s*v?(\d+\.\d+\.\d+)/i.exec(text ?? '')?.[1];
}

/**
 * CRI-O's built-in cgroup_manager: systemd since 1.18.0 (cri-o#3137, commit 9ec532c7 "Switch
 * default cgroup manager to systemd"), cgroupfs before.
 */
/** CRI-O's default cgroup_manager for its version (systemd from 1.18.0, cri-o#3137); `known` false when the version is unknown. */
export function crioDefaultManager(versionText: string | undefined): { value: CgroupDriver; source: string; known: boolean } {
  const v = crioVersionOf(versionText);
  if (!v) return { value: 'systemd', source: "CRI-O's default systemd (since 1.18.0; CRI-O's version unknown, before 1.18 it was cgroupfs)", known: false };
  const [maj, min] = v.split('.').map(Number) as [number, number];
  return maj > 1 || min >= 18 ? { value: 'systemd', source: `CRI-O ${v}'s default systemd`, known: true } : { value: 'cgroupfs', source: `CRI-O ${v}'s default cgroupfs (systemd only from 1.18.0)`, known: true };
}

/** kubelet's feature gates: config file `featureGates`, then each `--feature-gates` flag over it. */
function kubeletFeatureGates(conf: Sourced<string> | undefined, args: readonly string[], argSource: string): Record<string, Sourced<boolean>> | undefined {
  const out: Record<string, Sourced<boolean>> = {};
  const fromConf = conf ? yamlField(conf.value, 'featureGates') : undefined;
  if (fromConf && typeof fromConf === 'object') {
    for (const [k, v] of Object.entries(fromConf as Record<string, unknown>)) if (typeof v === 'boolean') out[k] = { value: v, source: `${conf!.source} featureGates.${k}` };
  }
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const list = a.startsWith('--feature-gates=') ? a.slice('--feature-gates='.length) : a === '--feature-gates' ? args[i + 1] : undefined;
    if (list === undefined) continue;
    for (const pair of list.split(',')) {
      const m = /^\s*([A-Za-z0-9]+)\s*=\s*(true|false)\s*$/i.exec(pair);
      if (m) out[m[1]!] = { value: m[2]!.toLowerCase() === 'true', source: `kubelet flag --feature-gates ${m[1]}=${m[2]} (${argSource})` };
    }
  }
  return Object.keys(out).length ? out : undefined;
}
