import type { Confidence, Finding, Severity } from './finding';
import { cmdlineHasNokmem } from '../model/kernelCmdline';
import { note, sourceEvidence } from './evidence';

/**
 * Known cgroup-leak bugs by component, with the releases that hold each fix (the main line and
 * every backport), the release that brought the bug in, the node configuration the bug needs, and
 * for every bound the upstream change and the release that proves it. Kept in code so a reviewer
 * can check each row against its sources; a bound is given a number only when the release was
 * found to hold the change (tags of the project's own repository, or its CHANGELOG); otherwise it
 * is stored as unconfirmed, and findings say "unconfirmed" instead of a number.
 */
export type Component = 'kernel' | 'systemd' | 'runc' | 'containerd' | 'crio' | 'kubelet';

/** One end of an affected range: the first release that holds a change, and what proves it. */
export interface Bound {
  /** The first release holding the change, confirmed from its sources. Absent: unconfirmed. */
  version?: string;
  /**
   * Set when the release could not be confirmed: why. `claimed` is the release a second-hand source
   * names; it still decides (so versions past it are not flagged forever) but is never shown as fact.
   */
  unconfirmed?: string;
  claimed?: string;
  /** The change (PR, commit) and where the release was read (tag, changelog), as URLs. */
  sources: string[];
}

/** A fix on a release branch (a backport): versions of that branch below it are affected. */
export interface BranchFix extends Bound {
  /** The release line, "major.minor": "1.26". */
  branch: string;
}

/** Node settings an advisory can depend on, as the facts and the probe read them. */
export type Setting =
  | 'crio-cgroup-manager'
  | 'crio-drop-infra-ctr'
  | 'kubelet-cgroup-driver'
  /** The driver runc is told to use: containerd's SystemdCgroup, CRI-O's cgroup_manager. */
  | 'runc-cgroup-driver'
  /** The node's cgroup layout: v1, v2 or hybrid (from the mount table). */
  | 'cgroup-layout'
  | 'kernel-cmdline'
  | 'runc-build-tags';

/** A setting's value and where it was read; without a value, `source` says why it is unknown. */
export interface NodeSetting {
  value?: string;
  source: string;
}

export type NodeSettings = Partial<Record<Setting, NodeSetting>>;

/** What the node's configuration must be for the bug to bite. */
export interface Condition {
  setting: Setting;
  /** The requirement as a reader checks it: 'CRI-O cgroup_manager = "systemd"'. */
  text: string;
  holds(value: string): boolean;
}

export interface Advisory {
  id: string;
  component: Component;
  /** Only versions starting with this (e.g. "3.10." for RHEL 7's kernels) are judged by this row. */
  series?: string;
  /** The first affected release; absent: every release before the fix (the code was always so). */
  introduced?: Bound;
  /** The first release of the main line that holds the fix; it covers every later release line. */
  fixed: Bound;
  /** Backports: on these release lines, releases below the backport are affected, later ones not. */
  backports?: BranchFix[];
  /** All must hold on the node; one that does not means not affected, one unknown is said so. */
  conditions?: Condition[];
  severity: Severity;
  summary: string;
  /** What to do besides upgrading. */
  remedy: string;
}

const GH = 'https://github.com';
const systemdDriver = (setting: 'runc-cgroup-driver' | 'kubelet-cgroup-driver' | 'crio-cgroup-manager', text: string): Condition => ({ setting, text, holds: (v) => v === 'systemd' });

