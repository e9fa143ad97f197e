import { isCancellation } from '../commandWrapper';
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { displayOf } from '../../core/model/bytes';
import type { Snapshot } from '../../core/model/snapshot';
import { snapshotFromJson } from '../../core/model/snapshotJson';
import { logFromWebview, receiveFromWebview, showBundle } from '../webviewHost';
import { findByDisplayPath, flameMessages, type CgroupVerdict } from './flameData';
import { shouldReveal } from './revealPolicy';
import { flameHtml } from './html';
import { parseFromWebview, type FromWebview, type ToWebview } from '../../protocol/flameProtocol';

export const FLAME_VIEW_TYPE = 'cgroupForensics.flame';

/** Where a panel's snapshots come from: a node of the Nodes tree, or this machine. */
export interface FlameSource {
  /** Node id ("local" for this machine). */
  id: string;
  label: string;
  /** A fresh snapshot, or undefined when the user cancelled. Errors throw. */
  rescan(): Promise<Snapshot | undefined>;
  /** The findings' verdicts on cgroups of this snapshot (verdictsOf; none when the findings are of another snapshot). */
  verdicts?(s: Snapshot): readonly CgroupVerdict[];
}

export interface FlameHost {
  log: vscode.LogOutputChannel;
  /** The built webview folder (dist/webview): the only local resource root. */
  bundleDir: vscode.Uri;
  /** Reveal a cgroup (relative byte-string path) of a node in the Nodes tree. */
  reveal(nodeId: string, hierarchy: string, path: string): Promise<void>;
  /** Whether the Nodes view is on screen (TreeView.visible): a click reveals there only then. */
  nodesVisible?(): boolean;
  /** The snapshots kept on disk per node (snapshotStore), offered as baselines beside the in-memory ones. */
  kept?: KeptSnapshots;
}

/** What the flame view needs of the snapshot store. */
export interface KeptSnapshots {
  /** Newest first; only small metadata. */
  list(nodeId: string): Promise<{ takenAt: number; cgroups: number; bytes: number }[]>;
  /** Throws when the file cannot be read. */
  load(nodeId: string, takenAt: number): Promise<Snapshot>;
}

const HISTORY = 8;

/**
 * One flame view panel: sends snapshots to the webview in chunks once it says 'ready' (and again
 * whenever it reloads), validates what comes back, and answers requests by id.
 */
