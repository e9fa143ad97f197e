import { indexSnapshot } from '../analysis/cgroupIndex';
import { flagValue, type RuntimeFacts, type Sourced } from '../facts/nodeFacts';
import type { CgroupDriver } from '../model/k8sIdentity';
import type { Snapshot } from '../model/snapshot';
import { FixInputError, type FixDocument } from './fixDocument';
import { flagSites, setFlagText } from './kubeletFlags';
import { unifiedDiff } from './unifiedDiff';
import { getYamlPath, setYamlText, YamlTextError, type YamlSet } from './yamlText';

export interface KubeletChanges {
  cgroupDriver?: CgroupDriver;
  /** Most PIDs a pod may use (kubelet's default -1 is none); derived by pidLimits(). */
  podPidsLimit?: number;
  /** evictionHard pid.available, e.g. "10%": evict before the node runs out of PIDs. */
  evictionPidAvailable?: string;
  /** systemReserved pid (PIDs kept for system daemons), e.g. "1000"; derived by pidLimits(). */
  systemReservedPid?: string;
}

/** What the node tells about where kubelet reads its settings. */
export interface KubeletSources {
  /** The config file read (kubelet's --config, else kubeadm's /var/lib/kubelet/config.yaml). */
  config?: Sourced<string>;
  /** kubelet's command line; undefined when no kubelet process was seen. */
  args?: readonly string[];
  /** Where args came from (/proc/PID/cmdline). */
  argsSource?: string;
  /** kubelet's systemd unit, drop-ins and the environment files they name. */
  flagFiles: readonly Sourced<string>[];
  /** kubelet --version ("1.31.2"). */
  version?: string;
}

export function kubeletSources(f: RuntimeFacts): KubeletSources {
  const argsSource = f.raw.found.find((x) => x.key === 'kubelet-arg')?.source;
  return {
    ...(f.kubeletConfig ? { config: f.kubeletConfig } : {}),
    ...(f.kubeletArgs ? { args: f.kubeletArgs } : {}),
    ...(argsSource ? { argsSource } : {}),
    flagFiles: [...(f.kubeletUnitFiles ?? []), ...(f.kubeletEnvFiles ?? [])],
    ...(f.kubeletVersion ? { version: f.kubeletVersion } : {}),
  };
}

/**
 * kubelet's hard eviction defaults on Linux: `DefaultEvictionHard` in kubernetes
 * pkg/kubelet/eviction/defaults_linux.go. imagefs.inodesFree was added by kubernetes PR #121834
 * (merged January 2024, after v1.29.0; its cherry-picks to 1.27/1.28 were closed): first release
 * v1.30.0 by date, the tag itself unconfirmed here.
 * kubelet applies these only when evictionHard is absent: cmd/kubelet/app/server.go
 * loadConfigFile sets `kc.EvictionHard = eviction.DefaultEvictionHard` when it is nil, so a config
 * naming one threshold gets 0 for the others. From v1.33.0 `mergeDefaultEvictionSettings: true`
 * (kubernetes PR #127577; the field is in k8s.io/kubelet config/v1beta1/types.go at tag
 * kubernetes-1.33.0, not at kubernetes-1.32.0; default false) makes kubelet fill the others in.
 */
export const DEFAULT_EVICTION_HARD: Readonly<Record<string, string>> = {
  'memory.available': '100Mi',
  'nodefs.available': '10%',
  'nodefs.inodesFree': '5%',
  'imagefs.available': '15%',
  'imagefs.inodesFree': '5%',
};
const EVICTION_SOURCE = 'kubernetes pkg/kubelet/eviction/defaults_linux.go DefaultEvictionHard';

/** kubelet's default maxPods (kubernetes pkg/kubelet/apis/config/v1beta1/defaults.go: `obj.MaxPods = 110`). */
const KUBELET_DEFAULT_MAX_PODS = 110;

