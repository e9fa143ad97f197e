import { safeLogText } from '../analysis/logSignatures';
import { normalisePodUid } from '../model/k8sIdentity';
import { fail, ok, type Result } from '../result';
import type { KubeError } from './kubectl';

/**
 * The parts of Node and Pod objects the forensics need, read from `kubectl get ... -o json`.
 * kubectl's output is untrusted text: every field is type-checked, strings are kept as data
 * (shown through safeLogText), and anything malformed is skipped rather than trusted.
 */
export interface KubeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface KubeNode {
  name: string;
  /** metadata.labels["kubernetes.io/hostname"]. */
  hostnameLabel?: string;
  /** status.addresses: Hostname, InternalIP, ExternalIP, InternalDNS, ExternalDNS. */
  addresses: { type: string; address: string }[];
  conditions: KubeCondition[];
  kubeletVersion?: string;
  unschedulable?: boolean;
}

export interface KubePod {
  namespace: string;
  name: string;
  /** metadata.uid, normalised (lower case, dashes). */
  uid: string;
  /** A static pod's mirror: the UID kubelet uses (its cgroup's), from kubernetes.io/config.mirror. */
  mirrorOf?: string;
  nodeName?: string;
  phase?: string;
  qosClass?: string;
  /** Container IDs without the runtime prefix ("containerd://"), of every kind of container. */
  containerIds: string[];
  /** Containers of the spec that set no memory limit / no CPU limit. */
  containersWithoutMemoryLimit: string[];
  containersWithoutCpuLimit: string[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The objects of a kubectl answer: a List's items; for `get KIND NAME` the one object it prints
 * (single: the object's kind), or nothing at all when --ignore-not-found found none.
 */
function items(text: string, kind: string, single?: string): Result<unknown[], KubeError> {
  if (single !== undefined && text.trim() === '') return ok([]);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return fail({ code: 'bad-output', message: `kubectl's ${kind} list is not JSON: ${safeLogText(e instanceof Error ? e.message : String(e), 200)}` });
  }
  const list = obj(doc);
  if (single !== undefined && list?.kind === single) return ok([list]);
  if (!list || !Array.isArray(list.items)) return fail({ code: 'bad-output', message: `kubectl's ${kind} list has no items` });
  return ok(list.items);
}

/** Nodes from `kubectl get nodes [NAME...] -o json` (a NodeList, one Node, or nothing). */
export function parseNodeList(text: string): Result<KubeNode[], KubeError> {
  const r = items(text, 'node', 'Node');
  if (!r.ok) return r;
  const out: KubeNode[] = [];
  for (const it of r.value) {
    const meta = obj(obj(it)?.metadata);
    const name = str(meta?.name);
    if (!name) continue;
    const status = obj(obj(it)?.status);
    const node: KubeNode = { name, addresses: [], conditions: [] };
    const label = str(obj(meta?.labels)?.['kubernetes.io/hostname']);
    if (label) node.hostnameLabel = label;
    for (const a of arr(status?.addresses)) {
      const type = str(obj(a)?.type);
      const address = str(obj(a)?.address);
      if (type && address) node.addresses.push({ type, address });
    }
    for (const c of arr(status?.conditions)) {
      const type = str(obj(c)?.type);
      const st = str(obj(c)?.status);
      if (!type || !st) continue;
      const cond: KubeCondition = { type, status: st };
      for (const k of ['reason', 'message', 'lastTransitionTime'] as const) {
        const v = str(obj(c)?.[k]);
        if (v) cond[k] = v;
      }
      node.conditions.push(cond);
    }
    const kv = str(obj(status?.nodeInfo)?.kubeletVersion);
    if (kv) node.kubeletVersion = kv;
    if (obj(obj(it)?.spec)?.unschedulable === true) node.unschedulable = true;
    out.push(node);
  }
  return ok(out);
}

const UID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$|^[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}$/i;

/** A UID as the cgroup names carry it: 8-4-4-4-12 with dashes, or a static pod's 32 hex digits. */
export function podUidKey(raw: string): string | undefined {
  if (!UID_RE.test(raw)) return undefined;
  return normalisePodUid(raw);
}

export function parsePodList(text: string): Result<KubePod[], KubeError> {
  const r = items(text, 'pod');
  if (!r.ok) return r;
  const out: KubePod[] = [];
  for (const it of r.value) {
    const meta = obj(obj(it)?.metadata);
    const spec = obj(obj(it)?.spec);
    const status = obj(obj(it)?.status);
    const name = str(meta?.name);
    const uid = podUidKey(str(meta?.uid) ?? '');
    if (!name || !uid) continue;
    const pod: KubePod = { namespace: str(meta?.namespace) ?? '', name, uid, containerIds: [], containersWithoutMemoryLimit: [], containersWithoutCpuLimit: [] };
    const mirror = podUidKey(str(obj(meta?.annotations)?.['kubernetes.io/config.mirror']) ?? '');
    if (mirror) pod.mirrorOf = mirror;
    const nodeName = str(spec?.nodeName);
    if (nodeName) pod.nodeName = nodeName;
    const phase = str(status?.phase);
    if (phase) pod.phase = phase;
    const qos = str(status?.qosClass);
    if (qos) pod.qosClass = qos;
    for (const key of ['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses']) {
      for (const cs of arr(status?.[key])) {
        const id = str(obj(cs)?.containerID);
        const m = id && /^[a-z0-9.-]+:\/\/([0-9a-f]{64})$/.exec(id);
        if (m) pod.containerIds.push(m[1]!);
      }
    }
    for (const c of arr(spec?.containers)) {
      const cname = str(obj(c)?.name) ?? '?';
      const limits = obj(obj(obj(c)?.resources)?.limits);
      if (!limits || limits.memory === undefined) pod.containersWithoutMemoryLimit.push(cname);
      if (!limits || limits.cpu === undefined) pod.containersWithoutCpuLimit.push(cname);
    }
    out.push(pod);
  }
  return ok(out);
}

/** "namespace/name", display-safe. */
export function podName(p: Pick<KubePod, 'namespace' | 'name'>): string {
  return safeLogText(p.namespace ? `${p.namespace}/${p.name}` : p.name, 300);
}