export const ADVISORIES: readonly Advisory[] = [
  {
    // The .mount half of what used to be one row: kubernetes#57345. The empty run-*.scope cgroups
    // of kubernetes#64137 / #70324 have no systemd fix; findTransientMountLeak detects those.
    id: 'systemd-transient-mount-units',
    component: 'systemd',
    fixed: {
      claimed: '237',
      unconfirmed: 'a comment in kubernetes#57345 names systemd 237 / systemd PR 7811; the change and the release were not found in systemd itself',
      sources: [`${GH}/kubernetes/kubernetes/issues/57345`],
    },
    severity: 'warning',
    summary: 'the .mount units systemd makes for the mounts under /var/lib/kubelet stay "loaded inactive dead" after the unmount and accumulate; with too many units systemd refuses new transient units ("Argument list too long") and volume mounts fail',
    remedy: "upgrade systemd (which release fixed it is unconfirmed); 'systemctl list-units --all --type=mount' shows how many kubelet mount units systemd holds",
  },
  {
    id: 'kernel-3.10-kmem-memcg-leak',
    component: 'kernel',
    series: '3.10.',
    fixed: {
      unconfirmed: 'a fix in 3.10.0-1075.el7 is only said in a docker/for-linux#841 comment (Red Hat bug 1507149), and the leak is reported on 3.10.0-1160.el7 (kubernetes#96701)',
      sources: [`${GH}/docker/for-linux/issues/841`, `${GH}/kubernetes/kubernetes/issues/96701`],
    },
    conditions: [{ setting: 'kernel-cmdline', text: 'the kernel command line has no cgroup.memory=nokmem', holds: (v) => !cmdlineHasNokmem(v) }],
    severity: 'warning',
    summary: 'on 3.10 (RHEL/CentOS 7) kernels, kernel memory accounting (which runc 1.0.0-rc3 to rc93 and the kubelets that vendor it switch on for every cgroup they make) keeps removed memory cgroups alive: slab allocations fail ("SLUB: Unable to allocate memory") and making a cgroup fails with "cannot allocate memory" (most RHEL 7 reports) or "no space left on device"',
    remedy: 'boot with cgroup.memory=nokmem (the sysctl fix document), and use runc 1.0.0 or later, which never switches kmem accounting on',
  },
  {
    id: 'runc-kmem-limits-v1',
    component: 'runc',
    introduced: {
      version: '1.0.0-rc3',
      sources: [`${GH}/opencontainers/runc/pull/1350`, `${GH}/opencontainers/runc/commit/fe898e7862f945fa3632580139602c627dcb9be0`, `${GH}/opencontainers/runc/releases/tag/v1.0.0-rc3`],
    },
    fixed: {
      version: '1.0.0-rc94',
      sources: [`${GH}/opencontainers/runc/pull/2840`, `${GH}/opencontainers/runc/commit/52390d68040637dfc77f9fda6bbe70952423d380`, `${GH}/opencontainers/runc/releases/tag/v1.0.0-rc94`],
    },
    conditions: [
      { setting: 'cgroup-layout', text: 'the memory controller is on cgroup v1 (v1 or hybrid layout)', holds: (v) => v === 'v1' || v === 'hybrid' },
      { setting: 'runc-build-tags', text: 'runc was built without the nokmem tag (runc#1921, from 1.0.0-rc6)', holds: (v) => !v.split(/\s+/).includes('nokmem') },
    ],
    severity: 'info',
    summary: 'runc from 1.0.0-rc3 (runc#1350) to 1.0.0-rc93 switches kernel memory accounting on for every cgroup it makes on cgroup v1, limit or not (from rc94 kernel memory settings are ignored): harmful on 3.10 kernels',
    remedy: 'upgrade runc to 1.0.0 or later; 1.0.0-rc94, the first without kmem accounting, still has CVE-2021-30465 (fixed in 1.0.0-rc95, runc commit 0ca91f44f1664da834bc61115a849b56d22f595f)',
  },
  {
    id: 'runc-systemd-unit-exists',
    component: 'runc',
    introduced: {
      version: '1.0.0-rc3',
      sources: [`${GH}/opencontainers/runc/pull/1124`, `${GH}/opencontainers/runc/commit/d223e2adae83f62d58448a799a5da05730228089`, `${GH}/opencontainers/runc/releases/tag/v1.0.0-rc3`],
    },
    fixed: {
      version: '1.2.0-rc.1',
      sources: [`${GH}/opencontainers/runc/pull/3782`, `${GH}/opencontainers/runc/commit/c2533420613be63ac9a84fc4363b8ddd46568985`, `${GH}/opencontainers/runc/releases/tag/v1.2.0-rc.1`],
    },
    backports: [{ branch: '1.1', version: '1.1.6', sources: [`${GH}/opencontainers/runc/pull/3806`, `${GH}/opencontainers/runc/releases/tag/v1.1.6`] }],
    conditions: [systemdDriver('runc-cgroup-driver', 'runc uses the systemd cgroup driver')],
    severity: 'warning',
    summary: "runc's systemd cgroup drivers ignored systemd's UnitExists error when starting a container's unit (since runc#1124), so a container could run outside its own unit and cgroup, without its limits, and leave that cgroup behind",
    remedy: 'upgrade runc to 1.1.6 or later on 1.1, or 1.2.0 or later (containerd pins runc 1.1.7 from 1.6.21 and 1.7.1 in script/setup/runc-version)',
  },
  {
    id: 'runc-failed-unit-not-reset',
    component: 'runc',
    fixed: {
      version: '1.2.0-rc.1',
      sources: [`${GH}/opencontainers/runc/pull/3888`, `${GH}/opencontainers/runc/commit/43564a7b55a9299a8ef0ddaf5d01295b7a418928`, `${GH}/opencontainers/runc/releases/tag/v1.2.0-rc.1`],
    },
    backports: [{ branch: '1.1', version: '1.1.8', sources: [`${GH}/opencontainers/runc/pull/3932`, `${GH}/opencontainers/runc/commit/1188c5a192743aac472430c4713c1a3fe0d95a8e`, `${GH}/opencontainers/runc/releases/tag/v1.1.8`] }],
    conditions: [systemdDriver('runc-cgroup-driver', 'runc uses the systemd cgroup driver')],
    severity: 'warning',
    summary: "with the systemd cgroup driver, 'runc delete' of a container whose unit failed (OOM-killed, timed out) leaves the failed scope loaded in systemd, which keeps failed units until reset-failed; runc 1.1.8 / 1.2.0 call reset-failed on delete",
    remedy: "upgrade runc to 1.1.8 or later on 1.1, or 1.2.0 or later; meanwhile 'systemctl reset-failed' on the failed scopes (the failed-unit findings list them)",
  },
  {
    id: 'containerd-cgroup2-oom-watch-inotify-leak',
    component: 'containerd',
    introduced: {
      version: '1.4.0-beta.2',
      sources: [`${GH}/containerd/containerd/pull/4273`, `${GH}/containerd/containerd/commit/2f601013e67c49c446311f980f235c964293a87f`, `${GH}/containerd/containerd/releases/tag/v1.4.0-beta.2`],
    },
    fixed: {
      version: '1.6.0-rc.2',
      sources: [`${GH}/containerd/containerd/pull/6498`, `${GH}/containerd/cgroups/pull/212`, `${GH}/containerd/containerd/releases/tag/v1.6.0-rc.2`],
    },
    backports: [{ branch: '1.5', version: '1.5.12', sources: [`${GH}/containerd/containerd/pull/6961`, `${GH}/containerd/containerd/releases/tag/v1.5.12`] }],
    conditions: [{ setting: 'cgroup-layout', text: 'the node runs cgroup v2 only (unified layout)', holds: (v) => v === 'v2' }],
    severity: 'info',
    summary: "on cgroup v2, the OOM watcher of containerd's runc shim (containerd/cgroups before v1.0.3) keeps an inotify instance and a goroutine for every container that exits; restarting containers exhaust the fd or inotify instance limits. It leaks those, not cgroups",
    remedy: 'upgrade containerd to 1.5.12 or later on 1.5, or 1.6.0 or later (containerd/cgroups v1.0.3)',
  },
  {
    id: 'crio-systemd-scope-leak',
    component: 'crio',
    fixed: {
      version: '1.25.0',
      sources: [`${GH}/cri-o/cri-o/pull/6153`, `${GH}/cri-o/cri-o/issues/5490`, `${GH}/cri-o/cri-o/releases/tag/v1.25.0`],
    },
    conditions: [systemdDriver('crio-cgroup-manager', 'CRI-O cgroup_manager = "systemd"')],
    severity: 'warning',
    summary: 'CRI-O with the systemd cgroup manager did not pass --systemd-cgroup to every runtime command, so runc could not clean up and systemd scopes leaked (no backport: release-1.24 never got the change, v1.24.6 included)',
    remedy: 'upgrade CRI-O to 1.25.0 or later',
  },
  {
    id: 'crio-sandbox-cgroup-leak',
    component: 'crio',
    introduced: {
      version: '1.21.0',
      sources: [`${GH}/cri-o/cri-o/pull/4613`, `${GH}/cri-o/cri-o/commit/c1bdb2f8a417de2f41542cda3509316e252940c3`, `${GH}/cri-o/cri-o/releases/tag/v1.21.0`],
    },
    fixed: {
      version: '1.27.0',
      sources: [`${GH}/cri-o/cri-o/pull/6641`, `${GH}/cri-o/cri-o/issues/6349`, `${GH}/cri-o/cri-o/releases/tag/v1.27.0`],
    },
    // release-1.23 got the change too (cri-o#6640, merged 2023-04-04), after its last release v1.23.5.
    backports: [
      { branch: '1.24', version: '1.24.5', sources: [`${GH}/cri-o/cri-o/pull/6636`, `${GH}/cri-o/cri-o/releases/tag/v1.24.5`] },
      { branch: '1.25', version: '1.25.3', sources: [`${GH}/cri-o/cri-o/pull/6638`, `${GH}/cri-o/cri-o/releases/tag/v1.25.3`] },
      { branch: '1.26', version: '1.26.2', sources: [`${GH}/cri-o/cri-o/pull/6679`, `${GH}/cri-o/cri-o/releases/tag/v1.26.2`] },
    ],
    conditions: [
      systemdDriver('crio-cgroup-manager', 'CRI-O cgroup_manager = "systemd"'),
      { setting: 'crio-drop-infra-ctr', text: 'CRI-O drops the infra container (drop_infra_ctr = true, the default from 1.22.0)', holds: (v) => v === 'true' },
    ],
    severity: 'warning',
    summary: 'CRI-O with the systemd cgroup manager made a cgroup for every pod sandbox whose infra container it drops and never removed it, so every terminated pod left a cgroup (and its pid namespace) behind',
    remedy: 'upgrade CRI-O to 1.24.5, 1.25.3, 1.26.2 or 1.27.0 or later on its release line (no released fix on 1.23 or older)',
  },
  {
    id: 'kubelet-1.21-unit-already-exists',
    component: 'kubelet',
    introduced: {
      version: '1.21.2',
      sources: [
        `${GH}/kubernetes/kubernetes/pull/102147`,
        `${GH}/kubernetes/kubernetes/pull/102196`,
        `${GH}/kubernetes/kubernetes/blob/master/CHANGELOG/CHANGELOG-1.21.md#v1212`,
      ],
    },
    fixed: {
      version: '1.22.0',
      sources: [`${GH}/kubernetes/kubernetes/pull/103743`, `${GH}/kubernetes/kubernetes/pull/103882`, `${GH}/kubernetes/kubernetes/blob/master/CHANGELOG/CHANGELOG-1.22.md#v1220`],
    },
    backports: [{ branch: '1.21', version: '1.21.5', sources: [`${GH}/kubernetes/kubernetes/pull/104530`, `${GH}/kubernetes/kubernetes/blob/master/CHANGELOG/CHANGELOG-1.21.md#v1215`] }],
    conditions: [systemdDriver('kubelet-cgroup-driver', 'kubelet uses the systemd cgroup driver')],
    severity: 'warning',
    summary: 'kubelet 1.21.2 to 1.21.4 vendors runc/libcontainer 1.0.0-rc95, whose systemd driver returns "Unit ... already exists" for a pod slice that exists (runc#2996, fixed by runc#2997 in runc 1.0.0): pods stay in ContainerCreating',
    remedy: 'upgrade kubelet to 1.21.5 or later (libcontainer v1.0.2), or 1.22.0 or later (kubernetes#102676)',
  },
];