/** The fraction of pid_max pid.available keeps free (the eviction threshold this fix writes). */
export const PID_EVICTION_PERCENT = 10;

/** Below this per-pod share a derived podPidsLimit would break ordinary pods: none is written. */
const MIN_POD_PIDS = 100;

export interface PidLimits {
  podPidsLimit: number;
  systemReservedPid: number;
  /** The arithmetic, one line each, for the document's reasons. */
  reasons: string[];
}

/**
 * PID limits from the node itself: reserve for the system what it uses now (every task outside
 * kubepods) twice over, rounded up to a hundred and at least a thousand more than it uses; keep
 * pid.available's share free for eviction; divide the rest among maxPods, so that every pod at its
 * limit still leaves the system its reserve. None (with why) when pid_max is unknown or leaves
 * fewer than MIN_POD_PIDS per pod.
 */
export function pidLimits(s: Snapshot, src: KubeletSources): PidLimits | { noLimits: string } {
  const pidMax = s.node.pidMax;
  if (!pidMax) return { noLimits: 'kernel.pid_max could not be read, so podPidsLimit and systemReserved pid cannot be derived for this node; they are left as they are' };
  const reasons: string[] = [];
  const threadsMax = s.node.threadsMax;
  const capacity = threadsMax && threadsMax < pidMax ? threadsMax : pidMax;
  reasons.push(capacity === pidMax ? `kernel.pid_max ${pidMax} (/proc/sys/kernel/pid_max)` : `kernel.threads-max ${threadsMax} is below kernel.pid_max ${pidMax}: every thread holds a PID, so ${threadsMax} is the node's limit`);

  const total = Number(/\d+\/(\d+)/.exec(s.node.loadavg ?? '')?.[1]);
  const pods = kubepodsTasks(s);
  const inPods = pods?.tasks ?? 0;
  const system = Number.isFinite(total) ? Math.max(0, total - inPods) : undefined;
  let reserve: number;
  if (system === undefined) {
    reserve = 1000;
    reasons.push(`the node's task count is unknown (no /proc/loadavg): systemReserved pid ${reserve}, a floor, not a measurement`);
  } else {
    reserve = Math.ceil(Math.max(2 * system, system + 1000) / 100) * 100;
    reasons.push(
      `tasks now: ${total} on the node (/proc/loadavg) - ${inPods} in pods (${pods ? pods.source : 'no kubepods pids count'}) = ${system} outside kubepods; ` +
        `systemReserved pid = max(2 x ${system}, ${system} + 1000) rounded up to 100 = ${reserve}`,
    );
  }
  const maxPods = maxPodsOf(src);
  const evict = Math.ceil((capacity * PID_EVICTION_PERCENT) / 100);
  const pool = capacity - evict - reserve;
  const podPidsLimit = Math.max(0, Math.floor(pool / maxPods.value));
  reasons.push(
    `podPidsLimit = (${capacity} - ${evict} kept free by pid.available ${PID_EVICTION_PERCENT}% - ${reserve} reserved) / maxPods ${maxPods.value} (${maxPods.source}) = ${podPidsLimit}: ` +
      'with every pod at its limit the node still keeps its reserve and eviction headroom',
  );
  if (podPidsLimit < MIN_POD_PIDS) {
    return { noLimits: `${reasons.join('; ')}: fewer than ${MIN_POD_PIDS} PIDs per pod would break ordinary workloads, so podPidsLimit and systemReserved pid are not set; raise kernel.pid_max (fix sysctl) first` };
  }
  if (pods && pods.busiestPod > podPidsLimit) reasons.push(`warning: a pod runs ${pods.busiestPod} tasks now, more than ${podPidsLimit}; it could not start more, check it before applying`);
  return { podPidsLimit, systemReservedPid: reserve, reasons };
}

