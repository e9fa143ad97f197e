import * as vscode from 'vscode';
import { FLEET_DEFAULTS } from '../../core/fleet/fleetDefaults';
import type { FleetNode } from '../../core/fleet/fleetNode';
import { runFleet } from '../../core/fleet/runFleet';
import { withCancellableProgress } from '../commandWrapper';
import { Commands } from '../commands/commandIds';
import { executeCommand } from '../commands/executeCommand';
import type { NodeManager } from '../nodes/nodeManager';
import { investigationOptionsOf } from '../nodes/investigationSettings';
import { parseDestination, sshNodeId, type NodeSpec } from '../nodes/nodeSpec';
import { readSettings } from '../settings';
import type { NodesElement } from '../tree/elements';
import { sshPatternTargets } from './fleetSshSource';
import { FLEET_SORTS, isFleetSortKey, type FleetSortKey } from './fleetSort';
import { FleetTreeProvider, type FleetRow } from './fleetTree';

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

  const showScan = (): void => {
    view.message = tree.message() ?? '';
    view.description = `by ${tree.sortedBy}`;
  };

  /**
   * Scan Fleet…: `{ sshPattern }` skips the input box, and `signal` stops the scan as the
   * notification's Cancel does (scripts and tests). Resolves with the node names in the shown order.
   */
  const scanFleet = async (arg?: unknown) => {
    const given = (arg as { sshPattern?: unknown } | undefined)?.sshPattern;
    const outer = (arg as { signal?: unknown } | undefined)?.signal;
    // The core has no Kubernetes target source yet: the ssh_config aliases are the one kind of fleet.
    const glob =
      typeof given === 'string'
        ? given
        : await vscode.window.showInputBox({
            title: 'Scan Fleet: hosts of your ssh config',
            prompt: 'The Host aliases matching a pattern (* any run of characters, ? one character)',
            placeHolder: 'node-*',
            value: lastPattern,
            ignoreFocusOut: true,
            validateInput: (v) => (v.trim() ? undefined : 'A pattern such as node-*'),
          });
    if (glob === undefined || !glob.trim()) return;
    lastPattern = glob.trim();
    const settings = readSettings();
    const nodeTimeoutMs = FLEET_DEFAULTS.nodeTimeoutSeconds * 1000;
    const listed = sshPatternTargets(lastPattern, settings, log, nodeTimeoutMs);
    if (!listed.ok) throw new Error(listed.message);
    if (!listed.targets.length) throw new Error(`no Host alias of ${settings.sshConfigPath || 'your ssh config'} matches ${lastPattern}`);
    const targets = listed.targets;
    const source = `ssh_config hosts matching ${lastPattern}`;
    log.info(`Scan Fleet: ${targets.length} ${source}, ${settings.fleetConcurrency} at a time`);
    running?.abort();
    const mine = new AbortController();
    running = mine;
    if (outer instanceof AbortSignal) outer.addEventListener('abort', () => mine.abort(), { once: true });
    let interrupted = false;
    const result = await withCancellableProgress(`Cgroup Forensics: scanning ${targets.length} nodes`, (signal, report) => {
      const stop = (): void => mine.abort();
      signal.addEventListener('abort', stop, { once: true });
      return runFleet(targets, {
        signal: mine.signal,
        concurrency: settings.fleetConcurrency,
        nodeTimeoutMs,
        // Each node as Detect Orphans investigates an SSH node: the same settings, the core's one investigation.
        investigation: (t) => ({ ...investigationOptionsOf(settings, sshSpec(t.name)), ...(t.node ? { node: t.node } : {}), logger: log }),
        onEvent: (e) => {
          if (e.kind !== 'done') return;
          if (e.node.status !== 'investigated') log.warn(`Scan Fleet: ${e.node.name}: ${STATUS_WORDS[e.node.status]}: ${e.node.error ?? ''}`);
          report(`${e.done} of ${e.total} done (${e.node.name}: ${STATUS_WORDS[e.node.status]})`);
        },
      }).finally(() => {
        interrupted = mine.signal.aborted;
        signal.removeEventListener('abort', stop);
      });
    });
    // A scan started while this one ran stopped it and owns the view now.
    if (running !== mine) return undefined;
    running = undefined;
    tree.show({ source, nodes: result, interrupted });
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
    if (!parseDestination(name)) throw new Error(`not an ssh destination: ${name}`);
    const spec = sshSpec(name);
    // Known to the Nodes view while in use, under the ssh config's group (as an alias listed there).
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
