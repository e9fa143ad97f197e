import * as vscode from 'vscode';
import type { Finding as CoreFinding } from '../../core/analysis/finding';
import { findGrowth } from '../../core/trends/growth';
import { takeSample, type CountSample } from '../../core/trends/sample';
import { UserError } from '../commandWrapper';
import { Commands } from '../commands/commandIds';
import { pickNode } from '../commands/pick';
import type { NodeManager } from '../nodes/nodeManager';
import { nodeHostRoot } from '../nodes/nodeSpec';
import { affectsSettings, readSettings } from '../settings';
import { SampleStore } from './sampleStore';
import { SamplingLoop } from './samplingLoop';
import type { TrendHistory } from './trendHistory';

/** Shortest interval between two samples of one node. */
export const MIN_INTERVAL_SECONDS = 5;

/** globalState: the interval chosen per node (0: stopped by the user), so a reconnect or a reload resumes it. */
const CHOSEN_KEY = 'cgroupForensics.trends.intervals';

/**
 * The background trend sampler: while a node is connected and sampling is on for it, one sample
 * (one round trip, src/core/trends/watch.sh) every N seconds; never two of one node in flight.
 * Samples are kept per node (SampleStore, JSON Lines in globalStorage) for the trend chart
 * (TrendHistory) and judged with findGrowth after each one; sustained growth becomes findings of
 * the node (a findings hook named "trends").
 *
 * Off by default. On for a node by the Start Trend Sampling command (the interval is remembered
 * per node) or for every connected node when cgroupForensics.trends.sampleIntervalSeconds > 0.
 * Sampling stops when the node disconnects and resumes when it connects again.
 */
export class TrendSampler implements TrendHistory, vscode.Disposable {
  /** One loop per sampled node (samplingLoop.ts: one sample in flight, failures told once). */
  private readonly jobs = new Map<string, SamplingLoop<CountSample>>();
  private readonly growth = new Map<string, CoreFinding[]>();
  private readonly emitter = new vscode.EventEmitter<{ nodeId: string; sample: CountSample }>();
  readonly onDidSample = this.emitter.event;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when sampling starts or stops for a node. */
  readonly onDidChangeSampling = this.changed.event;
  private readonly store: SampleStore;
  private readonly status: vscode.StatusBarItem;
  private readonly subs: vscode.Disposable[] = [];
  private readonly removeHook: () => void;

