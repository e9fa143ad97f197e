import type { ForensicsReport } from '../core/analysis/forensics';
import type { PodWithoutLimits } from '../core/evidence/nodeEvidence';
import { applyKubeToReport, type KubeEvidence } from '../core/kube/kubeEvidence';
import { gatherKubeView, nodeNames } from '../core/kube/kubeView';
import type { KubectlOptions } from '../core/kube/kubectl';
import type { Snapshot } from '../core/model/snapshot';
import { resolveRoute } from '../core/transport/ssh/resolveRoute';
import { stringOption, UsageError, type CommandContext, type OptionSpec } from './command';
import { readableFile, sshRoute } from './snapshotSource';

/** Options of the commands that can add the Kubernetes API's view of the node (orphans, evidence). */
export const KUBE_OPTIONS: OptionSpec = {
  'kube-context': { type: 'string' },
  kubeconfig: { type: 'string' },
  'no-kube': { type: 'boolean' },
};

export const KUBE_HELP = `  --kube-context NAME     ask the Kubernetes API through this kubectl context (default: the
                          current one, when kubectl is on PATH and one is set)
  --kubeconfig PATH       kubectl's kubeconfig file (default: KUBECONFIG or ~/.kube/config)
  --no-kube               do not ask the Kubernetes API`;

/**
 * The Kubernetes API's view of the node, applied to the report: the local kubectl maps the node
 * (its probed hostname; for --host the alias, ssh_config HostName and its addresses) to a
 * Kubernetes node, its conditions become findings and orphans the API knows are downgraded.
 * Optional by nature: when it cannot be had, the report is returned unchanged, with one note on
 * standard error saying why, except where this machine has no kubectl or no context and none was
 * named (it does not use a cluster: silence).
 */
export async function withKubeView(
  ctx: CommandContext,
  report: ForensicsReport,
  snapshot: Snapshot,
  limits: readonly PodWithoutLimits[] = [],
): Promise<{ report: ForensicsReport; kube?: KubeEvidence }> {
  const o = ctx.options;
  const context = stringOption(o, 'kube-context');
  const kubeconfig = stringOption(o, 'kubeconfig');
  if (o['no-kube'] === true) {
    if (context !== undefined || kubeconfig !== undefined) throw new UsageError('--no-kube cannot be combined with --kube-context or --kubeconfig');
    return { report };
  }
  if (context === '') throw new UsageError('--kube-context takes a context name');
  if (kubeconfig === '') throw new UsageError('--kubeconfig takes a file');
  if (kubeconfig !== undefined) readableFile(kubeconfig, '--kubeconfig');
  const host = stringOption(o, 'host');
  let sshHostName: string | undefined;
  if (host !== undefined) {
    try {
      const configFile = stringOption(o, 'ssh-config');
      sshHostName = (await (configFile !== undefined ? sshRoute(host, configFile) : resolveRoute(host))).target.hostName;
    } catch {
      // the scan reached the node, so its alias resolved once; without HostName the alias still counts
    }
  }
  const names = await nodeNames({
    ...(snapshot.node.hostname ? { hostname: snapshot.node.hostname } : {}),
    ...(host !== undefined ? { sshAlias: host } : {}),
    ...(sshHostName !== undefined ? { sshHostName } : {}),
  });
  const k: KubectlOptions = { signal: ctx.signal, ...(context !== undefined ? { context } : {}), ...(kubeconfig !== undefined ? { kubeconfig } : {}) };
  const view = await gatherKubeView(names, k);
  if (!view.ok) {
    if (view.error.code === 'cancelled') return { report };
    // Without kubectl or a context, and not asked for one, this machine does not speak to a
    // cluster: nothing to say (a cron job's stderr stays clean). Anything else is worth a note.
    const notSetUp = view.error.code === 'kubectl-missing' || view.error.code === 'no-context';
    if (notSetUp && context === undefined && kubeconfig === undefined) return { report };
    process.stderr.write(`cgroup-forensics: note: no Kubernetes view of the node: ${view.error.message}${notSetUp ? '' : ' (--no-kube silences this)'}\n`);
    return { report };
  }
  return applyKubeToReport(report, view.value, snapshot, limits);
}

