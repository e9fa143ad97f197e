import * as vscode from 'vscode';
import { FLEET_DEFAULTS } from '../../core/fleet/fleetDefaults';
import type { FleetNode } from '../../core/fleet/fleetNode';
import { kubeClusterSource } from '../../core/fleet/kubeTargets';
import type { TargetSource } from '../../core/fleet/fleetTarget';
import { runFleet } from '../../core/fleet/runFleet';
import { displayOf } from '../../core/model/bytes';
import { withCancellableProgress } from '../commandWrapper';
import { Commands } from '../commands/commandIds';
import { executeCommand } from '../commands/executeCommand';
import type { NodeManager } from '../nodes/nodeManager';
import { investigationOptionsOf } from '../nodes/investigationSettings';
import { kubeNodeId, parseDestination, sshNodeId, type NodeSpec } from '../nodes/nodeSpec';
import { readSettings } from '../settings';
import type { NodesElement } from '../tree/elements';
import { clusterContext } from '../kube/clusterNodes';
import { sshPatternTargets } from './fleetSshSource';
import { FLEET_SORTS, isFleetSortKey, type FleetSortKey } from './fleetSort';
import { FleetTreeProvider, type FleetRow } from './fleetTree';

/** What Scan Fleet… scans. */
type FleetChoice = { kind: 'ssh'; pattern: string } | { kind: 'kube'; context: string; selector?: string };

const STATUS_WORDS: Record<FleetNode['status'], string> = { investigated: 'done', unreachable: 'unreachable', failed: 'failed', 'timed-out': 'timed out', cancelled: 'interrupted' };

/**
 * The Fleet view and its commands: Scan Fleet… runs the core's fleet runner (the CLI's `fleet`)
 * over the nodes the user names, N at a time (cgroupForensics.fleet.concurrency) under one
 * cancellable progress; the rows are the core's verdicts, sorted as the user picks; a click opens
 * the node in the Nodes view through Detect Orphans.
 */