  constructor(
    private readonly nodes: NodeManager,
    private readonly memento: vscode.Memento,
    storageDir: string,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.store = new SampleStore(storageDir, readSettings().trendKeepSamples, (file, n) => this.log.warn(`trend samples: ${n} line(s) of ${file} were not samples and were skipped`));
    this.status = vscode.window.createStatusBarItem('cgroupForensics.trendSampling', vscode.StatusBarAlignment.Left, 0);
    this.status.name = 'Cgroup Forensics trend sampling';
    this.status.command = Commands.stopTrendSampling;
    this.removeHook = nodes.findingsHooks.add('trends', (findings, input) => [...findings, ...(this.growth.get(input.nodeId) ?? [])]);
    this.subs.push(
      // Samples go with a removed node (Remove Node names them first).
      nodes.registerKeptData({
        describe: (id) => {
          const n = this.store.samples(id).length;
          return Promise.resolve(n ? `${n} trend sample${n === 1 ? '' : 's'}` : undefined);
        },
        forget: async (id) => {
          this.halt(id);
          this.growth.delete(id);
          this.store.forget(id);
          await this.memento.update(CHOSEN_KEY, Object.fromEntries(Object.entries(this.chosen()).filter(([k]) => k !== id)));
        },
      }),
      nodes.onDidChange((id) => this.nodeChanged(id)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!affectsSettings(e)) return;
        this.store.setKeep(readSettings().trendKeepSamples);
        for (const c of this.nodes.connected()) this.nodeChanged(c.spec.id);
      }),
    );
    for (const c of this.nodes.connected()) this.nodeChanged(c.spec.id);
  }

  samples(nodeId: string): readonly CountSample[] {
    return this.store.samples(nodeId);
  }

  isSampling(nodeId: string): boolean {
    return this.jobs.has(nodeId);
  }

  /** The nodes sampled now. */
  sampling(): string[] {
    return [...this.jobs.keys()];
  }

  /** The seconds between samples of a node now, or undefined when it is not sampled. */
  intervalOf(nodeId: string): number | undefined {
    const j = this.jobs.get(nodeId);
    return j ? j.interval / 1000 : undefined;
  }

  /** The interval the user chose for a node (0: stopped by the user; undefined: never chosen). */
  chosenInterval(nodeId: string): number | undefined {
    const v = this.chosen()[nodeId];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  }

  /** Where a node's samples are persisted (JSON Lines). */
  fileOf(nodeId: string): string {
    return this.store.fileOf(nodeId);
  }

  /** The growth findings of the node's latest sample. */
  growthFindings(nodeId: string): readonly CoreFinding[] {
    return this.growth.get(nodeId) ?? [];
  }

  /** Starts (or re-times) sampling of a connected node; the interval is remembered for it. */
  async start(nodeId: string, seconds: number): Promise<void> {
    const s = Math.max(MIN_INTERVAL_SECONDS, Math.floor(seconds));
    await this.memento.update(CHOSEN_KEY, { ...this.chosen(), [nodeId]: s });
    this.run(nodeId, s);
  }

  /**
   * Stops sampling a node and remembers that it was stopped (a reconnect does not resume it). Its
   * growth findings go too: they speak of a trend nobody watches any more (the samples stay).
   */
  async stop(nodeId: string): Promise<void> {
    await this.memento.update(CHOSEN_KEY, { ...this.chosen(), [nodeId]: 0 });
    this.halt(nodeId);
    if (this.growth.get(nodeId)?.length) {
      this.growth.delete(nodeId);
      this.nodes.reapplyFindings(nodeId);
    }
  }

  private chosen(): Record<string, number> {
    const v = this.memento.get<Record<string, number>>(CHOSEN_KEY, {});
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  }

  /** The interval a node should be sampled at now: the user's choice, else the setting (0: none). */
  private wanted(nodeId: string): number {
    const c = this.chosenInterval(nodeId);
    if (c !== undefined) return c > 0 ? Math.max(MIN_INTERVAL_SECONDS, c) : 0;
    const setting = readSettings().trendSampleIntervalSeconds;
    return setting > 0 ? Math.max(MIN_INTERVAL_SECONDS, setting) : 0;
  }

  private nodeChanged(id: string | undefined): void {
    if (id === undefined) {
      // The list changed (a node removed): stop jobs of nodes that are gone.
      for (const j of [...this.jobs.keys()]) if (!this.nodes.spec(j)) this.halt(j);
      return;
    }
    const s = this.nodes.state(id).status;
    if (s === 'disconnected' || s === 'failed') {
      if (this.jobs.has(id)) {
        this.log.info(`trend sampling of ${this.nodes.label(id)} stopped: the node is ${s}`);
        this.halt(id);
      }
      this.growth.delete(id);
      return;
    }
    if (s === 'connected' && this.nodes.transport(id)) {
      const want = this.wanted(id);
      const job = this.jobs.get(id);
      if (want > 0 && (!job || job.interval !== want * 1000)) this.run(id, want);
      else if (want === 0 && job) this.halt(id);
    }
  }

  private run(nodeId: string, seconds: number): void {
    const job = this.jobs.get(nodeId);
    if (job) {
      job.setInterval(seconds * 1000);
      this.updateStatus();
      return;
    }
    const loop = new SamplingLoop<CountSample>(seconds * 1000, {
      sample: async (signal) => {
        const transport = this.nodes.transport(nodeId);
        if (!transport) {
          this.log.info(`trend sampling of ${this.nodes.label(nodeId)} stopped: the node is not connected`);
          this.halt(nodeId);
          return { ok: false, error: { code: 'cancelled', message: 'not connected' } };
        }
        const spec = this.nodes.spec(nodeId);
        return takeSample(transport, { signal, ...(spec?.kind === 'local' && spec.cgroupRoot ? { cgroupRoot: spec.cgroupRoot } : {}), ...nodeHostRoot(spec) });
      },
      onValue: (sample) => this.stored(nodeId, sample),
      onFailure: (message, first) => {
        if (first) this.log.warn(`trend sample of ${this.nodes.label(nodeId)} failed (retried every ${loop.interval / 1000} s, logged once): ${message}`);
      },
      onRecovered: () => this.log.info(`trend sample of ${this.nodes.label(nodeId)} works again`),
    });
    this.jobs.set(nodeId, loop);
    this.log.info(`trend sampling of ${this.nodes.label(nodeId)} every ${seconds} s`);
    this.updateStatus();
    this.changed.fire();
    loop.start();
  }

  private halt(nodeId: string): void {
    const job = this.jobs.get(nodeId);
    if (!job) return;
    this.jobs.delete(nodeId);
    job.stop();
    this.updateStatus();
    this.changed.fire();
  }

  private stored(nodeId: string, sample: CountSample): void {
    try {
      this.store.append(nodeId, sample);
    } catch (e) {
      // The sample stays in memory; only persistence failed (a full disk, a read-only profile).
      this.log.warn(`trend samples of ${this.nodes.label(nodeId)} not saved: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.emitter.fire({ nodeId, sample });
    this.updateStatus();
    const before = this.growth.get(nodeId) ?? [];
    const now = findGrowth(this.store.samples(nodeId));
    this.growth.set(nodeId, now);
    // Findings are re-made only when there is something to show or take away.
    if (now.length || before.length) this.nodes.reapplyFindings(nodeId);
  }

  private updateStatus(): void {
    const n = this.jobs.size;
    if (n === 0) {
      this.status.hide();
      return;
    }
    this.status.text = `$(pulse) sampling ${n} node${n === 1 ? '' : 's'}`;
    const lines = [...this.jobs].map(([id, j]) => `${this.nodes.label(id)}: every ${j.interval / 1000} s, ${this.store.samples(id).length} samples kept`);
    this.status.tooltip = `Cgroup Forensics trend sampling (click to stop one)\n${lines.join('\n')}`;
    this.status.show();
  }

  dispose(): void {
    for (const id of [...this.jobs.keys()]) this.halt(id);
    this.removeHook();
    for (const s of this.subs) s.dispose();
    this.status.dispose();
    this.emitter.dispose();
    this.changed.dispose();
  }
}

/** Makes the sampler (samples under the extension's globalStorage), disposed with the extension. */
export function createTrendSampler(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, nodes: NodeManager): TrendSampler {
  const sampler = new TrendSampler(nodes, context.globalState, vscode.Uri.joinPath(context.globalStorageUri, 'trends').fsPath, log);
  context.subscriptions.push(sampler);
  return sampler;
}

/**
 * The handlers of the sampler's commands (registered in registerCommands.ts): Start Trend
 * Sampling [node] [seconds] and Stop Trend Sampling [node]. Start asks for the interval when
 * neither an argument nor the setting gives one; the command-line seconds (>= 5, as any
 * interval) are for scripts and the extension-host tests.
 */
export function trendSamplingCommands(nodes: NodeManager, sampler: TrendSampler) {
  const startTrendSampling = async (arg?: unknown, secondsArg?: unknown) => {
    const nodeId = await pickNode(nodes, arg, 'Sample cgroup counts of which node?');
    const spec = nodes.spec(nodeId);
    if (spec?.kind === 'snapshot') throw new UserError(`${spec.label} is a snapshot file: there is nothing live to sample`);
    if (nodes.state(nodeId).status !== 'connected' || !nodes.transport(nodeId)) throw new UserError(`connect to ${spec?.label ?? nodeId} first: sampling runs while a node is connected`);
    let seconds = typeof secondsArg === 'number' && Number.isFinite(secondsArg) ? secondsArg : undefined;
    if (seconds === undefined) {
      const setting = readSettings().trendSampleIntervalSeconds;
      const remembered = sampler.chosenInterval(nodeId);
      seconds = setting > 0 ? setting : undefined;
      if (seconds === undefined) {
        const text = await vscode.window.showInputBox({
          prompt: `Seconds between cgroup count samples of ${spec?.label ?? nodeId} (one round trip each, at least ${MIN_INTERVAL_SECONDS})`,
          value: String(remembered && remembered > 0 ? remembered : 60),
          ignoreFocusOut: true,
          validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= MIN_INTERVAL_SECONDS ? undefined : `A whole number of seconds, at least ${MIN_INTERVAL_SECONDS}`),
        });
        if (text === undefined) throw new vscode.CancellationError();
        seconds = Number(text.trim());
      }
    }
    if (seconds < MIN_INTERVAL_SECONDS) throw new UserError(`the interval is at least ${MIN_INTERVAL_SECONDS} seconds (got ${seconds})`);
    await sampler.start(nodeId, seconds);
    return sampler.intervalOf(nodeId);
  };
  const stopTrendSampling = async (arg?: unknown) => {
    let nodeId: string;
    const sampling = sampler.sampling();
    if (arg !== undefined) nodeId = await pickNode(nodes, arg);
    else if (sampling.length === 0) throw new UserError('no node is being sampled');
    else if (sampling.length === 1) nodeId = sampling[0]!;
    else {
      const picked = await vscode.window.showQuickPick(
        sampling.map((id) => ({ label: nodes.label(id), description: `every ${sampler.intervalOf(id)} s`, id })),
        { placeHolder: 'Stop sampling which node?', ignoreFocusOut: true },
      );
      if (!picked) throw new vscode.CancellationError();
      nodeId = picked.id;
    }
    await sampler.stop(nodeId);
    return sampler.isSampling(nodeId);
  };

  return { startTrendSampling, stopTrendSampling };
}
