import type { InvestigationOptions, InvestigationProgress } from '../../core/investigation/investigate';
import type { KubeLookup, NodeAddress } from '../../core/investigation/kubeLookup';
import { kubectlLookup } from '../../core/kube/kubectlLookup';
import type { Settings } from '../settings';
import { nodeHostRoot, type NodeSpec } from './nodeSpec';

/**
 * The extension's settings mapped onto the core's investigation (src/core/investigation): the
 * walk bounds, the grace period, where kubelet and containerd keep their state, and the Kubernetes
 * lookup (cgroupForensics.kubernetes.*). The defaults are the core's (defaults.ts).
 */
export function investigationOptionsOf(settings: Settings, spec: NodeSpec): Omit<InvestigationOptions, 'signal'> {
  const kube = kubeLookupOf(settings);
  return {
    maxDepth: settings.maxDepth,
    maxCgroups: settings.maxCgroups,
    ...(spec.kind === 'local' && spec.cgroupRoot ? { cgroupRoot: spec.cgroupRoot } : {}),
    ...nodeHostRoot(spec),
    graceSeconds: settings.orphanGraceSeconds,
    facts: { ...(settings.kubeletDir ? { kubeletDir: settings.kubeletDir } : {}), ...(settings.containerdAddress ? { containerdAddress: settings.containerdAddress } : {}) },
    ...(kube ? { kube } : {}),
  };
}

/** How a node is reached, from its spec: the names the Kubernetes API may know it by (none for this machine). */
export function nodeAddressOf(spec: NodeSpec, settings: Settings): NodeAddress | undefined {
  if (spec.kind === 'kube') return { kubeNode: spec.node };
  if (spec.kind !== 'ssh') return undefined;
  return { sshAlias: spec.destination, ...(settings.sshConfigPath ? { sshConfigFile: settings.sshConfigPath } : {}) };
}

/** What a refresh is doing, for its progress notification. */
export function progressText(p: InvestigationProgress): string {
  switch (p.step) {
    case 'snapshot':
      return p.scan ? `${p.scan.cgroups} cgroups (${p.scan.hierarchy})` : 'taking a snapshot';
    case 'facts':
      return 'reading kubelet and runtime facts';
    case 'evidence':
      return 'reading logs, daemons and open fds';
    case 'kubernetes':
      return 'asking the Kubernetes API';
    case 'processes':
      return 'listing processes left in orphans';
  }
}

/**
 * One kubectl lookup while the settings that pick the cluster stay the same: it remembers a
 * cluster that did not answer, so every node's refresh does not wait for it again.
 */
let current: { key: string; lookup: KubeLookup } | undefined;

function kubeLookupOf(settings: Settings): KubeLookup | undefined {
  if (!settings.kubernetesEnabled) return undefined;
  const key = `${settings.kubectlPath}\n${settings.kubernetesContext}\n${process.env.KUBECONFIG ?? ''}`;
  if (current?.key !== key) {
    current = {
      key,
      lookup: kubectlLookup({ ...(settings.kubernetesContext ? { context: settings.kubernetesContext } : {}), ...(settings.kubectlPath ? { kubectl: settings.kubectlPath } : {}) }),
    };
  }
  return current.lookup;
}