export function registerFleetView(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, nodes: NodeManager, nodesView: Pick<vscode.TreeView<NodesElement>, 'reveal'>) {
  const tree = new FleetTreeProvider();
  const view = vscode.window.createTreeView('cgroupForensics.fleet', { treeDataProvider: tree });
  // A scan still running when the extension goes stops every node (and closes its connection).
  let running: AbortController | undefined;
  context.subscriptions.push(tree, view, { dispose: () => running?.abort() });
  let lastPattern = '';
  let lastSelector = '';

  const showScan = (): void => {
    view.message = tree.message() ?? '';
    view.description = `by ${tree.sortedBy}`;
  };

  /** What to scan, from the arguments (scripts, tests) or asked: the cluster's nodes, or ssh_config aliases. */
  const chooseFleet = async (arg: unknown): Promise<FleetChoice | undefined> => {
    const a = (arg ?? {}) as { sshPattern?: unknown; kube?: { selector?: unknown } };
    if (typeof a.sshPattern === 'string') return a.sshPattern.trim() ? { kind: 'ssh', pattern: a.sshPattern.trim() } : undefined;
    const settings = readSettings();
    const kubeContext = settings.kubernetesEnabled ? await clusterContext({ context: settings.kubernetesContext, kubectl: settings.kubectlPath }) : undefined;
    if (a.kube && typeof a.kube === 'object') {
      if (!kubeContext?.ok) throw new Error(`no Kubernetes cluster to scan: ${kubeContext ? kubeContext.error.message : 'cgroupForensics.kubernetes.enabled is false'}`);
      const selector = typeof a.kube.selector === 'string' && a.kube.selector.trim() ? a.kube.selector.trim() : undefined;
      return { kind: 'kube', context: kubeContext.value, ...(selector ? { selector } : {}) };
    }
    let kind: 'kube' | 'ssh' = 'ssh';
    // The cluster is offered where the Nodes view shows it (a context, Kubernetes not turned off).
    if (kubeContext?.ok) {
      const picked = await vscode.window.showQuickPick(
        [
          { label: `$(cloud) The nodes of the cluster`, description: `kube context ${displayOf(kubeContext.value)}, each read in a pod on it`, fleet: 'kube' as const },
          { label: '$(remote) Hosts of your ssh config', description: 'the Host aliases matching a pattern', fleet: 'ssh' as const },
        ],
        { placeHolder: 'Scan which fleet?', ignoreFocusOut: true },
      );
      if (!picked) return undefined;
      kind = picked.fleet;
    }
    if (kind === 'kube' && kubeContext?.ok) {
      const selector = await vscode.window.showInputBox({
        title: `Scan Fleet: the nodes of ${displayOf(kubeContext.value)}`,
        prompt: 'Only the nodes with these labels (kubectl get nodes -l); empty: every node',
        placeHolder: 'node-role.kubernetes.io/worker',
        value: lastSelector,
        ignoreFocusOut: true,
      });
      if (selector === undefined) return undefined;
      lastSelector = selector.trim();
      return { kind: 'kube', context: kubeContext.value, ...(lastSelector ? { selector: lastSelector } : {}) };
    }
    const glob = await vscode.window.showInputBox({
      title: 'Scan Fleet: hosts of your ssh config',
      prompt: 'The Host aliases matching a pattern (* any run of characters, ? one character)',
      placeHolder: 'node-*',
      value: lastPattern,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'A pattern such as node-*'),
    });
    if (glob === undefined || !glob.trim()) return undefined;
    lastPattern = glob.trim();
    return { kind: 'ssh', pattern: lastPattern };
  };

  /**
   * Scan Fleet…: `{ sshPattern }` or `{ kube: { selector? } }` skips the questions, and `signal`
   * stops the scan as the notification's Cancel does (scripts and tests). Resolves with the node
   * names in the shown order.
   */
  const scanFleet = async (arg?: unknown) => {
    const outer = (arg as { signal?: unknown } | undefined)?.signal;
    const choice = await chooseFleet(arg);
    if (!choice) return undefined;
    const settings = readSettings();
    const nodeTimeoutMs = FLEET_DEFAULTS.nodeTimeoutSeconds * 1000;
    // The core's target sources, as the CLI's fleet --ssh-pattern and --kube-nodes make them.
    const source: TargetSource =
      choice.kind === 'ssh'
        ? { label: `ssh_config hosts matching ${choice.pattern}`, list: async () => sshPatternTargets(choice.pattern, settings, log, nodeTimeoutMs) }
        : kubeClusterSource({
            kubectl: { context: choice.context, ...(settings.kubectlPath ? { kubectl: settings.kubectlPath } : {}) },
            ...(choice.selector !== undefined ? { selector: choice.selector } : {}),
            ...(settings.kubeNodeImage ? { image: settings.kubeNodeImage } : {}),
            logger: log,
          });
    running?.abort();
    const mine = new AbortController();
    running = mine;
    if (outer instanceof AbortSignal) outer.addEventListener('abort', () => mine.abort(), { once: true });
    let interrupted = false;
    const result = await withCancellableProgress('Cgroup Forensics: Scan Fleet', async (signal, report) => {
      const stop = (): void => mine.abort();
      signal.addEventListener('abort', stop, { once: true });
      try {
        report(`listing ${source.label}`);
        const listed = await source.list(mine.signal);
        if (!listed.ok) throw new Error(listed.message);
        if (!listed.targets.length) throw new Error(`${source.label}: no node`);
        const targets = listed.targets;
        log.info(`Scan Fleet: ${targets.length} nodes, ${source.label}, ${settings.fleetConcurrency} at a time`);
        report(`0 of ${targets.length} done`);
        return await runFleet(targets, {
          signal: mine.signal,
          concurrency: settings.fleetConcurrency,
          nodeTimeoutMs,
          // Each node as Detect Orphans investigates one: the same settings, the core's one investigation;
          // a node reached through Kubernetes is read at its pod's /host.
          investigation: (t) => ({ ...investigationOptionsOf(settings, sshSpec(t.name)), ...(t.node ? { node: t.node } : {}), ...(t.hostRoot !== undefined ? { hostRoot: t.hostRoot } : {}), logger: log }),
          onEvent: (e) => {
            if (e.kind !== 'done') return;
            if (e.node.status !== 'investigated') log.warn(`Scan Fleet: ${e.node.name}: ${STATUS_WORDS[e.node.status]}: ${e.node.error ?? ''}`);
            report(`${e.done} of ${e.total} done (${e.node.name}: ${STATUS_WORDS[e.node.status]})`);
          },
        });
      } finally {
        interrupted = mine.signal.aborted;
        signal.removeEventListener('abort', stop);
        // Every pod the scan made is deleted before it is done (as the CLI's fleet waits for it).
        await source.close?.();
      }
    });
    // A scan started while this one ran stopped it and owns the view now.
    if (running !== mine) return undefined;
    running = undefined;
    tree.show({ source: source.label, nodes: result, interrupted, kind: choice.kind, ...(choice.kind === 'kube' ? { context: choice.context } : {}) });
    showScan();
    log.info(`Scan Fleet: ${tree.message() ?? ''}`);
    await executeCommand('cgroupForensics.fleet.focus');
    return tree.rows().map((n) => n.name);
  };

  /** Sort by…: a column (or the order of attention); the key as argument skips the pick. */
  const sortFleet = async (arg?: unknown) => {
    let key: FleetSortKey | undefined = isFleetSortKey(arg) ? arg : undefined;
    if (!key) {
      const picked = await vscode.window.showQuickPick(
        (Object.entries(FLEET_SORTS) as [FleetSortKey, string][]).map(([k, d]) => ({ label: k === tree.sortedBy ? `$(check) ${k}` : k, description: d, key: k })),
        { placeHolder: 'Sort the Fleet view by' },
      );
      key = picked?.key;
    }
    if (!key) return;
    tree.sortBy(key);
    showScan();
    return tree.rows().map((n) => n.name);
  };

  /** A row's click: the node's findings (Detect Orphans), then the node selected in the Nodes view. Resolves with the node's id. */
  const openFleetNode = async (arg?: unknown) => {
    const name = (arg as Partial<FleetRow> | undefined)?.name;
    if (typeof name !== 'string' || !tree.node(name)) return;
    const scan = tree.scanned();
    let spec: NodeSpec;
    if (scan?.kind === 'kube' && scan.context !== undefined) {
      spec = { kind: 'kube', id: kubeNodeId(scan.context, name), label: name, node: name, context: scan.context };
    } else {
      if (!parseDestination(name)) throw new Error(`not an ssh destination: ${name}`);
      spec = sshSpec(name);
    }
    // Known to the Nodes view while in use, under the ssh config's group or the cluster's (as listed there).
    nodes.remember(spec);
    // Selected once its findings are in, as Add Node does: a reveal while the node's row changes
    // state (connecting, connected) was seen to lose its selection.
    await executeCommand(Commands.detectOrphans, { nodeId: spec.id });
    await nodesView.reveal({ type: 'node', nodeId: spec.id }, { select: true, focus: false, expand: false }).then(undefined, (e: unknown) => log.warn(`${name} not revealed in the Nodes view: ${e instanceof Error ? e.message : String(e)}`));
    return spec.id;
  };

  return { scanFleet, sortFleet, openFleetNode, tree, view };
}

/** An alias of the ssh config as the Nodes view lists it. */
function sshSpec(alias: string): NodeSpec {
  return { kind: 'ssh', id: sshNodeId(alias), label: alias, destination: alias, origin: 'ssh-config' };
}