export class FlamePanel implements vscode.Disposable {
  private current: Snapshot | undefined;
  /** Earlier snapshots of the same source, newest first: the candidates for compare. */
  private readonly history: Snapshot[] = [];
  private baseline: Snapshot | undefined;
  private ready = false;
  private nextSnapshotId = 1;
  private pendingFocus: { hierarchy: string; path: string } | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private sending: Promise<void> = Promise.resolve();
  /** The verdict marks last sent with the current snapshot (verdictsKey). */
  private sentVerdicts: string | undefined;
  readonly onDidDispose: vscode.Event<void>;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly source: FlameSource,
    private readonly host: FlameHost,
  ) {
    const webview = panel.webview;
    showBundle(webview, host.bundleDir, 'flame', (p) => flameHtml({ ...p, title: `Flame view: ${source.label}` }));
    panel.title = `Flame: ${source.label}`;
    this.onDidDispose = panel.onDidDispose;
    this.disposables.push(
      receiveFromWebview(webview, { view: 'flame view', log: host.log, parse: parseFromWebview, handle: (m) => this.handleMessage(m) }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** A new snapshot of the source; the previous one becomes a compare candidate. */
  setSnapshot(s: Snapshot): void {
    if (s === this.current) {
      // The same snapshot, judged anew (the Kubernetes API's view, a hook): the verdict marks go
      // with the snapshot's messages, so it is sent again when they changed.
      if (this.ready && verdictsKey(this.source.verdicts?.(s) ?? []) !== this.sentVerdicts) void this.sendSnapshot(s, 'current');
      return;
    }
    if (this.current) {
      this.history.unshift(this.current);
      this.history.length = Math.min(this.history.length, HISTORY);
    }
    this.current = s;
    if (this.ready) this.sendSnapshot(s, 'current');
  }

  snapshot(): Snapshot | undefined {
    return this.current;
  }

  /** Compare mode against `s` (Compare with Earlier Snapshot); sent now, or on 'ready'. */
  async setBaseline(s: Snapshot): Promise<void> {
    this.baseline = s;
    if (this.ready) await this.sendSnapshot(s, 'baseline');
  }

  baselineSnapshot(): Snapshot | undefined {
    return this.baseline;
  }

  /** The webview said 'ready' (and so has been sent the current and baseline snapshots). */
  isReady(): boolean {
    return this.ready;
  }

  /** Focus a cgroup ("Show in flame view"); path is the byte-string path relative to the walk root. */
  focus(hierarchy: string, path: string): void {
    const h = this.current?.hierarchies.find((x) => x.name === hierarchy);
    const i = h?.tree.find(path);
    const display = h && i !== undefined ? displayPath(h, i) : undefined;
    if (display === undefined) {
      this.host.log.warn(`flame view: ${hierarchy} ${JSON.stringify(path)} is not in the snapshot shown`);
      return;
    }
    const m = { hierarchy, path: display };
    if (this.ready) this.post({ type: 'focus', ...m });
    else this.pendingFocus = m;
  }

  private post(m: ToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(m);
  }

  private sendSnapshot(s: Snapshot, role: 'current' | 'baseline'): Promise<void> {
    const snapshotId = this.nextSnapshotId++;
    // One snapshot at a time, chunks in order; a later snapshot waits for the one being sent.
    this.sending = this.sending
      .then(async () => {
        // Orphan marks come from the findings' verdict (the current snapshot's only), never from "no process".
        const verdicts = role === 'current' ? (this.source.verdicts?.(s) ?? []) : [];
        if (role === 'current') this.sentVerdicts = verdictsKey(verdicts);
        for (const m of flameMessages(s, { snapshotId, role, label: this.source.label, source: this.source.id, verdicts })) {
          if (!(await this.post(m))) return; // the webview went away
        }
      })
      // A failed send must not stop the ones queued after it.
      .catch((e: unknown) => this.host.log.warn(`flame view: sending a snapshot failed: ${e instanceof Error ? e.message : String(e)}`));
    return this.sending;
  }

  /** What the page said (checked by parseFromWebview); public so the extension-host suite can play the page. */
  async handleMessage(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.current) await this.sendSnapshot(this.current, 'current');
        else this.post({ type: 'status', level: 'info', message: 'Scanning…' });
        if (this.baseline) await this.sendSnapshot(this.baseline, 'baseline');
        if (this.pendingFocus) {
          await this.post({ type: 'focus', ...this.pendingFocus });
          this.pendingFocus = undefined;
        }
        return;
      case 'select':
      case 'reveal': {
        // A click selects; only "Reveal in Nodes" may open a hidden side bar (and halve the chart).
        if (!shouldReveal(m.type, this.host.nodesVisible?.() ?? true)) return;
        const h = this.current?.hierarchies.find((x) => x.name === m.hierarchy);
        const i = h ? findByDisplayPath(h, m.path) : undefined;
        if (!h || i === undefined) {
          this.host.log.warn(`flame view: selected ${JSON.stringify(m.path)} is not in the snapshot`);
          return;
        }
        await this.host.reveal(this.source.id, h.name, h.tree.path(i));
        return;
      }
      case 'refresh': {
        try {
          const s = await this.source.rescan();
          if (s) this.setSnapshot(s);
          await this.post({ type: 'reply', requestId: m.requestId, ok: s !== undefined, ...(s ? {} : { message: 'refresh cancelled' }) });
        } catch (e) {
          if (isCancellation(e)) {
            await this.post({ type: 'reply', requestId: m.requestId, ok: false, message: 'refresh cancelled' });
            return;
          }
          const message = e instanceof Error ? e.message : String(e);
          this.host.log.error(`flame view: refresh of ${this.source.label}: ${message}`);
          await this.post({ type: 'reply', requestId: m.requestId, ok: false, message });
        }
        return;
      }
      case 'compare': {
        const picked = await this.pickBaseline();
        if (picked) await this.setBaseline(picked);
        await this.post({ type: 'reply', requestId: m.requestId, ok: picked !== undefined, ...(picked ? {} : { message: 'no baseline chosen' }) });
        return;
      }
      case 'export': {
        const message = await this.export(m.format, m.data);
        await this.post({ type: 'reply', requestId: m.requestId, ok: message !== undefined, ...(message ? { message } : {}) });
        return;
      }
      case 'log':
        logFromWebview(this.host.log, 'webview', m);
        return;
      default: {
        const never: never = m;
        this.host.log.warn(`flame view: unhandled message ${JSON.stringify(never)}`);
      }
    }
  }

  private async pickBaseline(): Promise<Snapshot | undefined> {
    type Item = vscode.QuickPickItem & { snapshot?: Snapshot; keptAt?: number; file?: true };
    const items: Item[] = this.history.map((s) => ({
      label: new Date(s.takenAt).toLocaleString(),
      description: `${ago(s.takenAt)} · ${s.hierarchies.reduce((a, h) => a + h.tree.size, 0)} cgroups`,
      snapshot: s,
    }));
    // The snapshots kept on disk for this node, less those in memory (the same takenAt) and the one shown.
    const seen = new Set([...this.history.map((s) => s.takenAt), ...(this.current ? [this.current.takenAt] : [])]);
    const kept = this.host.kept ? await this.host.kept.list(this.source.id).catch((e: unknown) => (this.host.log.warn(`flame view: kept snapshots: ${e instanceof Error ? e.message : String(e)}`), [])) : [];
    for (const k of kept) {
      if (seen.has(k.takenAt)) continue;
      seen.add(k.takenAt);
      items.push({ label: new Date(k.takenAt).toLocaleString(), description: `${ago(k.takenAt)} · ${k.cgroups} cgroups · kept`, keptAt: k.takenAt });
    }
    items.sort((a, b) => (b.snapshot?.takenAt ?? b.keptAt ?? 0) - (a.snapshot?.takenAt ?? a.keptAt ?? 0));
    items.push({ label: 'Open a snapshot file…', description: 'saved with cgroup-forensics scan --json', file: true });
    const picked = await vscode.window.showQuickPick(items, { placeHolder: `Compare ${this.source.label} now with…`, ignoreFocusOut: true });
    if (!picked) return undefined;
    if (picked.snapshot) return picked.snapshot;
    if (picked.keptAt !== undefined && this.host.kept) return this.host.kept.load(this.source.id, picked.keptAt);
    const files = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Snapshot JSON': ['json'] }, title: 'Baseline snapshot' });
    const file = files?.[0];
    if (!file) return undefined;
    return snapshotFromJson(await readFile(file.fsPath, 'utf8'));
  }

  private async export(format: 'svg' | 'png', data: string): Promise<string | undefined> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    const name = `cgroup-flame-${this.source.id.replace(/[^A-Za-z0-9_.-]+/g, '_')}-${stamp}.${format}`;
    const base = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({
      ...(base ? { defaultUri: vscode.Uri.joinPath(base, name) } : {}),
      filters: format === 'svg' ? { SVG: ['svg'] } : { PNG: ['png'] },
      title: `Export the flame view as ${format.toUpperCase()}`,
    });
    if (!uri) return undefined;
    const bytes = format === 'svg' ? Buffer.from(data, 'utf8') : Buffer.from(data, 'base64');
    await vscode.workspace.fs.writeFile(uri, bytes);
    this.host.log.info(`flame view: exported ${uri.fsPath}`);
    return `saved ${uri.fsPath}`;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

function displayPath(h: Snapshot['hierarchies'][number], i: number): string {
  // The webview knows cgroups by the display text of their names (flameData.findByDisplayPath).
  const parts: string[] = [];
  for (let n = i; n > 0; n = h.tree.parent[n]!) parts.push(h.tree.names[n]!);
  return '/' + parts.reverse().map((n) => displayOf(n)).join('/');
}

function ago(t: number): string {
  const s = Math.round((Date.now() - t) / 1000);
  return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

/** The verdict marks as one comparable string. */
export function verdictsKey(verdicts: readonly CgroupVerdict[]): string {
  return JSON.stringify(verdicts.map((o) => [o.hierarchy, o.path, o.verdict]).sort());
}
