import type { Logger } from '../logger';
import type { JumpHop } from '../transport/ssh/hostConfig';
import { resolveRoute, type Route } from '../transport/ssh/resolveRoute';
import type { SshInteraction } from '../transport/ssh/sshInteraction';
import { SshTransport } from '../transport/ssh/sshTransport';
import type { FleetTarget } from './fleetTarget';

export interface SshFleetOptions {
  /** --ssh-config FILE; absent: ssh's own files. */
  configFile?: string;
  acceptNew: boolean;
  sudo: boolean;
  /** A fleet never prompts: whoever drives it answers without a terminal. */
  interaction: SshInteraction;
  logger: Logger;
  /**
   * The handshake's bound when the config sets no ConnectTimeout: a fleet passes its per-node
   * time, so a node that accepts and never speaks does not hold a socket open past its bound.
   */
  connectTimeoutMs: number;
}

/**
 * A fleet node reached over SSH as `ssh NAME` would (the one SshTransport every command uses),
 * one connection per node, closed when the node is done. NAME is an alias or `[user@]host`;
 * a port from a hosts file (`host:2222`) wins over the config's, as `ssh -p` does.
 */
export function sshTarget(name: string, hop: JumpHop, o: SshFleetOptions): FleetTarget {
  const alias = hop.user !== undefined ? `${hop.user}@${hop.host}` : hop.host;
  return {
    name,
    via: 'ssh',
    node: { sshAlias: alias, ...(o.configFile !== undefined ? { sshConfigFile: o.configFile } : {}) },
    async open() {
      let route: Route;
      try {
        route = await resolveRoute(alias, o.configFile !== undefined ? { configFile: o.configFile } : {});
      } catch (e) {
        throw new Error(`cannot resolve ${name}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
      if (hop.port !== undefined) route = { ...route, target: { ...route.target, port: hop.port } };
      const transport = new SshTransport({
        // The name as listed keys the pooled connection: host:22 and host:2222 are two nodes.
        alias: name,
        route,
        ...(o.configFile !== undefined ? { configFile: o.configFile } : {}),
        acceptNew: o.acceptNew,
        sudo: o.sudo,
        interaction: o.interaction,
        logger: o.logger,
        connectTimeoutMs: o.connectTimeoutMs,
        idleCloseMs: 0,
      });
      return { transport, reachedBy: reachedBy(route) };
    },
  };
}

/** "ssh root@10.0.3.7:22" and the jump hosts it went through. */
function reachedBy(r: Route): string {
  const t = r.target;
  const jumps = r.jumps.length ? ` via ${r.jumps.map((j) => j.alias).join(',')}` : '';
  return `ssh ${t.user}@${t.hostName}:${t.port}${t.proxyCommand !== undefined ? ' (ProxyCommand)' : ''}${jumps}`;
}