/** Versions a node reports, as the facts and the probe read them. */
export type NodeVersions = Partial<Record<Component, string>>;

/**
 * Compares versions part by part: runs of digits numerically, other runs as text; a pre-release
 * ("-rc94", "-rc.1", "-beta.2") sorts before its release ("1.0.0-rc94" < "1.0.0"), distro suffixes
 * after a number ("3.10.0-1160.el7", "1.1.5+ds1") count as further parts, and text after the last
 * number ties ("1.1.5+ds1" = "1.1.5"). A leading "v" is ignored.
 */
export function compareVersions(a: string, b: string): number {
  const [ma, pa] = splitPre(norm(a));
  const [mb, pb] = splitPre(norm(b));
  const c = compareParts(ma, mb);
  if (c !== 0) return c;
  if (pa === undefined && pb === undefined) return 0;
  if (pa === undefined) return 1;
  if (pb === undefined) return -1;
  return compareParts(pa, pb);
}

function norm(v: string): string {
  return v.trim().replace(/^v/, '');
}

/** "1.0.0-rc94" -> ["1.0.0", "rc94"]; "3.10.0-1075.el7" keeps its numeric suffix as a main part. */
function splitPre(v: string): [string, string | undefined] {
  const m = /^([\d.]+)-((?:rc|alpha|beta|pre|dev)[\w.]*)/i.exec(v);
  return m ? [m[1]!, m[2]!] : [v, undefined];
}

