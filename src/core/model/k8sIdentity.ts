/**
 * What a cgroup path means to Kubernetes, for both kubelet cgroup drivers:
 *   cgroupfs: kubepods[/burstable|/besteffort]/pod<uid>/<container-id>
 *   systemd:  kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_with_underscores>.slice/<runtime>-<id>.scope
 * The kubepods component may sit anywhere (kind nests it under /kubelet, kubelet's --cgroup-root
 * moves it), so the path is read from the first "kubepods" or "kubepods.slice" component on.
 */
export type QosClass = 'guaranteed' | 'burstable' | 'besteffort';
export type CgroupDriver = 'cgroupfs' | 'systemd';
export type Runtime = 'containerd' | 'cri-o' | 'docker' | 'unknown';
export type K8sRole = 'kubepods' | 'qos' | 'pod' | 'container' | 'pod-other';
export type UnitType = 'slice' | 'scope' | 'service' | 'socket' | 'mount' | 'swap';

export interface K8sIdentity {
  role: K8sRole;
  driver: CgroupDriver;
  qos?: QosClass;
  podUid?: string;
  containerId?: string;
  runtime?: Runtime;
  /** conmon's own scope (CRI-O), not a container. */
  conmon?: boolean;
}

export interface CgroupIdentity {
  k8s?: K8sIdentity;
  unitType?: UnitType;
  /** A transient mount scope (run-*.scope): systemd-run mounts that leak when not cleaned up. */
  transientMount?: boolean;
}

const UID_RE = /^[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}$/i;
const CONTAINER_ID_RE = /^[0-9a-f]{64}$/;

/** Pod UIDs come as 8-4-4-4-12 with dashes (cgroupfs) or underscores (systemd); normalise to dashes. */
export function normalisePodUid(raw: string): string {
  return raw.replace(/_/g, '-').toLowerCase();
}

function unitTypeOf(name: string): UnitType | undefined {
  const m = /\.(slice|scope|service|socket|mount|swap)$/.exec(name);
  return m ? (m[1] as UnitType) : undefined;
}

function qosOf(word: string): QosClass | undefined {
  return word === 'burstable' || word === 'besteffort' ? word : undefined;
}

/** Decodes a container cgroup name: a bare ID, or <runtime>-<id>[.scope]. */
function containerOf(name: string): Pick<K8sIdentity, 'containerId' | 'runtime' | 'conmon'> | undefined {
  const base = name.endsWith('.scope') ? name.slice(0, -'.scope'.length) : name;
  if (CONTAINER_ID_RE.test(base)) return { containerId: base, runtime: 'unknown' };
  const prefixes: [string, Runtime, boolean][] = [
    ['cri-containerd-', 'containerd', false],
    ['crio-conmon-', 'cri-o', true],
    ['crio-', 'cri-o', false],
    ['docker-', 'docker', false],
  ];
  for (const [prefix, runtime, conmon] of prefixes) {
    if (base.startsWith(prefix)) {
      const id = base.slice(prefix.length);
      if (CONTAINER_ID_RE.test(id)) return conmon ? { containerId: id, runtime, conmon } : { containerId: id, runtime };
    }
  }
  return undefined;
}

/** Pod cgroup names: pod<uid> (cgroupfs) or kubepods[-<qos>]-pod<uid>.slice (systemd). */
function podUidOf(name: string, driver: CgroupDriver): string | undefined {
  if (driver === 'cgroupfs') {
    if (name.startsWith('pod') && UID_RE.test(name.slice(3))) return normalisePodUid(name.slice(3));
    return undefined;
  }
  const m = /^kubepods(?:-(?:burstable|besteffort))?-pod(.+)\.slice$/.exec(name);
  if (m && UID_RE.test(m[1]!)) return normalisePodUid(m[1]!);
  return undefined;
}

/**
 * The identity of a cgroup from the identity of its parent and its own name: one step, so a whole
 * tree is decoded in a single pass from the root down.
 */
export function childIdentity(parent: CgroupIdentity | undefined, name: string): CgroupIdentity {
  const id: CgroupIdentity = {};
  const unitType = unitTypeOf(name);
  if (unitType) id.unitType = unitType;
  if (unitType === 'scope' && name.startsWith('run-')) id.transientMount = true;

  const p = parent?.k8s;
  if (!p) {
    if (name === 'kubepods') id.k8s = { role: 'kubepods', driver: 'cgroupfs' };
    else if (name === 'kubepods.slice') id.k8s = { role: 'kubepods', driver: 'systemd' };
    return id;
  }
  const driver = p.driver;
  switch (p.role) {
    case 'kubepods': {
      const qos = driver === 'cgroupfs' ? qosOf(name) : qosOf(/^kubepods-(burstable|besteffort)\.slice$/.exec(name)?.[1] ?? '');
      if (qos) {
        id.k8s = { role: 'qos', driver, qos };
        break;
      }
      const uid = podUidOf(name, driver);
      if (uid) id.k8s = { role: 'pod', driver, qos: 'guaranteed', podUid: uid };
      break;
    }
    case 'qos': {
      const uid = podUidOf(name, driver);
      if (uid) id.k8s = { role: 'pod', driver, ...(p.qos ? { qos: p.qos } : {}), podUid: uid };
      break;
    }
    case 'pod': {
      const c = containerOf(name);
      const base = { driver, ...(p.qos ? { qos: p.qos } : {}), ...(p.podUid ? { podUid: p.podUid } : {}) };
      id.k8s = c ? { role: 'container', ...base, ...c } : { role: 'pod-other', ...base };
      break;
    }
    case 'container':
    case 'pod-other':
      // Below a container (a nested cgroup a workload made) it still belongs to the pod.
      id.k8s = { ...p, role: 'pod-other' };
      break;
  }
  return id;
}

/** The identity of a whole path (byte-string components), for one-off lookups. */
export function identityOfPath(path: string): CgroupIdentity {
  let id: CgroupIdentity | undefined;
  for (const part of path.split('/')) if (part !== '') id = childIdentity(id, part);
  return id ?? {};
}

/** A short human name: "pod 1234… burstable", "container abcd… (containerd)". */
export function describeIdentity(id: CgroupIdentity): string | undefined {
  const k = id.k8s;
  if (!k) return id.transientMount ? 'transient mount scope' : undefined;
  switch (k.role) {
    case 'kubepods':
      return `kubepods (${k.driver} driver)`;
    case 'qos':
      return `${k.qos} pods`;
    case 'pod':
      return `pod ${k.podUid} (${k.qos})`;
    case 'container':
      return `${k.conmon ? 'conmon of ' : ''}container ${k.containerId?.slice(0, 12)} (${k.runtime}) of pod ${k.podUid}`;
    case 'pod-other':
      return `in pod ${k.podUid}`;
  }
}