/** Tasks in kubepods (its pids.current), and the most in one pod. */
function kubepodsTasks(s: Snapshot): { tasks: number; source: string; busiestPod: number } | undefined {
  let best: { tasks: number; source: string; busiestPod: number } | undefined;
  for (const ih of indexSnapshot(s)) {
    const t = ih.h.tree;
    let busiest = 0;
    let podSum = 0;
    let top: { tasks: number; path: string } | undefined;
    for (let i = 0; i < t.size; i++) {
      const role = ih.ids[i]!.k8s?.role;
      const pids = t.stat('pids', i);
      if (!Number.isFinite(pids)) continue;
      if (role === 'kubepods' && !top) top = { tasks: pids, path: `${ih.h.mountPoint}${t.path(i)}/pids.current` };
      if (role === 'pod') {
        podSum += pids;
        busiest = Math.max(busiest, pids);
      }
    }
    const cand = top ? { tasks: top.tasks, source: top.path, busiestPod: busiest } : podSum ? { tasks: podSum, source: `the pods' pids.current summed in ${ih.h.mountPoint}`, busiestPod: busiest } : undefined;
    if (cand && (!best || cand.tasks > best.tasks)) best = cand;
  }
  return best;
}

function maxPodsOf(src: KubeletSources): { value: number; source: string } {
  const flag = Number(flagValue(src.args ?? [], '--max-pods'));
  if (flag > 0) return { value: flag, source: `--max-pods on kubelet's command line` };
  // A running kubelet without --config reads no config file: its maxPods there counts for nothing.
  const read = src.config && !(src.args && flagValue(src.args, '--config') === undefined);
  const conf = read ? safeGet(src.config!.value, ['maxPods']) : undefined;
  if (typeof conf === 'number' && conf > 0) return { value: conf, source: `${src.config!.source} maxPods` };
  return { value: KUBELET_DEFAULT_MAX_PODS, source: "kubelet's default, pkg/kubelet/apis/config/v1beta1/defaults.go" };
}

function safeGet(text: string, path: string[]): unknown {
  try {
    return getYamlPath(text, path);
  } catch {
    return undefined;
  }
}

/** Flags that override a config key, and whether the fix can set them as a plain value. */
const FLAGS: { change: keyof KubeletChanges; flag: string; key: string; scalar: boolean }[] = [
  { change: 'cgroupDriver', flag: '--cgroup-driver', key: 'cgroupDriver', scalar: true },
  { change: 'podPidsLimit', flag: '--pod-max-pids', key: 'podPidsLimit', scalar: true },
  { change: 'evictionPidAvailable', flag: '--eviction-hard', key: 'evictionHard', scalar: false },
  { change: 'systemReservedPid', flag: '--system-reserved', key: 'systemReserved', scalar: false },
];

/**
 * The kubelet documents for these changes, where kubelet really reads each setting: a flag on
 * its command line overrides the config file, so it is changed in the unit or environment file
 * that sets it (or, where none sets it, a note says which flag and where it was seen); the rest
 * goes into the config file kubelet reads, patched as text. kubelet with no config file gets no
 * invented one: a note says what to do.
 */
export function kubeletFixes(src: KubeletSources, changes: KubeletChanges, reasons: readonly string[]): FixDocument[] {
  const docs = placedFixes(src, changes, reasons);
  if (docs.length) return docs;
  const what = Object.keys(changes).length
    ? `kubelet's command line (${src.argsSource ?? 'its flags'}) already has ${FLAGS.filter((f) => changes[f.change] !== undefined && flagValue(src.args ?? [], f.flag) !== undefined)
        .map((f) => `${f.flag}=${flagValue(src.args ?? [], f.flag)!}`)
        .join(', ')}, which decides over the config file`
    : reasons.length
      ? `nothing for kubelet to change: ${reasons.join('; ')}`
      : 'no finding asks kubelet to change (no driver mismatch, no node PID pressure)';
  return [{ kind: 'kubelet', title: 'kubelet', content: '', reasons: [...reasons], apply: [], noChange: what }];
}

