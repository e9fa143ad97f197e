import { isMap, parseDocument } from 'yaml';
import type { CgroupDriver } from '../model/k8sIdentity';
import type { FixDocument } from './fixDocument';
import { unifiedDiff } from './unifiedDiff';

export interface KubeletChanges {
  cgroupDriver?: CgroupDriver;
  /** Most PIDs a pod may use (kubelet's default -1 is none). */
  podPidsLimit?: number;
  /** evictionHard pid.available, e.g. "10%": evict before the node runs out of PIDs. */
  evictionPidAvailable?: string;
  /** systemReserved pid (PIDs kept for system daemons), e.g. "1000". */
  systemReservedPid?: string;
}

/**
 * The node's own KubeletConfiguration with the changes applied: edited as a YAML document, so
 * comments, key order and style the operator chose stay as they were. Keys already at the wanted
 * value are left alone; no change at all gives an empty diff.
 */
export function kubeletFix(current: { value: string; source: string } | undefined, changes: KubeletChanges, reasons: string[]): FixDocument {
  const path = current?.source ?? '/var/lib/kubelet/config.yaml';
  const before = current?.value ?? 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n';
  const doc = parseDocument(before);
  if (doc.errors.length) throw new Error(`${path} is not valid YAML: ${doc.errors[0]!.message}`);
  if (!isMap(doc.contents)) throw new Error(`${path} is not a KubeletConfiguration (not a YAML mapping)`);
  const set = (keys: string[], value: unknown): void => {
    if (doc.getIn(keys) !== value) doc.setIn(keys, value);
  };
  if (changes.cgroupDriver) set(['cgroupDriver'], changes.cgroupDriver);
  if (changes.podPidsLimit !== undefined) set(['podPidsLimit'], changes.podPidsLimit);
  if (changes.evictionPidAvailable) set(['evictionHard', 'pid.available'], changes.evictionPidAvailable);
  if (changes.systemReservedPid) set(['systemReserved', 'pid'], changes.systemReservedPid);
  const after = doc.toString();
  const apply = [`review, then replace ${path} with this file`, 'systemctl restart kubelet'];
  if (changes.cgroupDriver) apply.unshift('changing the cgroup driver: drain the node first (kubectl drain NODE --ignore-daemonsets) and change the runtime in the same step (fix containerd / fix crio)');
  return {
    kind: 'kubelet',
    title: `KubeletConfiguration ${path}`,
    targetPath: path,
    content: after,
    // No file on the node: the whole document is new.
    diff: current ? unifiedDiff(before, after, `a${path}`, `b${path}`) : unifiedDiff('', after, '/dev/null', `b${path}`),
    reasons,
    apply,
  };
}
