import * as vscode from 'vscode';
import type { NodeFlag } from '../tree/nodeContextValue';
import type { NodeFlagSource } from '../tree/nodesTree';

/**
 * Whether a node has kept snapshots, known synchronously for its row's context value (Compare with
 * Earlier Snapshot and Delete Kept Snapshots are offered only then). The store is read on disk:
 * the count is read once per node on first ask and again whenever the store changed for it.
 */
export class KeptSnapshotsFlag implements NodeFlagSource, vscode.Disposable {
  private readonly counts = new Map<string, number>();
  private readonly reading = new Set<string>();
  /** Nodes whose store changed while their count was being read: read once more. */
  private readonly stale = new Set<string>();
  private readonly emitter = new vscode.EventEmitter<string>();
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly list: (nodeId: string) => Promise<readonly unknown[]>,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  flags(nodeId: string): readonly NodeFlag[] {
    const n = this.counts.get(nodeId);
    if (n === undefined) this.recount(nodeId);
    return n ? ['snapshots'] : [];
  }

  /** The store changed for a node (a snapshot kept, the snapshots deleted): read its count again. */
  recount(nodeId: string): void {
    if (this.reading.has(nodeId)) {
      this.stale.add(nodeId);
      return;
    }
    this.reading.add(nodeId);
    const done = (n: number): void => {
      this.reading.delete(nodeId);
      if (this.stale.delete(nodeId)) {
        this.recount(nodeId);
        return;
      }
      const before = this.counts.get(nodeId);
      this.counts.set(nodeId, n);
      if ((before ?? 0) > 0 !== n > 0) this.emitter.fire(nodeId);
    };
    this.list(nodeId).then(
      (l) => done(l.length),
      (e: unknown) => {
        this.log.warn(`snapshots: listing ${nodeId} failed: ${e instanceof Error ? e.message : String(e)}`);
        done(0);
      },
    );
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