function placedFixes(src: KubeletSources, changes: KubeletChanges, reasons: readonly string[]): FixDocument[] {
  const docs: FixDocument[] = [];
  const forConfig: KubeletChanges = { ...changes };
  const patchedFiles = new Map<string, { before: string; after: string; keys: string[]; why: string[]; unit: boolean }>();
  const notes: string[] = [];
  const args = src.args ?? [];
  const seenAt = src.argsSource ?? "kubelet's command line";
  for (const f of FLAGS) {
    const want = changes[f.change];
    const onCmdline = flagValue(args, f.flag);
    if (want === undefined || onCmdline === undefined) continue;
    if (f.scalar) {
      const value = String(want);
      // The flag decides; the config key is kept only to make a disagreeing file agree.
      if (f.change !== 'cgroupDriver') delete forConfig[f.change];
      else if (!src.config || safeGet(src.config.value, [f.key]) === undefined) delete forConfig.cgroupDriver;
      if (onCmdline === value) continue;
      // A stricter per-pod limit the operator chose is kept, as in the config file.
      if (f.change === 'podPidsLimit' && Number(onCmdline) > 0 && Number(onCmdline) <= Number(value)) continue;
      const sites = flagSites(src.flagFiles, f.flag).filter((x) => x.value !== value);
      if (!sites.length) {
        notes.push(`kubelet's command line (${seenAt}) has ${f.flag}=${onCmdline}, which overrides ${f.key} in its config file; no unit or environment file read here sets it (${fileList(src)}): change it to ${f.flag}=${value} where kubelet is started`);
        continue;
      }
      for (const site of sites) {
        const file = src.flagFiles.find((x) => x.source === site.source)!;
        const cur = patchedFiles.get(file.source) ?? { before: file.value, after: file.value, keys: [], why: [], unit: /\.(service|conf)$/.test(file.source) };
        if (!cur.keys.includes(f.key)) cur.keys.push(f.key);
        cur.after = setFlagText(cur.after, f.flag, value);
        cur.why.push(`${f.flag}=${site.value} at ${site.source}:${site.line} is on kubelet's command line (${seenAt}: ${f.flag}=${onCmdline}) and overrides ${f.key} in the config file: set to ${value}`);
        patchedFiles.set(file.source, cur);
      }
    } else {
      delete forConfig[f.change];
      const site = flagSites(src.flagFiles, f.flag)[0];
      const add = f.change === 'evictionPidAvailable' ? `pid.available<${String(want)}` : `pid=${String(want)}`;
      notes.push(`${f.flag}=${onCmdline} is on kubelet's command line (${seenAt}) and replaces ${f.key} in the config file: add ${add} to it${site ? ` at ${site.source}:${site.line}` : ' where kubelet is started (no unit or environment file read here sets it)'}`);
    }
  }
  for (const [path, p] of patchedFiles) {
    docs.push({
      kind: 'kubelet',
      title: `kubelet flags ${path}`,
      targetPath: path,
      content: p.after,
      diff: unifiedDiff(p.before, p.after, `a${path}`, `b${path}`),
      // The findings' reasons that concern the settings this file holds, then where each flag is.
      reasons: [...reasons.filter((r) => p.keys.some((k) => r.startsWith(`${k}:`))), ...p.why],
      apply: [...(p.unit ? ['systemctl daemon-reload'] : []), 'systemctl restart kubelet', ...drainFirst(changes)],
    });
  }
  if (notes.length) docs.push(note('kubelet flags: change by hand', notes, reasons));

  const configKeys = Object.keys(forConfig).filter((k) => forConfig[k as keyof KubeletChanges] !== undefined);
  if (!configKeys.length) return docs;
  const hasConfigFlag = flagValue(args, '--config') !== undefined;
  if (src.args && !hasConfigFlag) {
    const where = src.flagFiles.length ? src.flagFiles.map((x) => x.source).join(', ') : 'the unit that starts kubelet';
    docs.push(
      note(
        'kubelet reads no config file',
        [
          `kubelet runs without --config (${seenAt}), so it reads no KubeletConfiguration${src.config ? ` (${src.config.source} exists but kubelet does not read it)` : ''}.`,
          `To set ${configKeys.map(keyName).join(', ')}: add --config=/var/lib/kubelet/config.yaml to kubelet's flags in ${where}, and create that file with`,
          'apiVersion: kubelet.config.k8s.io/v1beta1 and kind: KubeletConfiguration and these keys; or set the matching flags there.',
        ],
        reasons,
      ),
    );
    return docs;
  }
  if (!src.config) {
    docs.push(
      note(
        'kubelet config file not found',
        [
          src.args
            ? `kubelet's --config=${flagValue(args, '--config')} (${seenAt}) could not be read, so no patch can be made.`
            : 'No kubelet process was seen and /var/lib/kubelet/config.yaml (kubeadm\'s) does not exist, so the file kubelet reads is not known; no file is invented.',
          `Find it with: systemctl cat kubelet; then set ${configKeys.map(keyName).join(', ')} in it.`,
        ],
        reasons,
      ),
    );
    return docs;
  }
  const assumed = src.args ? [] : [`no kubelet process was seen: ${src.config.source} is the file kubeadm's kubelet reads (--config); check with systemctl cat kubelet`];
  docs.push(kubeletConfigFix(src.config, forConfig, [...reasons, ...assumed], src.version));
  return docs;
}

