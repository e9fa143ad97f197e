import { existsSync } from 'node:fs';
import { OpenSSHAgent, type AnyAuthMethod, type AuthHandlerMiddleware, type AuthenticationType, type IdentityCallback, type ParsedKey } from 'ssh2';
import type { Logger } from '../../logger';
import type { HostConfig } from './hostConfig';
import { identityPublicBlob, loadKeyFile } from './keyFiles';
import type { SshInteraction } from './sshInteraction';

/** What was tried, for the one message a failed authentication gives. */
export interface AuthLog {
  tried: string[];
  problems: string[];
}

/** An agent that offers only the keys of the configured identity files (IdentitiesOnly). */
class IdentitiesOnlyAgent extends OpenSSHAgent {
  constructor(
    socket: string,
    private readonly allowed: Buffer[],
  ) {
    super(socket);
  }

  override getIdentities(cb: IdentityCallback<ParsedKey>): void {
    super.getIdentities((err, keys) => {
      if (err || !keys) return cb(err, keys);
      cb(
        err,
        keys.filter((k) => {
          const key = 'getPublicSSH' in k ? k : undefined;
          return key !== undefined && this.allowed.some((a) => a.equals(key.getPublicSSH()));
        }),
      );
    });
  }
}

/**
 * The authentication sequence OpenSSH follows: public keys (agent, then identity files), then
 * keyboard-interactive, then password, each only when the server still accepts that method.
 * Passphrases and passwords come from the interaction and are never logged or kept.
 */
export function authHandler(host: HostConfig, interaction: SshInteraction, log: Logger, record: AuthLog): AuthHandlerMiddleware {
  const steps: { method: AuthenticationType; make: () => Promise<AnyAuthMethod | undefined> }[] = [];
  const username = host.user;
  if (host.pubkeyAuthentication) {
    const agent = host.identityAgent;
    if (agent !== undefined && existsSync(agent)) {
      steps.push({
        method: 'publickey',
        make: async () => {
          record.tried.push('agent');
          if (!host.identitiesOnly) return { type: 'agent', username, agent };
          const allowed = host.identityFiles.map(identityPublicBlob).filter((b): b is Buffer => b !== undefined);
          return { type: 'agent', username, agent: new IdentitiesOnlyAgent(agent, allowed) };
        },
      });
    }
    for (const file of host.identityFiles) {
      steps.push({ method: 'publickey', make: () => keyFromFile(file) });
    }
  }
  if (host.kbdInteractiveAuthentication && interaction.keyboardInteractive && !host.batchMode) {
    const ask = interaction.keyboardInteractive.bind(interaction);
    steps.push({
      method: 'keyboard-interactive',
      make: async () => {
        record.tried.push('keyboard-interactive');
        return {
          type: 'keyboard-interactive',
          username,
          prompt: (name, instructions, _lang, prompts, finish) => {
            if (prompts.length === 0) return finish([]);
            ask({ user: username, host: host.hostName, name, instructions, prompts: prompts.map((p) => ({ prompt: p.prompt, echo: p.echo ?? false })) }).then(
              (answers) => finish(answers ?? []),
              () => finish([]),
            );
          },
        };
      },
    });
  }
  if (host.passwordAuthentication && interaction.password && !host.batchMode) {
    const ask = interaction.password.bind(interaction);
    steps.push({
      method: 'password',
      make: async () => {
        const password = await ask({ user: username, host: host.hostName, alias: host.alias });
        if (password === undefined) return undefined;
        record.tried.push('password');
        return { type: 'password', username, password };
      },
    });
  }

  async function keyFromFile(file: string): Promise<AnyAuthMethod | undefined> {
    let r = loadKeyFile(file);
    if (r.kind === 'missing') return undefined;
    for (let attempt = 0; (r.kind === 'encrypted' || r.kind === 'wrong-passphrase') && attempt < 3; attempt++) {
      if (!interaction.passphrase || host.batchMode) break;
      const pass = await interaction.passphrase({ keyFile: file, alias: host.alias, retry: r.kind === 'wrong-passphrase' });
      if (pass === undefined) break;
      r = loadKeyFile(file, pass);
    }
    switch (r.kind) {
      case 'key':
        record.tried.push(file);
        log.debug(`ssh ${host.alias}: offering ${r.key.type} key ${file}`);
        return { type: 'publickey', username, key: r.key };
      case 'encrypted':
        record.problems.push(`${file}: encrypted, and no passphrase was given`);
        return undefined;
      case 'wrong-passphrase':
        record.problems.push(`${file}: wrong passphrase`);
        return undefined;
      case 'unsupported':
        record.problems.push(r.message);
        return undefined;
      default:
        return undefined;
    }
  }

  let i = 0;
  return (methodsLeft, _partial, next) => {
    // As OpenSSH does, ask with "none" first: the server's reply lists the methods it takes, so
    // nothing is offered (or prompted for) that it would refuse anyway.
    if (methodsLeft === null) {
      next({ type: 'none', username });
      return;
    }
    const advance = async (): Promise<AnyAuthMethod | false> => {
      while (i < steps.length) {
        const step = steps[i++]!;
        if (methodsLeft && !methodsLeft.includes(step.method)) continue;
        try {
          const m = await step.make();
          if (m) return m;
        } catch (e) {
          record.problems.push(e instanceof Error ? e.message : String(e));
        }
      }
      return false;
    };
    advance().then(
      (m) => next(m as AnyAuthMethod),
      () => next(false as unknown as AnyAuthMethod),
    );
  };
}
