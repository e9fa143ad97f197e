import { INVESTIGATION_DEFAULTS } from '../investigation/defaults';
import type { KubeLookup } from '../investigation/kubeLookup';
import { fail } from '../result';
import type { KubectlOptions } from './kubectl';
import { gatherKubeView } from './kubeView';

export type KubectlLookupOptions = Pick<KubectlOptions, 'kubectl' | 'context' | 'kubeconfig' | 'env'>;

/**
 * The Kubernetes API's view through the kubectl of THIS machine (never the node's), with the
 * investigation's timeouts. A cluster that did not answer is not asked again by this lookup for
 * INVESTIGATION_DEFAULTS.kubeQuietSeconds: the note says so, with the time it will be asked again.
 */
export function kubectlLookup(o: KubectlLookupOptions = {}): KubeLookup {
  let quiet: { until: number; code: 'unreachable' | 'timeout'; message: string } | undefined;
  const k: KubectlOptions = {
    ...o,
    requestTimeoutSeconds: INVESTIGATION_DEFAULTS.kubeRequestTimeoutSeconds,
    timeoutMs: INVESTIGATION_DEFAULTS.kubeTimeoutSeconds * 1000,
  };
  return {
    named: (o.context !== undefined && o.context !== '') || o.kubeconfig !== undefined,
    async lookUp(names, signal) {
      if (quiet && quiet.until > Date.now()) return fail({ code: quiet.code, message: `${quiet.message} (not asked again until ${new Date(quiet.until).toISOString().slice(11, 19)} UTC)` });
      const view = await gatherKubeView(names, { ...k, signal });
      if (view.ok) quiet = undefined;
      else if (view.error.code === 'unreachable' || view.error.code === 'timeout') quiet = { until: Date.now() + INVESTIGATION_DEFAULTS.kubeQuietSeconds * 1000, code: view.error.code, message: view.error.message };
      return view;
    },
  };
}
