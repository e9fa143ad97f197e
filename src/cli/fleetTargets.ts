import { readFileSync } from 'node:fs';
import { parseHostsFile } from '../core/fleet/hostsFile';
import { sshConfigAliases } from '../core/fleet/sshConfigHosts';
import { kubeClusterSource } from '../core/fleet/kubeTargets';
import { sshTarget, type SshFleetOptions } from '../core/fleet/sshTargets';
import type { TargetSource } from '../core/fleet/fleetTarget';
import type { Logger } from '../core/logger';
import type { SshInteraction } from '../core/transport/ssh/sshInteraction';
import { fileProblem, firstLine, InputError, stringOption, UsageError, type OptionSpec, type OptionValues } from './command';
import { readableFile } from './snapshotSource';

/** What every target source's transports share: how the fleet reaches nodes. */
export interface FleetReach {
  nodeTimeoutMs: number;
  logger: Logger;
}

/**
 * One way of naming a fleet's nodes on the command line: its flags, its help lines, and the
 * TargetSource its flags make (undefined when its flags are absent). `fleet` takes the union of
 * every source given. A Kubernetes cluster (--kube-context, --selector) is one more entry here.
 */
export interface FleetSourceFlags {
  options: OptionSpec;
  help: string;
  from(o: OptionValues, reach: FleetReach): TargetSource | undefined;
}

const SSH_OPTIONS: OptionSpec = {
  'ssh-config': { type: 'string' },
  'accept-new': { type: 'boolean' },
  sudo: { type: 'boolean' },
};

/**
 * A fleet never prompts (sixteen nodes cannot share one terminal): keys and the agent only, and a
 * host not in known_hosts is refused with the way out.
 */
const BATCH: SshInteraction = {
  confirmHostKey: async () => ({ accepted: false, reason: 'fleet never asks on a terminal; check the host key and rerun with --accept-new to trust hosts on first use' }),
};

function sshOptions(o: OptionValues, reach: FleetReach): SshFleetOptions {
  const configFile = stringOption(o, 'ssh-config');
  return {
    ...(configFile !== undefined ? { configFile } : {}),
    acceptNew: o['accept-new'] === true,
    sudo: o.sudo === true,
    interaction: BATCH,
    logger: reach.logger,
    // The handshake (SSH's default bound, 20 s) ends a second after the node's time at the latest
    // (unless the config's ConnectTimeout says longer): the node's abort comes first and reports it
    // timed out, and a host that accepts and never speaks is not kept connected.
    connectTimeoutMs: Math.min(reach.nodeTimeoutMs + 1000, 20_000),
  };
}

export const HOSTS_FILE_SOURCE: FleetSourceFlags = {
  options: { 'hosts-file': { type: 'string' }, ...SSH_OPTIONS },
  help: `  --hosts-file FILE       the nodes: one a line, an ssh_config alias or user@host[:port]; # comments`,
  from(o, reach) {
    const file = stringOption(o, 'hosts-file');
    if (file === undefined) return undefined;
    readableFile(file, '--hosts-file');
    const ssh = sshOptions(o, reach);
    return {
      label: `--hosts-file ${file}`,
      async list() {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (e) {
          return { ok: false, message: `cannot read ${file} (--hosts-file): ${fileProblem(e)}` };
        }
        const { entries, errors } = parseHostsFile(text);
        if (errors.length) return { ok: false, message: `${file} (--hosts-file) ${errors[0]!}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}` };
        return { ok: true, targets: entries.map((e) => sshTarget(e.name, e.hop, ssh)) };
      },
    };
  },
};

export const SSH_PATTERN_SOURCE: FleetSourceFlags = {
  options: { 'ssh-pattern': { type: 'string' }, ...SSH_OPTIONS },
  help: `  --ssh-pattern GLOB      the nodes: the Host aliases of the ssh config matching GLOB ('node-*');
                          Host lines of wildcards only are patterns, not nodes`,
  from(o, reach) {
    const glob = stringOption(o, 'ssh-pattern');
    if (glob === undefined) return undefined;
    if (glob === '') throw new UsageError('--ssh-pattern takes a glob such as node-*');
    const configFile = stringOption(o, 'ssh-config');
    if (configFile !== undefined) readableFile(configFile, '--ssh-config');
    const ssh = sshOptions(o, reach);
    return {
      label: `--ssh-pattern ${glob}`,
      async list() {
        let aliases: string[];
        try {
          aliases = sshConfigAliases(glob, configFile);
        } catch (e) {
          throw new InputError(`cannot read the ssh config${configFile !== undefined ? ` ${configFile} (--ssh-config)` : ''}: ${firstLine(e instanceof Error ? e.message : String(e))}`);
        }
        return { ok: true, targets: aliases.map((a) => sshTarget(a, { host: a }, ssh)) };
      },
    };
  },
};

export const KUBE_NODES_SOURCE: FleetSourceFlags = {
  options: {
    'kube-nodes': { type: 'boolean' },
    selector: { type: 'string' },
    'kube-context': { type: 'string' },
    kubeconfig: { type: 'string' },
    'kube-namespace': { type: 'string' },
    'kube-image': { type: 'string' },
  },
  help: `  --kube-nodes            the nodes: those of the Kubernetes cluster (kubectl's current context,
                          or --kube-context/--kubeconfig), each read in a short-lived pod as
                          --kube-node reads one (--kube-namespace, --kube-image as there)
  --selector SEL          only the nodes with these labels (kubectl get nodes -l SEL); implies --kube-nodes`,
  from(o, reach) {
    const selector = stringOption(o, 'selector');
    const context = stringOption(o, 'kube-context');
    const kubeconfig = stringOption(o, 'kubeconfig');
    if (o['kube-nodes'] !== true && selector === undefined) {
      const only = ['kube-context', 'kubeconfig', 'kube-namespace', 'kube-image'].find((n) => o[n] !== undefined);
      if (only) throw new UsageError(`--${only} is for the nodes of a cluster: add --kube-nodes`);
      return undefined;
    }
    if (selector === '') throw new UsageError('--selector takes a label selector such as node-role.kubernetes.io/worker');
    if (kubeconfig !== undefined) readableFile(kubeconfig, '--kubeconfig');
    const namespace = stringOption(o, 'kube-namespace');
    const image = stringOption(o, 'kube-image');
    return kubeClusterSource({
      kubectl: { ...(context !== undefined ? { context } : {}), ...(kubeconfig !== undefined ? { kubeconfig } : {}) },
      ...(selector !== undefined ? { selector } : {}),
      ...(namespace !== undefined ? { namespace } : {}),
      ...(image !== undefined ? { image } : {}),
      logger: reach.logger,
    });
  },
};

/** Every target source fleet takes, in the order their nodes are listed. */
export const FLEET_SOURCES: readonly FleetSourceFlags[] = [HOSTS_FILE_SOURCE, SSH_PATTERN_SOURCE, KUBE_NODES_SOURCE];