/**
 * The node's own KubeletConfiguration with the changes spliced in as text (yamlText): every
 * other byte kept; a file that already says it gives noChange and no diff. Throws FixInputError
 * for a file that is not valid YAML or not a KubeletConfiguration.
 */
export function kubeletConfigFix(current: Sourced<string>, changes: KubeletChanges, reasons: readonly string[], version?: string): FixDocument {
  const path = current.source;
  const before = current.value;
  checkKubeletConfiguration(before, path);
  const sets: YamlSet[] = [];
  const why: string[] = [];
  if (changes.cgroupDriver) sets.push({ path: ['cgroupDriver'], value: changes.cgroupDriver });
  if (changes.podPidsLimit !== undefined) {
    const cur = getYamlPath(before, ['podPidsLimit']);
    if (typeof cur === 'number' && cur > 0 && cur <= changes.podPidsLimit) why.push(`podPidsLimit ${cur} is already at or below the derived ${changes.podPidsLimit}: kept`);
    else sets.push({ path: ['podPidsLimit'], value: changes.podPidsLimit });
  }
  if (changes.evictionPidAvailable) {
    const hard = getYamlPath(before, ['evictionHard']);
    sets.push({ path: ['evictionHard', 'pid.available'], value: changes.evictionPidAvailable });
    if (hard === undefined || hard === null) {
      for (const [k, v] of Object.entries(DEFAULT_EVICTION_HARD)) sets.push({ path: ['evictionHard', k], value: v });
      why.push(
        `evictionHard was unset, so kubelet used its Linux defaults (${defaultsText()}; ${EVICTION_SOURCE}); a config naming only pid.available would set every other threshold to 0 ` +
          '(kubelet takes its defaults only when evictionHard is absent), switching off memory and disk eviction: the defaults are written beside it ' +
          '(imagefs.inodesFree is a default since Kubernetes 1.30; on an older kubelet it adds that threshold)',
      );
    } else if (typeof hard === 'object' && !(Array.isArray(hard))) {
      const given = Object.keys(hard as Record<string, unknown>);
      const missing = Object.keys(DEFAULT_EVICTION_HARD).filter((k) => !given.includes(k));
      const state = given.length ? `already sets ${given.join(', ')}` : 'is set and empty (every threshold off)';
      if (missing.length) why.push(`evictionHard ${state}; pid.available is added and nothing else. ${mergeVerdict(before, version, missing)}`);
    }
  }
  if (changes.systemReservedPid) {
    const cur = Number(getYamlPath(before, ['systemReserved', 'pid']));
    if (cur >= Number(changes.systemReservedPid)) why.push(`systemReserved pid ${cur} is already at or above the derived ${changes.systemReservedPid}: kept`);
    else sets.push({ path: ['systemReserved', 'pid'], value: changes.systemReservedPid });
  }
  let after: string;
  try {
    after = setYamlText(before, sets);
  } catch (e) {
    if (e instanceof YamlTextError) throw new FixInputError(`cannot patch ${path}: ${e.message}`);
    throw e;
  }
  const doc: FixDocument = { kind: 'kubelet', title: `KubeletConfiguration ${path}`, targetPath: path, content: after, reasons: [...reasons, ...why], apply: ['systemctl restart kubelet', ...drainFirst(changes)] };
  if (after === before) return { ...doc, diff: '', noChange: `${path} already sets ${sets.map((s) => `${s.path.join('.')}: ${String(s.value)}`).join(', ') || 'what the fix would'}` };
  return { ...doc, diff: unifiedDiff(before, after, `a${path}`, `b${path}`) };
}

