import type { ForensicsReport } from '../../core/analysis/forensics';
import { applyKubeToReport, type KubeEvidence } from '../../core/kube/kubeEvidence';
import { gatherKubeView, nodeNames } from '../../core/kube/kubeView';
import type { Snapshot } from '../../core/model/snapshot';
import { resolveRoute } from '../../core/transport/ssh/resolveRoute';
import type { Transport } from '../../core/transport/transport';
import { readSettings } from '../settings';

/**
 * The Kubernetes API's view of a live node applied to its findings (cgroupForensics.kubernetes.*):
 * kubectl on this machine maps the node (its probed hostname; for an SSH node also the alias, the
 * ssh_config HostName and its addresses), its abnormal conditions become findings and orphans
 * whose pod the API knows on the node are downgraded. Optional: when it cannot be had the report
 * is returned as it was, with a note saying why (absent when turned off).
 */
export async function withKubeCorrelation(
  report: ForensicsReport,
  snapshot: Snapshot,
  transport: Transport,
  signal: AbortSignal,
): Promise<{ report: ForensicsReport; kube?: KubeEvidence; kubeNote?: string }> {
  const settings = readSettings();
  if (!settings.kubernetesEnabled) return { report };
  // SshTransport's label is "ssh ALIAS" (src/core/transport/ssh/sshTransport.ts).
  const alias = transport.label.startsWith('ssh ') ? transport.label.slice(4) : undefined;
  let sshHostName: string | undefined;
  if (alias !== undefined) {
    try {
      sshHostName = (await resolveRoute(alias, settings.sshConfigPath ? { configFile: settings.sshConfigPath } : {})).target.hostName;
    } catch {
      // the alias itself is still a name to match
    }
  }
  const names = await nodeNames({
    ...(snapshot.node.hostname ? { hostname: snapshot.node.hostname } : {}),
    ...(alias !== undefined ? { sshAlias: alias } : {}),
    ...(sshHostName !== undefined ? { sshHostName } : {}),
  });
  const view = await gatherKubeView(names, {
    signal,
    requestTimeoutSeconds: 5,
    timeoutMs: 20_000,
    ...(settings.kubernetesContext ? { context: settings.kubernetesContext } : {}),
    ...(settings.kubectlPath ? { kubectl: settings.kubectlPath } : {}),
  });
  if (!view.ok) {
    if (view.error.code === 'cancelled') throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
    return { report, kubeNote: `no Kubernetes view of the node: ${view.error.message}` };
  }
  return applyKubeToReport(report, view.value, snapshot);
}
