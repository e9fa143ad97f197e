/** The kinds of fix a user can ask for, with the language mode each document opens in. */
export const FIX_KINDS = [
  { id: 'cleanup', label: 'Cleanup script', detail: 'A POSIX sh script that removes the orphaned cgroups (dry run by default)', language: 'shellscript' },
  { id: 'kubelet', label: 'kubelet configuration', detail: 'KubeletConfiguration settings that keep pod cgroups from leaking', language: 'yaml' },
  { id: 'containerd', label: 'containerd configuration', detail: 'config.toml: the runc runtime with the systemd cgroup driver', language: 'toml' },
  { id: 'crio', label: 'CRI-O configuration', detail: 'crio.conf: cgroup manager and conmon cgroup', language: 'toml' },
  { id: 'sysctl', label: 'sysctl & boot parameters', detail: 'Kernel settings against dying memory cgroups', language: 'properties' },
  { id: 'npd', label: 'Node Problem Detector plugin', detail: 'A custom plugin monitor that reports cgroup leaks', language: 'json' },
  { id: 'prometheus', label: 'Prometheus rules', detail: 'Alerting rules for cgroup counts and dying cgroups', language: 'yaml' },
  { id: 'bpftrace', label: 'bpftrace script', detail: 'Traces cgroup creation and removal to find who leaks', language: 'plaintext' },
] as const;

export type FixKind = (typeof FIX_KINDS)[number]['id'];

export function fixKind(id: string): (typeof FIX_KINDS)[number] | undefined {
  return FIX_KINDS.find((k) => k.id === id);
}

export interface FixDocument {
  kind: FixKind;
  language: string;
  content: string;
  /** Set when the fix patches a file on the node: the diff editor shows node file -> fix. */
  patches?: { path: string };
}
