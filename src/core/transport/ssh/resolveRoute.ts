import {
  expandTokens,
  jumpHops,
  noneToUndefined,
  seconds,
  strictness,
  yes,
  type HostConfig,
  type JumpHop,
} from './hostConfig';
import { openSshClient, sshG } from './resolveOpenSsh';
import { resolveWithLibrary } from './resolveLibrary';

/** How to reach a node: the jump hosts in order (first is dialled directly), then the node. */
export interface Route {
  jumps: HostConfig[];
  target: HostConfig;
}

export interface ResolveOptions {
  /** --ssh-config FILE: this file instead of ~/.ssh/config and /etc/ssh/ssh_config. */
  configFile?: string;
  /** 'openssh' = `ssh -G` (the default where the client exists), 'library' = the parser fallback. */
  resolver?: 'auto' | 'openssh' | 'library';
}

const MAX_HOPS = 16;

/**
 * Resolves an alias as OpenSSH would, including its ProxyJump chain. As with `ssh -J a,b node`,
 * each hop is resolved by its own config; the first hop's own ProxyJump is followed, while later
 * hops are reached through the hops before them.
 */
export async function resolveRoute(alias: string, options: ResolveOptions = {}): Promise<Route> {
  const resolveOne = makeResolver(options);
  // `user@host`, as ssh takes it on its command line.
  const at = alias.lastIndexOf('@');
  const target = await resolveOne(at > 0 ? { host: alias.slice(at + 1), user: alias.slice(0, at) } : { host: alias });
  const jumps = await jumpChain(target, resolveOne, 0);
  return { jumps, target };
}

async function jumpChain(h: HostConfig, resolveOne: (hop: JumpHop) => Promise<HostConfig>, depth: number): Promise<HostConfig[]> {
  const hops = jumpHops(h.proxyJump);
  if (hops.length === 0) return [];
  if (depth > MAX_HOPS) throw new Error(`ProxyJump for ${h.alias} loops or is longer than ${MAX_HOPS} hops`);
  const resolved = await Promise.all(hops.map(resolveOne));
  const first = resolved[0]!;
  const before = await jumpChain(first, resolveOne, depth + 1);
  // Hops after the first are reached through the chain, so their own ProxyJump/ProxyCommand are not used.
  const rest = resolved.slice(1).map((r) => ({ ...r, proxyJump: undefined, proxyCommand: undefined }));
  const chain = [...before, { ...first, proxyJump: undefined }, ...rest];
  if (chain.length > MAX_HOPS) throw new Error(`ProxyJump for ${h.alias} loops or is longer than ${MAX_HOPS} hops`);
  return chain;
}

function makeResolver(options: ResolveOptions): (hop: JumpHop) => Promise<HostConfig> {
  const ssh = options.resolver === 'library' ? undefined : openSshClient();
  if (options.resolver === 'openssh' && ssh === undefined) throw new Error('the OpenSSH client (ssh) is not installed');
  return async (hop) => {
    const map = ssh !== undefined ? await sshG(ssh, hop, options.configFile) : resolveWithLibrary(hop, options.configFile);
    return hostConfigFrom(hop.host, map);
  };
}

/** The keyword -> values map of `ssh -G` (or the fallback) as a HostConfig, tokens expanded. */
export function hostConfigFrom(alias: string, map: Map<string, string[]>): HostConfig {
  const first = (k: string): string | undefined => map.get(k)?.[0];
  const hostName = first('hostname') ?? alias;
  const port = Number(first('port') ?? '22');
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`${alias}: bad port '${first('port')}'`);
  const user = first('user') ?? 'root';
  const ctx = { hostName, port, user, alias };
  const list = (k: string): string[] => (map.get(k) ?? []).flatMap((v) => v.split(/\s+/)).filter((v) => v !== '' && v.toLowerCase() !== 'none');
  const agentSetting = first('identityagent');
  let identityAgent: string | undefined;
  if (agentSetting === undefined || agentSetting === 'SSH_AUTH_SOCK') identityAgent = process.env.SSH_AUTH_SOCK || undefined;
  else if (agentSetting.toLowerCase() === 'none') identityAgent = undefined;
  else if (agentSetting.startsWith('$')) identityAgent = process.env[agentSetting.slice(1)] || undefined;
  else identityAgent = expandTokens(agentSetting, ctx);
  const proxyCommand = noneToUndefined(first('proxycommand'));
  const interval = Number(first('serveraliveinterval') ?? '0');
  const countMax = Number(first('serveralivecountmax') ?? '3');
  return {
    alias,
    hostName,
    port,
    user,
    identityFiles: (map.get('identityfile') ?? []).filter((f) => f !== '' && f.toLowerCase() !== 'none').map((f) => expandTokens(f, ctx)),
    identitiesOnly: yes(first('identitiesonly'), false),
    identityAgent,
    proxyJump: noneToUndefined(first('proxyjump')),
    proxyCommand: proxyCommand === undefined ? undefined : expandTokens(proxyCommand, ctx, false),
    connectTimeout: seconds(first('connecttimeout')),
    serverAliveInterval: Number.isFinite(interval) && interval > 0 ? interval : 0,
    serverAliveCountMax: Number.isFinite(countMax) && countMax > 0 ? countMax : 3,
    userKnownHostsFiles: list('userknownhostsfile').map((f) => expandTokens(f, ctx)),
    globalKnownHostsFiles: list('globalknownhostsfile').map((f) => expandTokens(f, ctx)),
    hostKeyAlias: noneToUndefined(first('hostkeyalias')),
    hashKnownHosts: yes(first('hashknownhosts'), false),
    strictHostKeyChecking: strictness(first('stricthostkeychecking')),
    compression: yes(first('compression'), false),
    batchMode: yes(first('batchmode'), false),
    passwordAuthentication: yes(first('passwordauthentication'), true),
    kbdInteractiveAuthentication: yes(first('kbdinteractiveauthentication'), true),
    pubkeyAuthentication: yes(first('pubkeyauthentication'), true),
  };
}
