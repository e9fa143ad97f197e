import type { Finding } from '../../core/analysis/finding';
import type { ForensicsReport } from '../../core/analysis/forensics';
import type { RuntimeFacts } from '../../core/facts/nodeFacts';
import type { Snapshot } from '../../core/model/snapshot';

/** What a hook sees of a node's latest analysis. */
export interface FindingsInput {
  nodeId: string;
  snapshot: Snapshot;
  report: ForensicsReport;
  facts: RuntimeFacts;
}

/**
 * Evidence beyond the tree that amends a node's findings: given the engine's findings (as the
 * hooks before it left them), returns the findings to show. It runs after every analysis of the
 * node (each refresh), so what it adds survives refreshes and is correlated with the fresh
 * findings; it must be quick and pure (gather on the node elsewhere, keep the result, read it here).
 * Gather Evidence (src/extension/evidence/) adds log lines, advisories, daemon health and fd pins.
 */
export type FindingsHook = (findings: readonly Finding[], input: FindingsInput) => readonly Finding[];

/**
 * The one place where evidence is merged into a node's findings: NodeManager calls apply() after
 * each analysis and again when a hook's data changes (NodeManager.reapplyFindings). Hooks run in
 * the order they were added; a hook that throws is skipped (its findings are not worth losing the
 * engine's).
 */
export class FindingsHooks {
  private readonly hooks: { name: string; hook: FindingsHook }[] = [];

  constructor(private readonly onError: (name: string, e: unknown) => void = () => undefined) {}

  /** Adds a hook; the returned function removes it. */
  add(name: string, hook: FindingsHook): () => void {
    const entry = { name, hook };
    this.hooks.push(entry);
    return () => {
      const i = this.hooks.indexOf(entry);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  apply(input: FindingsInput): Finding[] {
    let findings: readonly Finding[] = input.report.findings;
    for (const { name, hook } of this.hooks) {
      try {
        findings = hook(findings, input);
      } catch (e) {
        this.onError(name, e);
      }
    }
    return [...findings];
  }
}