/** Only a KubeletConfiguration is patched: another kind (a Pod manifest) or bad YAML is an error naming the file. */
function checkKubeletConfiguration(text: string, path: string): void {
  let kind: unknown;
  let api: unknown;
  try {
    kind = getYamlPath(text, ['kind']);
    api = getYamlPath(text, ['apiVersion']);
  } catch (e) {
    throw new FixInputError(`cannot parse ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (kind !== 'KubeletConfiguration') throw new FixInputError(`${path} is not a KubeletConfiguration (${kind === undefined ? 'it has no kind' : `kind: ${String(kind)}`})`);
  if (typeof api !== 'string' || !api.startsWith('kubelet.config.k8s.io/')) throw new FixInputError(`${path} is not a KubeletConfiguration (apiVersion: ${api === undefined ? 'none' : String(api)}, not kubelet.config.k8s.io/*)`);
}

/** Whether kubelet fills the thresholds a partial evictionHard leaves out. */
function mergeVerdict(text: string, version: string | undefined, missing: string[]): string {
  const merge = getYamlPath(text, ['mergeDefaultEvictionSettings']) === true;
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  const v133 = m ? Number(m[1]) > 1 || Number(m[2]) >= 33 : undefined;
  const left = missing.join(', ');
  if (merge && v133) return `kubelet ${version} fills ${left} from its defaults (mergeDefaultEvictionSettings: true, from 1.33).`;
  if (merge) return `mergeDefaultEvictionSettings: true fills ${left} only from kubelet 1.33 (this kubelet: ${version ?? 'version unknown'}); before that they are 0, as they are today.`;
  return `kubelet sets ${left} to 0 (no mergeDefaultEvictionSettings${v133 ? '' : ', which needs kubelet 1.33'}), as it does today: this fix leaves that as it is.`;
}

function defaultsText(): string {
  return Object.entries(DEFAULT_EVICTION_HARD)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

function keyName(k: string): string {
  return FLAGS.find((f) => f.change === k)?.key ?? k;
}

function fileList(src: KubeletSources): string {
  return src.flagFiles.length ? src.flagFiles.map((x) => x.source).join(', ') : 'none found';
}

function drainFirst(changes: KubeletChanges): string[] {
  return changes.cgroupDriver ? ['changing the cgroup driver: drain the node first (kubectl drain NODE --ignore-daemonsets) and change the runtime in the same step (fix containerd / fix crio)'] : [];
}

/** A document with nothing to apply automatically: what to change by hand, as comment lines. */
function note(title: string, lines: string[], reasons: readonly string[]): FixDocument {
  const why = reasons.map((r) => `#   why: ${r}`);
  return { kind: 'kubelet', title, content: [`# ${title}`, ...why, ...lines.map((l) => `# ${l}`)].join('\n') + '\n', reasons: [...reasons], apply: [] };
}
