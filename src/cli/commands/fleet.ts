import { FLEET_DEFAULTS, perNodePath } from '../../core/fleet/fleetDefaults';
import { fleetJsonChunks } from '../../core/fleet/fleetJson';
import { byAttention, type FleetNode } from '../../core/fleet/fleetNode';
import { renderFleetText } from '../../core/fleet/fleetText';
import type { FleetTarget } from '../../core/fleet/fleetTarget';
import { runFleet, type FleetEvent } from '../../core/fleet/runFleet';
import type { InvestigationOptions } from '../../core/investigation/investigate';
import { silentLogger } from '../../core/logger';
import { byteStringOf, displayOf } from '../../core/model/bytes';
import { InputError, intOption, stringOption, UsageError, type CliCommand, type OptionSpec, type OptionValues } from '../command';
import { EXIT } from '../exitCodes';
import { FLEET_SOURCES } from '../fleetTargets';
import { FACTS_HELP, FACTS_OPTIONS, factsOptionsOf } from '../forensicsSource';
import { stderrLogger } from '../stderrLogger';

const WALK_OPTIONS: OptionSpec = {
  'cgroup-root': { type: 'string' },
  'host-root': { type: 'string' },
  'max-depth': { type: 'string' },
  'max-cgroups': { type: 'string' },
};

