import type { CgroupDriver } from '../model/k8sIdentity';
import type { FixDocument } from './fixDocument';
import { unifiedDiff } from './unifiedDiff';

export const CRIO_DROP_IN = '/etc/crio/crio.conf.d/99-cgroup-forensics.conf';

/**
 * A CRI-O drop-in that sets cgroup_manager (and conmon_cgroup, which must be "pod" or a slice
 * under systemd and "pod" under cgroupfs). Drop-ins are read in name order after crio.conf, so a
 * 99- name wins over the ones a distribution ships; a later one that sets the key is named.
 */
export function crioFix(driver: CgroupDriver, existing: readonly { source: string; value: string }[], reasons: string[]): FixDocument {
  const content = `# Written by cgroup-forensics: the cgroup driver must match kubelet's cgroupDriver.\n[crio.runtime]\ncgroup_manager = "${driver}"\nconmon_cgroup = "pod"\n`;
  const later = existing.filter((e) => e.source.startsWith('/etc/crio/crio.conf.d/') && e.source > CRIO_DROP_IN && /cgroup_manager/.test(e.value));
  return {
    kind: 'crio',
    title: `CRI-O drop-in ${CRIO_DROP_IN}: cgroup_manager = "${driver}"`,
    targetPath: CRIO_DROP_IN,
    content,
    diff: unifiedDiff('', content, '/dev/null', `b${CRIO_DROP_IN}`),
    reasons: [...reasons, ...later.map((l) => `${l.source} sorts after it and also sets cgroup_manager: change or remove it too`)],
    apply: [`write it to ${CRIO_DROP_IN}`, 'systemctl restart crio'],
  };
}
