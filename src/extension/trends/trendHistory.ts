import type * as vscode from 'vscode';
import type { CountSample } from '../../core/trends/sample';

/**
 * The contract between the background sampler (trendSampler.ts, which owns and persists the
 * samples per node) and the trend chart (trendPanel.ts, which only reads them): samples of one
 * node, oldest first, and an event per new sample.
 */
export interface TrendHistory {
  /** Samples of a node, oldest first (empty when none were taken or kept). */
  samples(nodeId: string): readonly CountSample[];
  /** Fired after each new sample of any node is stored. */
  readonly onDidSample: vscode.Event<{ nodeId: string; sample: CountSample }>;
  /** Whether background sampling runs for the node now. */
  isSampling(nodeId: string): boolean;
}