export const fleetCommand: CliCommand = {
  name: 'fleet',
  summary: 'investigate many nodes at once (ssh aliases, a hosts file, a cluster\'s nodes) and rank them by what needs attention',
  synopsis: '(--hosts-file FILE | --ssh-pattern GLOB | --kube-nodes [--selector SEL]) [--json]',
  help: `${FLEET_SOURCES.map((s) => s.help).join('\n')}
  --ssh-config FILE       use FILE instead of ~/.ssh/config and /etc/ssh/ssh_config
  --accept-new            trust hosts not yet in known_hosts and record them (a changed key is still refused)
  --sudo                  run the programs on every node with 'sudo -n'
  --concurrency N         nodes investigated at once (default ${FLEET_DEFAULTS.concurrency})
  --node-timeout SECONDS  each node's bound; a node not done by then is stopped, disconnected and
                          reported as timed out (default ${FLEET_DEFAULTS.nodeTimeoutSeconds})
  --json                  print every node's status and findings as JSON (schema cgroup-forensics/fleet@1;
                          each node's findings as orphans --json prints them)
  --quiet                 no progress on standard error
  --verbose               log what happens on standard error
  --cgroup-root DIR       walk only DIR on every node; %n in DIR is the node's name as listed
  --host-root DIR         read a node filesystem mounted at DIR on every node (%n as above; not
                          with --kube-nodes, whose pods read the node at /host)
  --max-depth N, --max-cgroups N  walk bounds, per node
${FACTS_HELP}
  Each node is investigated as 'orphans --no-kube --host NODE' (or --kube-node NODE) would (the
  Kubernetes API is not asked about pods), over one SSH connection of its own that never prompts
  (keys and the agent only), or in one pod of its own, deleted before fleet ends.
  The table is sorted by what needs attention first: critical, then warning findings, then
  nodes that could not be investigated, then orphans that could not be told, then clear nodes.
  Exit status: 1 a node has findings (as orphans's exit status 1), else 6 a node could not be
  investigated (unreachable, failed or timed out), else 5 a node's orphans could not be told,
  else 0; 130 interrupted. -o FILE is written on 0, 1, 5 and 6.`,
  options: {
    ...Object.assign({}, ...FLEET_SOURCES.map((s) => s.options)),
    ...WALK_OPTIONS,
    ...FACTS_OPTIONS,
    concurrency: { type: 'string' },
    'node-timeout': { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    verbose: { type: 'boolean' },
  },
  withoutFrom: 'fleet investigates live nodes: it does not take --from',
  // A table with nodes that could not be reached or could not tell is still the whole table.
  completeOutputOn: [EXIT.notReached, EXIT.undetermined],
  async run(ctx) {
    if (ctx.args.length) throw new UsageError(`fleet takes no arguments (got '${ctx.args[0]}'); name the nodes with --hosts-file, --ssh-pattern or --kube-nodes`);
    const o = ctx.options;
    const concurrency = intOption(o, 'concurrency') ?? FLEET_DEFAULTS.concurrency;
    if (concurrency < 1) throw new UsageError('--concurrency takes a number of 1 or more');
    const nodeTimeout = intOption(o, 'node-timeout') ?? FLEET_DEFAULTS.nodeTimeoutSeconds;
    if (nodeTimeout < 1) throw new UsageError('--node-timeout takes a number of seconds, 1 or more');
    const quiet = o.quiet === true;
    const logger = o.verbose ? stderrLogger : quiet ? silentLogger : { ...silentLogger, warn: stderrLogger.warn };
    const sources = FLEET_SOURCES.map((s) => s.from(o, { nodeTimeoutMs: nodeTimeout * 1000, logger })).filter((s) => s !== undefined);
    if (!sources.length) throw new UsageError('fleet needs its nodes: --hosts-file FILE, --ssh-pattern GLOB or --kube-nodes');

    const targets: FleetTarget[] = [];
    const names = new Set<string>();
    for (const s of sources) {
      const listed = await s.list(ctx.signal);
      if (!listed.ok) throw new InputError(listed.message);
      if (!listed.targets.length) throw new UsageError(`${s.label} names no node`);
      for (const t of listed.targets) {
        if (names.has(t.name)) continue; // named by two sources: investigated once
        names.add(t.name);
        targets.push(t);
      }
    }

    // Every node's options are made before the first is reached: a flag that fits no node is a usage mistake, said once.
    for (const t of targets) investigationOptions(o, t);
    const progress = quiet ? undefined : fleetProgress(targets.length);
    const nodes = await runFleet(targets, {
      signal: ctx.signal,
      concurrency,
      nodeTimeoutMs: nodeTimeout * 1000,
      investigation: (t) => investigationOptions(o, t),
      ...(progress ? { onEvent: progress.event } : {}),
    });
    progress?.done();
    // A Kubernetes node's pod is deleted before the command ends (kubectl delete --wait=false each).
    await Promise.all(sources.map((s) => s.close?.()));
    const ranked = [...nodes].sort(byAttention);
    if (o.json) for (const chunk of fleetJsonChunks(ranked)) ctx.write(chunk);
    else ctx.write(renderFleetText(ranked));
    return fleetExit(ranked, ctx.signal.aborted);
  },
};

/** The investigation's options for one node, from the flags (as forensicsSource maps them for one node). */
function investigationOptions(o: OptionValues, t: FleetTarget): Omit<InvestigationOptions, 'signal' | 'onProgress'> {
  const maxDepth = intOption(o, 'max-depth');
  const maxCgroups = intOption(o, 'max-cgroups');
  const grace = intOption(o, 'grace');
  const within = stringOption(o, 'within');
  // A node reached in a pod reads its / at the target's root (/host); --cgroup-root is the node's directory below it.
  if (t.hostRoot !== undefined && o['host-root'] !== undefined) throw new UsageError(`--host-root cannot be used for ${t.name}: a node reached through Kubernetes is read at ${t.hostRoot} in its pod`);
  const nodeRoot = nodePath(o, 'cgroup-root', t.name);
  const cgroupRoot = nodeRoot !== undefined && t.hostRoot !== undefined ? `${t.hostRoot}${nodeRoot === '/' ? '' : nodeRoot}` : nodeRoot;
  const hostRoot = t.hostRoot ?? nodePath(o, 'host-root', t.name);
  const facts = factsOptionsOf(o);
  return {
    ...(o.verbose ? { logger: stderrLogger } : {}),
    ...(cgroupRoot !== undefined ? { cgroupRoot } : {}),
    ...(hostRoot !== undefined ? { hostRoot } : {}),
    ...(maxDepth !== undefined ? { maxDepth } : {}),
    ...(maxCgroups !== undefined ? { maxCgroups } : {}),
    facts,
    ...(grace !== undefined ? { graceSeconds: grace } : {}),
    ...(within !== undefined ? { within: byteStringOf(within) } : {}),
    ...(t.node ? { node: t.node } : {}),
  };
}

/** --cgroup-root and --host-root for one node: absolute, with %n made the node's name. */
function nodePath(o: OptionValues, flag: string, name: string): string | undefined {
  const v = stringOption(o, flag);
  if (v === undefined) return undefined;
  if (!v.startsWith('/')) throw new UsageError(`--${flag} takes an absolute directory on the nodes, not '${v}'`);
  const p = perNodePath(v, name);
  // A name that would leave the directory: this node walks a root that does not exist, and says why.
  return p ?? `${v.replace(/%n.*$/, '')}(node name '${name}' cannot be part of a path)`;
}

/**
 * One verdict for the fleet: interrupted 130; a node with findings 1 (each node's verdict is the
 * one `orphans` exits by); else a node not investigated 6; else a node that could not tell 5; else 0.
 */
export function fleetExit(nodes: readonly FleetNode[], interrupted: boolean): number {
  if (interrupted) return EXIT.interrupted;
  if (nodes.some((n) => n.verdict === 'actionable')) return EXIT.findings;
  if (nodes.some((n) => n.status !== 'investigated')) return EXIT.notReached;
  if (nodes.some((n) => n.verdict === 'undetermined')) return EXIT.undetermined;
  return EXIT.ok;
}

/**
 * One line of progress on standard error: rewritten in place on a terminal (at most ten times a
 * second), else one plain line per node done.
 */
function fleetProgress(total: number): { event: (e: FleetEvent) => void; done: () => void } {
  const tty = process.stderr.isTTY;
  const running = new Map<string, string>();
  let done = 0;
  let notReached = 0;
  let last = 0;
  let shown = false;
  const safe = (s: string): string => displayOf(byteStringOf(s));
  const draw = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    shown = true;
    const [name, step] = [...running].at(-1) ?? [];
    const line = `fleet: ${done}/${total} done, ${running.size} running${notReached ? `, ${notReached} not investigated` : ''}${name !== undefined ? ` (${safe(name)}: ${step})` : ''}`;
    process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 100) - 1)}`);
  };
  return {
    event(e) {
      if (e.kind === 'step') {
        running.set(e.name, e.step);
        if (tty) draw(false);
        return;
      }
      running.delete(e.node.name);
      done = e.done;
      if (e.node.status !== 'investigated') notReached++;
      if (tty) draw(e.done === e.total);
      else process.stderr.write(`fleet: ${e.done}/${e.total} ${safe(e.node.name)}: ${nodeOutcome(e.node)} (${(e.node.elapsedMs / 1000).toFixed(1)} s)\n`);
    },
    done() {
      if (tty && shown) process.stderr.write('\r\x1b[K');
    },
  };
}

function nodeOutcome(n: FleetNode): string {
  if (n.status !== 'investigated') return `${n.status}: ${displayOf(byteStringOf(n.error ?? ''))}`;
  const s = n.summary!;
  return `${s.cgroups} cgroups, ${s.orphans} orphans${s.worst ? `, worst ${s.worst.severity} ${s.worst.kind}` : ''}`;
}
