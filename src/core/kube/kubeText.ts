import { safeLogText } from '../analysis/logSignatures';
import type { KubeEvidence } from './kubeEvidence';

/** The "Kubernetes view" section of the text reports (every string in it is display-safe already). */
export function renderKubeText(k: KubeEvidence): string {
  const lines = [`Kubernetes view (context ${k.context}): node ${k.node}, matched by ${k.matchedBy}${k.kubeletVersion ? `, kubelet ${k.kubeletVersion}` : ''}`];
  lines.push(`  conditions: ${k.conditions.length ? k.conditions.map((c) => `${safeLogText(c.type, 60)}=${safeLogText(c.status, 20)}`).join(', ') : 'none reported'}`);
  lines.push(`  pods bound to it: ${k.pods.length}`);
  for (const p of k.pods.slice(0, 100)) lines.push(`    ${p.pod}  ${p.uid}  ${p.phase ?? '-'}${p.qosClass ? ` ${p.qosClass}` : ''}  cgroup ${p.cgroup}`);
  if (k.pods.length > 100) lines.push(`    ... ${k.pods.length - 100} more`);
  if (k.cgroupsNotJudged) lines.push(`  pod cgroups not compared: ${k.cgroupsNotJudged}`);
  lines.push(`  running pods without a pod cgroup: ${k.podsWithoutCgroup.length ? k.podsWithoutCgroup.join(', ') : 'none'}`);
  lines.push(`  orphan-looking cgroups the API knows (not orphans): ${k.notOrphans.length}`);
  for (const n of k.notOrphans) lines.push(`    ${n.cgroup}: pod ${n.pod} (${n.podUid})${n.containerId ? ` container ${n.containerId.slice(0, 12)}` : ''}`);
  const named = k.podsWithoutLimits.filter((p) => p.pod);
  if (named.length) {
    lines.push('  pods without limits, by name:');
    for (const p of named) lines.push(`    ${p.pod}${p.qosClass ? ` (${p.qosClass})` : ''}: ${[p.memoryUnlimited ? 'no memory limit' : '', p.cpuUnlimited ? 'no CPU limit' : ''].filter(Boolean).join(', ')}`);
  }
  return lines.join('\n') + '\n';
}
