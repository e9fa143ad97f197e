import type { KubeNote } from '../core/investigation/investigate';
import type { KubeLookup } from '../core/investigation/kubeLookup';
import { kubectlLookup } from '../core/kube/kubectlLookup';
import { stringOption, UsageError, type OptionSpec, type OptionValues } from './command';
import { readableFile } from './snapshotSource';

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
 * The Kubernetes lookup the flags ask for: the local kubectl (with --kube-context, --kubeconfig),
 * or none with --no-kube. The investigation maps the node (its probed hostname; for --host the
 * alias, ssh_config HostName and its addresses) to a Kubernetes node and applies the view.
 */
export function kubeLookupFrom(o: OptionValues): KubeLookup | undefined {
  const context = stringOption(o, 'kube-context');
  const kubeconfig = stringOption(o, 'kubeconfig');
  if (o['no-kube'] === true) {
    // With --kube-node they also say how the node is reached, which --no-kube does not change.
    if ((context !== undefined || kubeconfig !== undefined) && o['kube-node'] === undefined) throw new UsageError('--no-kube cannot be combined with --kube-context or --kubeconfig');
    return undefined;
  }
  if (context === '') throw new UsageError('--kube-context takes a context name');
  if (kubeconfig === '') throw new UsageError('--kubeconfig takes a file');
  if (kubeconfig !== undefined) readableFile(kubeconfig, '--kubeconfig');
  return kubectlLookup({ ...(context !== undefined ? { context } : {}), ...(kubeconfig !== undefined ? { kubeconfig } : {}) });
}

/**
 * Why there is no Kubernetes view, in one note on standard error; except where this machine has
 * no kubectl or no context and none was named (it does not use a cluster: a cron job's stderr
 * stays clean).
 */
export function sayKubeNote(note: KubeNote): void {
  if (note.notSetUp) return;
  const notSetUp = note.code === 'kubectl-missing' || note.code === 'no-context';
  process.stderr.write(`cgroup-forensics: note: ${note.message}${notSetUp ? '' : ' (--no-kube silences this)'}\n`);
}
