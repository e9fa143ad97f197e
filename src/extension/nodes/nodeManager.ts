import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { snapshotFromJson } from '../../core/model/snapshotJson';
import { takeSnapshot } from '../../core/scan';
import type { Snapshot } from '../../core/model/snapshot';
import { isAbortError, type Transport } from '../../core/transport/transport';
import type { ForensicsReport } from '../../core/analysis/forensics';
import type { RuntimeFacts } from '../../core/facts/nodeFacts';
import type { KubeEvidence } from '../../core/kube/kubeEvidence';
import { investigate, type InvestigationSource } from '../../core/investigation/investigate';
import type { NodeAddress } from '../../core/investigation/kubeLookup';
import type { FindingItem } from '../findings/finding';
import { FindingsHooks } from '../findings/findingsHooks';
import { adaptFindings } from '../findings/findingsSource';
import { readSettings } from '../settings';
import { investigationOptionsOf, nodeAddressOf, progressText } from './investigationSettings';
import { LOCAL_NODE, nodeHostRoot, type NodeSpec } from './nodeSpec';
import { SnapshotView } from './snapshotView';
import { openTransport, type CredentialPrompt } from './transports';

export type ConnectedState = {
  status: 'connected';
  view: SnapshotView;
  findings: FindingItem[];
  report: ForensicsReport;
  facts: RuntimeFacts;
  factsError?: string;
  /** The Kubernetes API's view of the node (cgroupForensics.kubernetes.*), or why there is none. */
  kube?: KubeEvidence;
  kubeNote?: string;
  at: number;
};

/** Data kept on this machine about a node (its snapshots, its trend samples), deleted with the node. */
export interface KeptData {
  /** One phrase ("5 kept snapshots"), or undefined when there is none. */
  describe(nodeId: string): Promise<string | undefined>;
  forget(nodeId: string): Promise<void>;
}

export type NodeState =
  /** byUser: the user disconnected it; it stays so (the tree does not connect it on expanding) until asked. */
  | { status: 'disconnected'; byUser?: true }
  /** previous: the snapshot shown while a refresh runs, so the tree keeps its rows (and their expansion). */
  | { status: 'connecting'; message: string; previous?: ConnectedState }
  | ConnectedState
  | { status: 'failed'; reason: string };

/** The snapshot a state shows: its own, or the previous one while refreshing. */
export function shownState(s: NodeState): ConnectedState | undefined {
  return s.status === 'connected' ? s : s.status === 'connecting' ? s.previous : undefined;
}

const USER_NODES_KEY = 'cgroupForensics.userNodes';

/**
 * The nodes the extension knows and the connection state of each. Expected failures (an
 * unreachable host, a probe that cannot run) become a "failed" state with the reason, which the
 * tree shows as a leaf; they are never thrown at the user.
 */
export class NodeManager implements vscode.Disposable {
  private readonly states = new Map<string, NodeState>();
  private readonly kept: KeptData[] = [];
  private readonly transports = new Map<string, Transport>();
  /** How each connected node was reached (its ssh alias): kept with its transport, for the names the Kubernetes API may know it by. */
  private readonly addresses = new Map<string, NodeAddress>();
  private readonly running = new Map<string, AbortController>();
  private readonly closing = new Set<Promise<void>>();
  /** Nodes listed from ~/.ssh/config that were not added: known while they are in use. */
  private readonly transient = new Map<string, NodeSpec>();
  private readonly emitter = new vscode.EventEmitter<string | undefined>();
  /** Fires with a node id when that node's state or snapshot changed (undefined: the list). */
  readonly onDidChange = this.emitter.event;
  private readonly scannedEmitter = new vscode.EventEmitter<{ id: string; snapshot: SnapshotView['snapshot'] }>();
  /** Fires after a refresh became 'connected' with a new snapshot (the snapshot store keeps it). */
  readonly onDidScan = this.scannedEmitter.event;
  /** Evidence beyond the tree merged into each node's findings (see findingsHooks.ts). */
  readonly findingsHooks: FindingsHooks;

  constructor(
    private readonly memento: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
    private readonly promptFor: (destination: string) => CredentialPrompt,
  ) {
    this.findingsHooks = new FindingsHooks((name, e) => this.log.warn(`findings hook ${name}: ${e instanceof Error ? e.message : String(e)}`));
  }

  nodes(): NodeSpec[] {
    return [LOCAL_NODE, ...this.userNodes()];
  }

  userNodes(): NodeSpec[] {
    const saved = this.memento.get<NodeSpec[]>(USER_NODES_KEY, []);
    return Array.isArray(saved) ? saved.filter((n) => n && (n.kind === 'ssh' || n.kind === 'snapshot')) : [];
  }

  /** The node's label for messages and titles, or its id when it is not known (any more). */
  label(id: string): string {
    return this.spec(id)?.label ?? id;
  }

