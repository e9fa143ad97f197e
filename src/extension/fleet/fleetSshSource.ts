import { homedir } from 'node:os';
import { sshConfigAliases } from '../../core/fleet/sshConfigHosts';
import { sshTarget } from '../../core/fleet/sshTargets';
import type { FleetTarget, TargetList } from '../../core/fleet/fleetTarget';
import type { Logger } from '../../core/logger';
import type { SshInteraction } from '../../core/transport/ssh/sshInteraction';
import type { Settings } from '../settings';

/**
 * A Fleet scan never asks (many nodes cannot share one prompt): keys and the agent only, as the
 * CLI's fleet. A host whose key is not known yet is refused with the way to trust it.
 */
const NEVER_ASKS: SshInteraction = {
  confirmHostKey: async () => ({ accepted: false, reason: 'a Fleet scan never asks; connect the node once from the Nodes view to check and trust its host key' }),
};

/**
 * The ssh_config aliases matching an ssh-style glob, as the CLI's `fleet --ssh-pattern` lists
 * them (the core's sshConfigAliases and sshTarget), from the extension's ssh config setting.
 */
export function sshPatternTargets(glob: string, settings: Settings, logger: Logger, nodeTimeoutMs: number): TargetList {
  const configFile = settings.sshConfigPath.trim() === '' ? undefined : settings.sshConfigPath.replace(/^~(?=\/|$)/, homedir());
  let aliases: string[];
  try {
    aliases = sshConfigAliases(glob, configFile);
  } catch (e) {
    return { ok: false, message: `cannot read ${configFile ?? 'the ssh config'}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
  const targets: FleetTarget[] = aliases.map((alias) =>
    sshTarget(alias, { host: alias }, {
      ...(configFile !== undefined ? { configFile } : {}),
      acceptNew: false,
      sudo: settings.sudoHosts.includes(alias),
      interaction: NEVER_ASKS,
      logger,
      // As the CLI's fleet: the handshake ends by the node's own bound (SSH's 20 s at most).
      connectTimeoutMs: Math.min(nodeTimeoutMs + 1000, 20_000),
    }),
  );
  return { ok: true, targets };
}
