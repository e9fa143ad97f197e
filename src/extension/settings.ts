import * as vscode from 'vscode';
import { FLEET_DEFAULTS } from '../core/fleet/fleetDefaults';
import { INVESTIGATION_DEFAULTS } from '../core/investigation/defaults';

/**
 * The extension's settings, typed as package.json declares them ("cgroupForensics.*"). Read on
 * demand so a change applies to the next command without a reload. Those the CLI has flags for
 * default to the core's INVESTIGATION_DEFAULTS (package.json declares the same values: a unit
 * test holds them together).
 */
export type TreeStat = 'memory' | 'procs' | 'pids' | 'none';

export interface Settings {
  /** ~/.ssh/config unless set; restricted in untrusted workspaces (it names hosts). */
  sshConfigPath: string;
  /** Hosts (ssh aliases) whose probe runs under `sudo -n`. Restricted: it changes what runs. */
  sudoHosts: string[];
  /** kubelet's root directory on nodes (empty: /var/lib/kubelet). Restricted. */
  kubeletDir: string;
  /** containerd's socket on nodes (empty: the default). Restricted. */
  containerdAddress: string;
  maxDepth: number;
  maxCgroups: number;
  /** Cgroups younger than this many seconds are never called orphans (a pod may be starting). */
  orphanGraceSeconds: number;
  /** How far back Gather Evidence reads the node's logs: 30m, 2h, 7d, @EPOCH or an ISO date. */
  evidenceSince: string;
  treeStat: TreeStat;
  /** Snapshots kept per node for "compare with an earlier snapshot"; 0 keeps none. */
  snapshotsKeep: number;
  /** Total size of the kept snapshots over every node, in bytes. */
  snapshotsMaxBytes: number;
  /** Seconds between automatic snapshot refreshes of connected nodes; 0 = off. */
  refreshIntervalSeconds: number;
  /** Children shown per level before a "load more" leaf. */
  pageSize: number;
  /** Seconds between trend samples of every connected node; 0 (the default) = only nodes started by command. */
  trendSampleIntervalSeconds: number;
  /** Trend samples kept per node (memory and globalStorage). */
  trendKeepSamples: number;
  /** Ask the Kubernetes API (the local kubectl) about the node when finding orphans. */
  kubernetesEnabled: boolean;
  /** kubectl context to use; empty: kubectl's current context. Restricted: it picks which cluster's answer downgrades orphans. */
  kubernetesContext: string;
  /** The kubectl program (empty: kubectl on PATH). Restricted: it names a command. */
  kubectlPath: string;
  /** The image of the pod a Kubernetes node's programs run in (empty: the core's default, a small image with sh). Restricted: it names what runs. */
  kubeNodeImage: string;
  /** Nodes a Fleet scan investigates at once (the CLI's fleet --concurrency). */
  fleetConcurrency: number;
}

export const SECTION = 'cgroupForensics';

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const num = (key: string, d: number, min = 0): number => {
    const v = c.get<number>(key, d);
    return typeof v === 'number' && Number.isFinite(v) ? Math.max(min, Math.floor(v)) : d;
  };
  const stat = c.get<string>('tree.stat', 'memory');
  return {
    sshConfigPath: c.get<string>('ssh.configPath', '') ?? '',
    sudoHosts: (c.get<string[]>('ssh.sudoHosts', []) ?? []).filter((h) => typeof h === 'string'),
    kubeletDir: c.get<string>('kubelet.rootDir', '') ?? '',
    containerdAddress: c.get<string>('containerd.address', '') ?? '',
    maxDepth: num('scan.maxDepth', INVESTIGATION_DEFAULTS.maxDepth, 1),
    maxCgroups: num('scan.maxCgroups', INVESTIGATION_DEFAULTS.maxCgroups, 1),
    orphanGraceSeconds: num('orphans.gracePeriodSeconds', INVESTIGATION_DEFAULTS.graceSeconds),
    evidenceSince: c.get<string>('evidence.since', INVESTIGATION_DEFAULTS.evidenceSince) ?? INVESTIGATION_DEFAULTS.evidenceSince,
    treeStat: stat === 'procs' || stat === 'pids' || stat === 'none' ? stat : 'memory',
    snapshotsKeep: num('snapshots.keep', 10),
    snapshotsMaxBytes: num('snapshots.maxMegabytes', 200) * 1024 * 1024,
    refreshIntervalSeconds: num('refresh.intervalSeconds', 0),
    pageSize: num('tree.pageSize', 200, 10),
    trendSampleIntervalSeconds: num('trends.sampleIntervalSeconds', 0),
    // At most two weeks of one a minute (~22 MB per node): the store is read whole at start.
    trendKeepSamples: Math.min(20_160, num('trends.keepSamples', 1440, 10)),
    kubernetesEnabled: c.get<boolean>('kubernetes.enabled', INVESTIGATION_DEFAULTS.kubernetes) !== false,
    kubernetesContext: c.get<string>('kubernetes.context', '') ?? '',
    kubectlPath: c.get<string>('kubernetes.kubectlPath', '') ?? '',
    kubeNodeImage: c.get<string>('kubernetes.nodeImage', '') ?? '',
    fleetConcurrency: num('fleet.concurrency', FLEET_DEFAULTS.concurrency, 1),
  };
}

export function affectsSettings(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(SECTION);
}
