import type { Snapshot } from '../../core/model/snapshot';
import { cleanupScript } from '../../core/fixes/cleanupScript';
import type { Finding } from '../findings/finding';
import type { FixDocument, FixKind } from './fixKinds';

export interface FixContext {
  snapshot: Snapshot;
  nodeLabel: string;
  findings: readonly Finding[];
  /** The node's current file, for fixes that patch one. */
  currentFile?: string;
  /** kubelet's root directory on the node (default /var/lib/kubelet). */
  kubeletDir?: string;
}

/** The cleanup script of the fix generators (src/core/fixes) for the cleanable findings. */
export function cleanupFix(c: FixContext): { content: string; count: number } {
  const core = c.findings.map((f) => f.core);
  const roots = [...new Set(c.snapshot.hierarchies.map((h) => h.mountPoint))];
  const doc = cleanupScript(core, { allowedRoots: roots, generatedFor: `${oneLine(c.nodeLabel)}, snapshot of ${new Date(c.snapshot.takenAt).toISOString()}` });
  return { content: doc.content, count: doc.reasons.length };
}

function oneLine(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, '?');
}

/**
 * The fixes this build can make: the cleanup script from src/core/fixes, and stand-ins for
 * kubelet and sysctl settings until src/core/fixes generates those too. The seam is fixSource.ts.
 */
export function interimFix(kind: FixKind, c: FixContext): FixDocument | undefined {
  switch (kind) {
    case 'cleanup':
      return { kind, language: 'shellscript', content: cleanupFix(c).content };
    case 'kubelet':
      return {
        kind,
        language: 'yaml',
        patches: { path: `${(c.kubeletDir || '/var/lib/kubelet').replace(/\/$/, '')}/config.yaml` },
        content: kubeletPatched(c.currentFile),
      };
    case 'sysctl':
      return {
        kind,
        language: 'properties',
        content: [
          '# /etc/sysctl.d/90-cgroup-forensics.conf',
          '# Reclaim page cache sooner so memory cgroups pinned only by cache can be freed.',
          'vm.vfs_cache_pressure = 200',
          '# Kernel command line (boot): keep kernel memory accounting on cgroup v1 from pinning memcgs.',
          '# cgroup.memory=nokmem',
          '',
        ].join('\n'),
      };
    default:
      return undefined;
  }
}

const KUBELET_KEYS: [string, string][] = [
  ['cgroupDriver', 'systemd'],
  ['cgroupsPerQOS', 'true'],
];

/** The node's kubelet config with the settings that matter set (appended or replaced, line-wise). */
function kubeletPatched(current: string | undefined): string {
  const lines = (current ?? 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n').replace(/\n$/, '').split('\n');
  for (const [k, v] of KUBELET_KEYS) {
    const at = lines.findIndex((l) => l.startsWith(`${k}:`));
    if (at >= 0) lines[at] = `${k}: ${v}`;
    else lines.push(`${k}: ${v}`);
  }
  return lines.join('\n') + '\n';
}