  spec(id: string): NodeSpec | undefined {
    return this.nodes().find((n) => n.id === id) ?? this.transient.get(id);
  }

  /** The open transport of a connected node (not for snapshot files). */
  transport(id: string): Transport | undefined {
    return this.transports.get(id);
  }

  remember(spec: NodeSpec): void {
    if (!this.spec(spec.id)) this.transient.set(spec.id, spec);
  }

  async addNode(spec: NodeSpec): Promise<void> {
    if (spec.kind === 'local') return;
    const nodes = this.userNodes().filter((n) => n.id !== spec.id);
    nodes.push(spec);
    await this.memento.update(USER_NODES_KEY, nodes);
    this.emitter.fire(undefined);
  }

  /** Registers data kept on this machine about nodes (snapshots, trend samples): it goes with a removed node. */
  registerKeptData(k: KeptData): vscode.Disposable {
    this.kept.push(k);
    return new vscode.Disposable(() => this.kept.splice(this.kept.indexOf(k), 1));
  }

  /** What is kept on this machine about a node, one phrase per kind ("3 kept snapshots"). */
  async keptDataOf(id: string): Promise<string[]> {
    return (await Promise.all(this.kept.map((k) => k.describe(id)))).filter((d): d is string => d !== undefined);
  }

  /** Deletes what is kept on this machine about a node. */
  async forgetKeptData(id: string): Promise<void> {
    await Promise.all(this.kept.map((k) => k.forget(id)));
  }

  async removeNode(id: string): Promise<void> {
    this.disconnect(id);
    this.states.delete(id);
    await this.memento.update(USER_NODES_KEY, this.userNodes().filter((n) => n.id !== id));
    this.emitter.fire(undefined);
  }

  state(id: string): NodeState {
    return this.states.get(id) ?? { status: 'disconnected' };
  }

  connected(): { spec: NodeSpec; view: SnapshotView; findings: FindingItem[] }[] {
    const out = [];
    for (const [id, s] of this.states) {
      const spec = this.spec(id);
      if (s.status === 'connected' && spec) out.push({ spec, view: s.view, findings: s.findings });
    }
    return out;
  }

  private setState(id: string, s: NodeState): void {
    this.states.set(id, s);
    this.emitter.fire(id);
  }

  /**
   * Connects (when needed) and takes a fresh snapshot. Resolves with the new state; a failure is
   * a state, cancellation returns to the previous one.
   */
  async refresh(id: string, signal: AbortSignal, report: (message: string) => void = () => undefined): Promise<NodeState> {
    const spec = this.spec(id);
    if (!spec) return { status: 'failed', reason: 'unknown node' };
    this.running.get(id)?.abort();
    const mine = new AbortController();
    this.running.set(id, mine);
    const onAbort = (): void => mine.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const previous = this.state(id);
    const settings = readSettings();
    const shown = shownState(previous);
    this.setState(id, shown ? { status: 'connecting', message: 'refreshing', previous: shown } : { status: 'connecting', message: 'connecting' });
    try {
      let source: InvestigationSource;
      if (spec.kind === 'snapshot') {
        source = { snapshot: snapshotFromJson(await readFile(spec.file, 'utf8')), describedAs: 'a snapshot file' };
      } else {
        let transport = this.transports.get(id);
        if (!transport) {
          report('connecting');
          transport = await openTransport(spec, {
            configPath: settings.sshConfigPath,
            sudoHosts: settings.sudoHosts,
            signal: mine.signal,
            logger: this.log,
            prompt: this.promptFor(spec.kind === 'ssh' ? spec.destination : spec.id),
            kubectlPath: settings.kubectlPath,
            kubeImage: settings.kubeNodeImage,
          });
          this.transports.set(id, transport);
          const address = nodeAddressOf(spec, settings);
          if (address) this.addresses.set(id, address);
        }
        source = { transport };
      }
      // The core's one investigation (the CLI's too): snapshot, facts, analysis, Kubernetes view.
      const address = this.addresses.get(id);
      const r = await investigate(source, {
        ...investigationOptionsOf(settings, spec),
        ...(address ? { node: address } : {}),
        signal: mine.signal,
        logger: this.log,
        onProgress: (p) => report(progressText(p)),
      });
      if (!r.ok) {
        if (r.error.code === 'cancelled') throw new vscode.CancellationError();
        throw new Error(r.error.message);
      }
      const f = r.value;
      const view = new SnapshotView(f.snapshot);
      for (const w of view.snapshot.warnings) this.log.warn(`${spec.label}: ${w}`);
      const factsError = f.factsError?.message;
      const kubeNote = f.kubeNote?.message;
      if (factsError) this.log.warn(`${spec.label}: node facts: ${factsError}`);
      if (kubeNote) this.log.info(`${spec.label}: ${kubeNote}`);
      if (f.report.orphansUndetermined) this.log.info(`${spec.label}: orphans undetermined: ${f.report.orphansUndetermined}`);
      const state: NodeState = { status: 'connected', view, findings: this.findingsOf(id, view, f.report, f.facts), report: f.report, facts: f.facts, ...(factsError ? { factsError } : {}), ...(f.kube ? { kube: f.kube } : {}), ...(kubeNote ? { kubeNote } : {}), at: Date.now() };
      this.setState(id, state);
      this.scannedEmitter.fire({ id, snapshot: view.snapshot });
      return state;
    } catch (e) {
      if (mine.signal.aborted || e instanceof vscode.CancellationError || isAbortError(e)) {
        // Replaced by a newer refresh: that one owns the state now; only a cancel puts ours back.
        if (this.running.get(id) === mine) this.setState(id, previous.status === 'connecting' ? (previous.previous ?? { status: 'disconnected' }) : previous);
        throw new vscode.CancellationError();
      }
      const reason = e instanceof Error ? e.message : String(e);
      this.log.warn(`${spec.label}: ${reason}`);
      this.dropTransport(id);
      const state: NodeState = { status: 'failed', reason };
      this.setState(id, state);
      return state;
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (this.running.get(id) === mine) this.running.delete(id);
    }
  }