function compareParts(a: string, b: string): number {
  const pa = a.match(/\d+|[a-z]+/gi) ?? [];
  const pb = b.match(/\d+|[a-z]+/gi) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return y !== undefined && /^\d+$/.test(y) ? -1 : 0;
    if (y === undefined) return /^\d+$/.test(x) ? 1 : 0;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return Math.sign(d);
    } else if (nx !== ny) {
      return nx ? 1 : -1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** The release line of a version: "1.26" for "1.26.1", "3.10" for a RHEL 7 kernel, "252" for systemd. */
export function branchOf(version: string): string {
  const m = /^(\d+)(?:\.(\d+))?/.exec(norm(version));
  return m ? (m[2] !== undefined ? `${m[1]}.${m[2]}` : m[1]!) : '';
}

/** The release that decides a bound: the confirmed one, else the claimed one, else none. */
function boundVersion(b: Bound): string | undefined {
  return b.version ?? b.claimed;
}

/** How a version stands against a row's bounds, and which bound decided. */
export interface VersionVerdict {
  affected: boolean;
  /** The bound that decided and what it is: the introduced bound, a backport, the main fix. */
  decidedBy: { kind: 'introduced' | 'backport' | 'fixed'; bound: Bound; branch?: string };
  /** One sentence a reader can check against the bound's sources. */
  reason: string;
}

const shown = (b: Bound): string => b.version ?? (b.claimed !== undefined ? `${b.claimed} (unconfirmed: only a second-hand source names it)` : 'unconfirmed');

/**
 * Where a version stands: below `introduced` not affected; on a release line with a backport,
 * affected below it; on the main fix's line or later, affected below the main fix; on an older
 * line without a backport, affected (nothing was fixed there). Undefined when the row does not
 * judge this version (unreadable, another kernel series).
 */
export function judgeVersion(a: Advisory, version: string): VersionVerdict | undefined {
  const v = norm(version);
  if (!/^\d/.test(v)) return undefined;
  if (a.series !== undefined && !v.startsWith(a.series)) return undefined;
  const intro = a.introduced && boundVersion(a.introduced);
  if (a.introduced && intro !== undefined && compareVersions(v, intro) < 0) {
    return { affected: false, decidedBy: { kind: 'introduced', bound: a.introduced }, reason: `${v} is older than ${shown(a.introduced)}, the first affected release` };
  }
  const branch = branchOf(v);
  const back = a.backports?.find((b) => b.branch === branch);
  if (back) {
    const bv = boundVersion(back);
    if (bv === undefined) return { affected: true, decidedBy: { kind: 'backport', bound: back, branch }, reason: `the ${branch} line has a fix whose release is unconfirmed` };
    const affected = compareVersions(v, bv) < 0;
    return { affected, decidedBy: { kind: 'backport', bound: back, branch }, reason: `${v} is on the ${branch} line, fixed there in ${shown(back)}: ${affected ? 'below it' : 'at or past it'}` };
  }
  const fv = boundVersion(a.fixed);
  if (fv === undefined) return { affected: true, decidedBy: { kind: 'fixed', bound: a.fixed }, reason: `no release with the fix is confirmed (fix: ${shown(a.fixed)})` };
  // Without backports every release line is judged by the main fix alone.
  if (!a.backports?.length || compareVersions(branch, branchOf(fv)) >= 0) {
    const affected = compareVersions(v, fv) < 0;
    return { affected, decidedBy: { kind: 'fixed', bound: a.fixed }, reason: `${v} is ${affected ? 'older than' : 'at or past'} ${shown(a.fixed)}, the first release of the main line with the fix` };
  }
  const lines = (a.backports ?? []).map((b) => b.branch);
  return {
    affected: true,
    decidedBy: { kind: 'fixed', bound: a.fixed },
    reason: `${v} is on the ${branch} line, which has no release with the fix (fixed in ${shown(a.fixed)}${lines.length ? `; backports on ${lines.join(', ')}` : ''})`,
  };
}

/** The conditions as checked on the node: the ones that hold, the ones that do not, the unknown. */
export function checkConditions(a: Advisory, settings: NodeSettings): { met: string[]; unmet: string[]; unknown: string[] } {
  const out = { met: [] as string[], unmet: [] as string[], unknown: [] as string[] };
  // Values are the node's text (a kernel command line can be long): quoted, escaped, cut.
  const show = (v: string): string => JSON.stringify(v.length > 120 ? `${v.slice(0, 120)}...` : v);
  for (const c of a.conditions ?? []) {
    const s = settings[c.setting];
    if (s?.value === undefined) out.unknown.push(`${c.text} (${s?.source ?? 'not read on this node'})`);
    else if (c.holds(s.value)) out.met.push(`${c.text}: ${show(s.value)} (${s.source})`);
    else out.unmet.push(`${c.text}: ${show(s.value)} (${s.source})`);
  }
  return out;
}

/** What to upgrade to, in a title: the branch's fix, the main fix, or "unconfirmed". */
function upgradeText(a: Advisory, d: VersionVerdict): string {
  const main = a.fixed.version !== undefined ? `${a.fixed.version} or later` : undefined;
  if (d.decidedBy.kind === 'backport') {
    const b = d.decidedBy.bound;
    return b.version !== undefined ? `upgrade to ${b.version} or later on ${d.decidedBy.branch}${main ? `, or ${main}` : ''}` : 'the fixed release on this line is unconfirmed';
  }
  if (main === undefined) return 'the fixed release is unconfirmed';
  const backs = (a.backports ?? []).filter((b) => b.version !== undefined);
  return backs.length ? `upgrade to ${main} (or ${backs.map((b) => b.version).join(', ')} on ${backs.length === 1 ? 'its line' : 'their lines'})` : `upgrade to ${main}`;
}

/**
 * A finding for each advisory the node's versions fall in and whose conditions do not rule it out.
 * Its evidence names the bound that decided, with its sources, and every condition as checked or
 * as not checkable (then the confidence is low).
 */
export function findAdvisories(versions: NodeVersions, settings: NodeSettings = {}, table: readonly Advisory[] = ADVISORIES): Finding[] {
  const out: Finding[] = [];
  for (const a of table) {
    const v = versions[a.component];
    if (v === undefined) continue;
    const d = judgeVersion(a, v);
    if (!d?.affected) continue;
    const c = checkConditions(a, settings);
    if (c.unmet.length) continue;
    const unconfirmed = d.decidedBy.bound.version === undefined || (a.introduced !== undefined && a.introduced.version === undefined);
    const confidence: Confidence = c.unknown.length || unconfirmed ? 'low' : c.met.length ? 'high' : 'medium';
    const bound = d.decidedBy.bound;
    const lines = [`${a.component} version ${v}: ${d.reason}`];
    if (a.introduced) lines.push(`introduced in ${shown(a.introduced)} (${a.introduced.sources.join(', ')})`);
    if (bound.unconfirmed) lines.push(`unconfirmed: ${bound.unconfirmed}`);
    if (a.introduced?.unconfirmed) lines.push(`introduced bound unconfirmed: ${a.introduced.unconfirmed}`);
    for (const m of c.met) lines.push(`condition met: ${m}`);
    for (const u of c.unknown) lines.push(`condition not checked: ${u}`);
    lines.push(a.summary, `fix: ${a.remedy}`);
    const evidence = [...lines.map(note), ...bound.sources.map(sourceEvidence)];
    out.push({
      kind: 'version-advisory',
      severity: a.severity,
      confidence,
      title: `${a.component} ${v} is affected by ${a.id}: ${upgradeText(a, d)}`,
      cgroups: [],
      evidence,
    });
  }
  return out;
}
