import type { ForensicsReport } from '../../core/analysis/forensics';
import { applyKubeToReport, type KubeEvidence } from '../../core/kube/kubeEvidence';
import type { KubeView } from '../../core/kube/kubeView';
import { gatherKubeView, nodeNames } from '../../core/kube/kubeView';
import type { NodeName } from '../../core/kube/nodeMatch';
import type { Snapshot } from '../../core/model/snapshot';
import { resolveRoute } from '../../core/transport/ssh/resolveRoute';
import type { Transport } from '../../core/transport/transport';
import { readSettings } from '../settings';

/** What the Kubernetes API said of a node: its view, why there is none, or not asked (off). */
export type KubeLookup = { view: KubeView } | { note: string } | undefined;

/**
 * A cluster that did not answer (unreachable, timed out) is not asked again for this long: a
 * stale kubectl context would otherwise add its request timeout to every refresh of every node.
 */
const QUIET_MS = 5 * 60_000;
const unanswered = new Map<string, { until: number; note: string }>();

/** An SSH node's names (alias, ssh_config HostName, its addresses), once per connection: `ssh -G` and DNS are not asked again on every refresh. */
const sshNamesOf = new WeakMap<Transport, Promise<NodeName[]>>();

async function sshNames(transport: Transport, configPath: string): Promise<NodeName[]> {
  // SshTransport's label is "ssh ALIAS" (src/core/transport/ssh/sshTransport.ts).
  const alias = transport.label.startsWith('ssh ') ? transport.label.slice(4) : undefined;
  if (alias === undefined) return [];
  let sshHostName: string | undefined;
  try {
    sshHostName = (await resolveRoute(alias, configPath ? { configFile: configPath } : {})).target.hostName;
  } catch {
    // the alias itself is still a name to match
  }
  return nodeNames({ sshAlias: alias, ...(sshHostName !== undefined ? { sshHostName } : {}) });
}

/**
 * The Kubernetes API's view of a live node (cgroupForensics.kubernetes.*): kubectl on this machine
 * maps the node (its probed hostname; for an SSH node also the alias, the ssh_config HostName and
 * its addresses). Needs only the snapshot, so it runs beside the node's facts. Optional: when it
 * cannot be had, a note says why. Throws AbortError when cancelled.
 */
export async function lookUpKubeView(snapshot: Snapshot, transport: Transport, signal: AbortSignal): Promise<KubeLookup> {
  const settings = readSettings();
  if (!settings.kubernetesEnabled) return undefined;
  const key = `${settings.kubectlPath}\n${settings.kubernetesContext}\n${process.env.KUBECONFIG ?? ''}`;
  const quiet = unanswered.get(key);
  if (quiet && quiet.until > Date.now()) return { note: `${quiet.note} (not asked again until ${new Date(quiet.until).toISOString().slice(11, 19)} UTC)` };
  let ssh = sshNamesOf.get(transport);
  if (!ssh) {
    ssh = sshNames(transport, settings.sshConfigPath);
    sshNamesOf.set(transport, ssh);
  }
  const names = [...(snapshot.node.hostname ? [{ value: snapshot.node.hostname, source: 'hostname (probe)' }] : []), ...(await ssh)];
  const view = await gatherKubeView(names, {
    signal,
    requestTimeoutSeconds: 5,
    timeoutMs: 20_000,
    ...(settings.kubernetesContext ? { context: settings.kubernetesContext } : {}),
    ...(settings.kubectlPath ? { kubectl: settings.kubectlPath } : {}),
  });
  if (view.ok) {
    unanswered.delete(key);
    return { view: view.value };
  }
  if (view.error.code === 'cancelled') throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
  const note = `no Kubernetes view of the node: ${view.error.message}`;
  if (view.error.code === 'unreachable' || view.error.code === 'timeout') unanswered.set(key, { until: Date.now() + QUIET_MS, note });
  return { note };
}

/** The looked-up view applied to the node's findings: its abnormal conditions become findings, orphans the API knows are downgraded. */
export function withKubeView(report: ForensicsReport, snapshot: Snapshot, lookup: KubeLookup): { report: ForensicsReport; kube?: KubeEvidence; kubeNote?: string } {
  if (!lookup) return { report };
  if ('note' in lookup) return { report, kubeNote: lookup.note };
  return applyKubeToReport(report, lookup.view, snapshot);
}
