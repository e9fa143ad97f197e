import type { FixKind } from '../../core/fixes/fixPlan';

/** The kinds of fix a user can pick (those of src/core/fixes/fixPlan.ts), as the quick pick shows them. */
export const FIX_KINDS: readonly { id: FixKind; label: string; detail: string }[] = [
  { id: 'cleanup', label: 'Cleanup script', detail: 'A POSIX sh script that removes exactly the orphaned cgroups (dry run unless --apply)' },
  { id: 'driver', label: 'Cgroup driver alignment', detail: 'kubelet and the container runtime on the same cgroup driver, in one step' },
  { id: 'kubelet', label: 'kubelet configuration', detail: "The node's KubeletConfiguration with the settings the findings call for" },
  { id: 'containerd', label: 'containerd configuration', detail: 'config.toml: the runc runtime with the systemd cgroup driver' },
  { id: 'crio', label: 'CRI-O configuration', detail: 'The file that sets cgroup_manager, patched, or a crio.conf.d drop-in: cgroup manager and conmon cgroup' },
  { id: 'sysctl', label: 'sysctl & boot parameters', detail: "Kernel parameters and sysctls where this node's kernel and systemd support them" },
  { id: 'npd', label: 'Node Problem Detector plugin', detail: 'A custom plugin monitor that reports cgroup leaks' },
  { id: 'prometheus', label: 'Prometheus rules', detail: 'Alerting rules for cgroup counts and dying cgroups' },
  { id: 'bpftrace', label: 'bpftrace script', detail: 'Traces cgroup creation and removal to find who leaks' },
  { id: 'grafana', label: 'Grafana dashboard', detail: 'A dashboard (JSON) of the cgroup metrics the Prometheus rules use' },
  { id: 'podspec', label: 'Pod spec snippets', detail: 'Requests, limits and a preStop hook for the pods the findings name' },
  { id: 'daemonset', label: 'Monitoring DaemonSet', detail: "Kubernetes manifests that run the cgroup metrics export on every node into node_exporter's textfile directory" },
];

export function fixKind(id: string): (typeof FIX_KINDS)[number] | undefined {
  return FIX_KINDS.find((k) => k.id === id);
}

/** The language mode of a fix document: from the file it targets, else from its kind. */
export function languageOf(kind: string, targetPath: string | undefined): string {
  const ext = targetPath ? /\.([A-Za-z0-9]+)$/.exec(targetPath)?.[1]?.toLowerCase() : undefined;
  switch (ext) {
    case 'yaml':
    case 'yml':
      return 'yaml';
    case 'toml':
      return 'toml';
    case 'json':
      return 'json';
    case 'sh':
      return 'shellscript';
    case 'conf':
      return kind === 'sysctl' ? 'properties' : kind === 'crio' || kind === 'containerd' ? 'toml' : 'properties';
  }
  switch (kind) {
    case 'cleanup':
      return 'shellscript';
    case 'kubelet':
    case 'driver':
    case 'prometheus':
    case 'daemonset':
      return 'yaml';
    case 'containerd':
    case 'crio':
      return 'toml';
    case 'npd':
    case 'grafana':
      return 'json';
    case 'podspec':
      return 'yaml';
    case 'sysctl':
      return 'properties';
    default:
      return 'plaintext';
  }
}
