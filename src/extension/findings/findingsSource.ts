import type { Finding as CoreFinding } from '../../core/analysis/finding';
import { evidenceLine } from '../../core/analysis/evidence';
import { findingIds } from '../../core/analysis/findingIds';
import { analyze, type ForensicsReport } from '../../core/analysis/forensics';
import type { FactsOptions } from '../../core/facts/factsCommand';
import { gatherFacts } from '../../core/facts/gatherFacts';
import { interpretFacts, type RuntimeFacts } from '../../core/facts/nodeFacts';
import { fixesForFinding } from '../../core/fixes/fixPlan';
import { displayOf } from '../../core/model/bytes';
import type { Hierarchy, Snapshot } from '../../core/model/snapshot';
import type { Transport } from '../../core/transport/transport';
import type { FindingItem } from './finding';
import type { KubeEvidence } from '../../core/kube/kubeEvidence';
import { lookUpKubeView, withKubeView } from './kubeCorrelation';

/** The engine's report on a snapshot and the facts it judged by (the node's findings are made from it by NodeManager, with its hooks). */
export interface Forensics {
  report: ForensicsReport;
  facts: RuntimeFacts;
}

/**
 * Judges a snapshot with the forensics engine (src/core/analysis): the node's facts (kubelet's
 * pods, the runtime's containers, systemd) come through the same transport, after the snapshot,
 * so a live container cannot look unknown. A snapshot file has no live facts: only what the
 * snapshot alone shows is judged, and orphans are reported as undetermined.
 */
export async function forensicsOf(
  snapshot: Snapshot,
  transport: Transport | undefined,
  o: { graceSeconds: number; facts: FactsOptions; signal: AbortSignal },
): Promise<Forensics & { factsError?: string; kube?: KubeEvidence; kubeNote?: string }> {
  let facts: RuntimeFacts = interpretFacts({ found: [], missing: [] });
  let factsError: string | undefined;
  // Kubernetes view (cgroupForensics.kubernetes.*, kubeCorrelation.ts): live nodes only, asked
  // beside the facts (it needs only the snapshot); it may downgrade orphans the API knows and adds
  // the node's conditions. kubeNote says why it is absent.
  const kubeLookup = transport ? lookUpKubeView(snapshot, transport, o.signal) : Promise.resolve(undefined);
  kubeLookup.catch(() => undefined); // awaited below; a cancel must not be an unhandled rejection meanwhile
  if (transport) {
    const r = await gatherFacts(transport, { ...o.facts, signal: o.signal });
    if (r.ok) facts = r.value;
    else if (r.error.code === 'cancelled') throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
    else factsError = r.error.message;
  }
  const analysed = analyze(snapshot, facts, { graceSeconds: o.graceSeconds });
  const { report, kube, kubeNote } = withKubeView(analysed, snapshot, await kubeLookup);
  return { report, facts, ...(factsError ? { factsError } : {}), ...(kube ? { kube } : {}), ...(kubeNote ? { kubeNote } : {}) };
}

/** The core's findings as the views show them: the tree's paths, display text, the fixes that answer each, the core's stable ids. */
export function adaptFindings(snapshot: Snapshot, findings: readonly CoreFinding[]): FindingItem[] {
  const byName = new Map<string, Hierarchy>(snapshot.hierarchies.map((h) => [h.name, h]));
  const ids = findingIds(findings);
  return findings.map((f, n) => {
    const cgroups = f.cgroups.map((c) => ({ hierarchy: c.hierarchy, path: relativePath(byName.get(c.hierarchy), c.path) }));
    return {
      id: ids[n]!,
      kind: f.kind,
      severity: f.severity,
      title: displayOf(f.title),
      detail: [`confidence: ${f.confidence}`, ...f.evidence.map((e) => displayOf(evidenceLine(e)))].join('\n'),
      cgroups,
      // Which fixes answer it: the core's table (FIXES_FOR_FINDING), as each generator narrows it.
      fixes: fixesForFinding(f),
      core: f,
    };
  });
}

/** The engine names cgroups by path in the hierarchy; the tree by path below the walk root. */
function relativePath(h: Hierarchy | undefined, path: string): string {
  if (!h || h.basePath === '/' || h.basePath === '') return path;
  if (path === h.basePath) return '/';
  return path.startsWith(h.basePath + '/') ? path.slice(h.basePath.length) : path;
}
