import type { Finding, Severity } from './finding';

/**
 * Known cgroup-leak bugs by component and version range, each with where it is described. Kept in
 * code so a reviewer can check each row against its source; a row is added only with a source.
 */
export type Component = 'kernel' | 'systemd' | 'runc' | 'containerd' | 'crio' | 'kubelet';

export interface Advisory {
  id: string;
  component: Component;
  /** Affected: versions >= introduced (when given) and < fixed. */
  introduced?: string;
  fixed: string;
  /** Only versions starting with this (e.g. "3.10." for RHEL 7's kernels) are judged by this row. */
  series?: string;
  severity: Severity;
  summary: string;
  /** What to do, besides upgrading to `fixed`. */
  remedy: string;
  sources: string[];
}

export const ADVISORIES: readonly Advisory[] = [
  {
    id: 'systemd-transient-mount-units',
    component: 'systemd',
    fixed: '237',
    severity: 'warning',
    summary: 'transient mount units and scopes that kubelet starts with systemd-run accumulate ("loaded inactive dead"); once systemd holds too many, new ones fail with "Argument list too long" and kubelet burns CPU scanning the cgroups',
    remedy: "upgrade systemd to 237 or later (the discussion points to systemd/systemd#7811); meanwhile 'systemctl reset-failed' and stopping leaked run-*.scope units relieve it",
    sources: ['https://github.com/kubernetes/kubernetes/issues/57345', 'https://github.com/kubernetes/kops/issues/5916'],
  },
  {
    id: 'kernel-3.10-kmem-memcg-leak',
    component: 'kernel',
    series: '3.10.',
    fixed: '3.10.0-1075',
    severity: 'critical',
    summary: 'on 3.10 (RHEL/CentOS 7) kernels, kernel memory accounting, which runc and kubelet turn on for every container, keeps removed memory cgroups alive: slab allocations fail ("SLUB: Unable to allocate memory") and cgroup mkdir fails with ENOSPC at 65535 memory cgroups',
    remedy: 'boot with cgroup.memory=nokmem (fix sysctl), or a kernel of 3.10.0-1075.el7 or later (Red Hat bug 1507149, as reported in docker/for-linux#841)',
    sources: ['https://github.com/opencontainers/runc/issues/1725', 'https://github.com/kubernetes/kubernetes/issues/61937', 'https://github.com/docker/for-linux/issues/841'],
  },
  {
    id: 'runc-kmem-limits-v1',
    component: 'runc',
    fixed: '1.0.0-rc94',
    severity: 'info',
    summary: 'runc before 1.0.0-rc94 still sets kernel memory limits on cgroup v1 (from rc94 they are always ignored), which turns on kmem accounting: harmful on 3.10 kernels',
    remedy: 'upgrade runc to 1.0.0-rc94 or later (shipped with containerd 1.4.5)',
    sources: ['https://github.com/docker/containerd-packaging/pull/232', 'https://github.com/opencontainers/runc/issues/1725'],
  },
  {
    id: 'runc-systemd-unit-exists',
    component: 'runc',
    fixed: '1.1.6',
    severity: 'warning',
    summary: "runc's systemd cgroup drivers ignored systemd's UnitExists error, so a container could end up outside its own unit and cgroup (which then outlives it)",
    remedy: 'upgrade runc to 1.1.6 or later (containerd 1.6.21/1.7.1 ship 1.1.7)',
    sources: ['https://github.com/containerd/containerd/pull/8384', 'https://github.com/containerd/containerd/pull/8450'],
  },
  {
    id: 'containerd-cgroups-leak-fixes',
    component: 'containerd',
    fixed: '1.6.0',
    severity: 'info',
    summary: 'containerd before 1.6 vendors containerd/cgroups older than v1.0.3, whose leak fixes it picked up in February 2022',
    remedy: 'upgrade containerd to 1.6 or later',
    sources: ['https://github.com/containerd/containerd/pull/6498'],
  },
  {
    id: 'crio-systemd-scope-leak',
    component: 'crio',
    fixed: '1.25.0',
    severity: 'warning',
    summary: 'CRI-O with the systemd cgroup manager did not pass --systemd-cgroup to every runc command, leaking systemd scopes (fixed in August 2022; a 1.24 backport followed)',
    remedy: 'upgrade CRI-O to a release with cri-o/cri-o#6153 (1.25 or later, or the 1.24 branch after cri-o/cri-o#6636)',
    sources: ['https://github.com/cri-o/cri-o/pull/6153', 'https://github.com/cri-o/cri-o/pull/6636'],
  },
  {
    id: 'crio-sandbox-cgroup-leak',
    component: 'crio',
    fixed: '1.26.0',
    severity: 'warning',
    summary: 'CRI-O before 1.26 did not remove the cgroup of a pod sandbox whose infra container it spoofs (drop_infra_ctr, the default), so every terminated pod left a cgroup (and pid namespace) behind',
    remedy: 'upgrade CRI-O to 1.26 or later; the fix was also merged to release-1.23 to 1.25 in April 2023, so a later patch release of those may already have it (check its changelog)',
    sources: ['https://github.com/cri-o/cri-o/issues/6349', 'https://github.com/cri-o/cri-o/pull/6640'],
  },
];

/** Versions a node reports, as the facts and the probe read them. */
export type NodeVersions = Partial<Record<Component, string>>;

/**
 * Compares versions part by part: runs of digits numerically, other runs as text; a pre-release
 * ("-rc94") sorts before its release ("1.0.0-rc94" < "1.0.0"), distro suffixes after a number
 * ("3.10.0-1075.el7") count as further parts. Leading "v" is ignored.
 */
export function compareVersions(a: string, b: string): number {
  const norm = (v: string): string => v.trim().replace(/^v/, '');
  const [ma, pa] = splitPre(norm(a));
  const [mb, pb] = splitPre(norm(b));
  const c = compareParts(ma, mb);
  if (c !== 0) return c;
  if (pa === undefined && pb === undefined) return 0;
  if (pa === undefined) return 1;
  if (pb === undefined) return -1;
  return compareParts(pa, pb);
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
      // A number outranks text at the same place ("1.0.0.1" > "1.0.0.el7" is not meaningful; keep order stable).
      return nx ? 1 : -1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

export function isAffected(a: Advisory, version: string): boolean {
  const v = version.trim().replace(/^v/, '');
  if (!/^\d/.test(v)) return false;
  if (a.series !== undefined && !v.startsWith(a.series)) return false;
  if (a.introduced !== undefined && compareVersions(v, a.introduced) < 0) return false;
  return compareVersions(v, a.fixed) < 0;
}

/** A finding for each advisory the node's versions fall in. */
export function findAdvisories(versions: NodeVersions, table: readonly Advisory[] = ADVISORIES): Finding[] {
  const out: Finding[] = [];
  for (const a of table) {
    const v = versions[a.component];
    if (v === undefined || !isAffected(a, v)) continue;
    out.push({
      kind: 'version-advisory',
      severity: a.severity,
      confidence: 'medium',
      title: `${a.component} ${v} is affected by ${a.id}: upgrade to ${a.fixed} or later`,
      cgroups: [],
      evidence: [`${a.component} version ${v} < ${a.fixed}${a.series ? ` (${a.series}x series)` : ''}`, a.summary, `fix: ${a.remedy}`, ...a.sources.map((s) => `source: ${s}`)],
    });
  }
  return out;
}
