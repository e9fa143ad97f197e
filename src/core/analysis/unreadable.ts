import type { RuntimeFacts } from '../facts/nodeFacts';
import type { Finding } from './finding';
import { fileEvidence, note } from './evidence';

/**
 * A file the node's kubelet or runtime uses that could not be read or parsed: what the analysis
 * says about that daemon may be wrong, so it is a finding of its own, never silence.
 */
export function findUnreadable(f: RuntimeFacts): Finding[] {
  return f.unreadable.map((u) => ({
    kind: 'source-unreadable',
    severity: 'warning',
    confidence: 'high',
    title: `cannot read ${u.source}: ${u.value}`,
    cgroups: [],
    evidence: [fileEvidence(u.source, u.value), note('what depends on this file (cgroup driver, runtime settings) could not be checked')],
  }));
}
