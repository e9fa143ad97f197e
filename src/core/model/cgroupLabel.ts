import { displayOf } from './bytes';
import type { CgroupIdentity } from './k8sIdentity';

/** How many hex digits of a pod UID or container ID a short label keeps (git's short hash is 7; 8 keeps a UID's first group whole). */
const SHORT = 8;

/** The first digits of a pod UID or container ID, marked as cut: "2c3d4e5f…". */
export function shortId(id: string): string {
  return id.length > SHORT ? `${id.slice(0, SHORT)}…` : id;
}

/**
 * What a person recognises a cgroup by, before its full name: its kind and short identity
 * ("pod 2c3d4e5f… burstable", "containerd 3e23e816…", "pod shop/web-1 burstable" when the
 * Kubernetes API named the pod). A cgroup that is not Kubernetes' keeps its own name, rendered
 * with displayOf (names are untrusted bytes). `podName` is the API's "namespace/name" of the
 * pod UID, already display-safe.
 */
export function cgroupLabel(id: CgroupIdentity | undefined, name: string, podName?: (uid: string) => string | undefined): string {
  const k = id?.k8s;
  if (!k) return displayOf(name);
  switch (k.role) {
    case 'kubepods':
      return displayOf(name);
    case 'qos':
      return k.qos ? `${k.qos} pods` : displayOf(name);
    case 'pod': {
      if (!k.podUid) return displayOf(name);
      return [`pod ${podName?.(k.podUid) ?? shortId(k.podUid)}`, k.qos].filter(Boolean).join(' ');
    }
    case 'container': {
      if (!k.containerId) return displayOf(name);
      const who = k.conmon ? 'conmon' : k.runtime && k.runtime !== 'unknown' ? k.runtime : 'container';
      return `${who} ${shortId(k.containerId)}`;
    }
    case 'pod-other':
      return displayOf(name);
  }
}