  /**
   * A snapshot of a connected node taken now, with the node's walk settings, without touching its
   * state (Trace Cgroup Churn compares two). Throws CancellationError, or Error with the reason.
   */
  async snapshotNow(id: string, signal: AbortSignal, report: (message: string) => void = () => undefined): Promise<Snapshot> {
    const spec = this.spec(id);
    const transport = this.transports.get(id);
    if (!spec || spec.kind === 'snapshot' || !transport) throw new Error(`${spec?.label ?? id} is not a connected live node`);
    return this.snapshotOf(spec, transport, signal, report);
  }

  private async snapshotOf(spec: NodeSpec, transport: Transport, signal: AbortSignal, report: (message: string) => void): Promise<Snapshot> {
    const settings = readSettings();
    const result = await takeSnapshot(transport, {
      signal,
      logger: this.log,
      maxDepth: settings.maxDepth,
      maxCgroups: settings.maxCgroups,
      ...(spec.kind === 'local' && spec.cgroupRoot ? { cgroupRoot: spec.cgroupRoot } : {}),
      ...nodeHostRoot(spec),
      onProgress: (p) => report(`${p.cgroups} cgroups (${p.hierarchy})`),
    });
    if (!result.ok) {
      if (result.error.code === 'cancelled') throw new vscode.CancellationError();
      throw new Error(result.error.message);
    }
    return result.value;
  }

  /** Runs the findings hooks again over a connected node's analysis (a hook's data changed). */
  reapplyFindings(id: string): ConnectedState | undefined {
    const s = this.state(id);
    if (s.status !== 'connected') return undefined;
    const next: ConnectedState = { ...s, findings: this.findingsOf(id, s.view, s.report, s.facts) };
    this.setState(id, next);
    return next;
  }

  /** The engine's findings with every hook's evidence merged in, as the views show them. */
  private findingsOf(nodeId: string, view: SnapshotView, report: ForensicsReport, facts: RuntimeFacts): FindingItem[] {
    return adaptFindings(view.snapshot, this.findingsHooks.apply({ nodeId, snapshot: view.snapshot, report, facts }));
  }

  /** Closes the node's connection; it stays disconnected, expanded or not, until Connect or Refresh. */
  disconnect(id: string): void {
    // Forgotten before the abort lands: a refresh cancelled by it must not put its previous state back.
    this.running.get(id)?.abort();
    this.running.delete(id);
    this.dropTransport(id);
    this.states.set(id, { status: 'disconnected', byUser: true });
    this.emitter.fire(id);
  }

  private dropTransport(id: string): void {
    const t = this.transports.get(id);
    this.transports.delete(id);
    this.addresses.delete(id);
    try {
      t?.dispose();
      // A transport that says when it is closed (a Kubernetes node's pod deleted) is waited for at the end.
      const closing = (t as Partial<{ close(): Promise<void> }> | undefined)?.close?.();
      if (closing) {
        const p = closing.catch((e: unknown) => this.log.warn(`closing ${id}: ${e instanceof Error ? e.message : String(e)}`)).finally(() => this.closing.delete(p));
        this.closing.add(p);
      }
    } catch (e) {
      this.log.warn(`closing ${id}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Resolves when the connections closed so far are closed (a Kubernetes node's pod deleted): the extension's end waits for it. */
  async closed(): Promise<void> {
    await Promise.all([...this.closing]);
  }

  dispose(): void {
    for (const c of this.running.values()) c.abort();
    for (const id of [...this.transports.keys()]) this.dropTransport(id);
    this.emitter.dispose();
    this.scannedEmitter.dispose();
  }
}
