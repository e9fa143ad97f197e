import * as vscode from 'vscode';
import { SshTransport } from '../../core/transport/ssh/sshTransport';
import type { HostKeyAnswer, HostKeyQuestion, SshInteraction } from '../../core/transport/ssh/sshInteraction';
import type { Transport } from '../../core/transport/transport';
import type { SshConnectOptions } from './transports';

/**
 * Opens the SSH transport of src/core/transport/ssh for an SSH node. The user answers what
 * ssh would ask on a terminal: an unknown host key in a modal with its fingerprint (nothing is
 * trusted silently), passwords and passphrases in input boxes (remembered only in SecretStorage,
 * and only when asked: see credentialPrompt.ts).
 */
export async function connectSsh(o: SshConnectOptions): Promise<Transport> {
  const interaction: SshInteraction = {
    confirmHostKey: (q) => confirmHostKey(q),
    passphrase: async (q) => o.prompt.ask('passphrase', `Passphrase for ${q.keyFile}${q.retry ? ' (the last one was wrong)' : ''}`),
    password: async (q) => o.prompt.ask('password', `Password for ${q.user}@${q.host}`),
    keyboardInteractive: async (q) => {
      const answers: string[] = [];
      for (const p of q.prompts) {
        const a = await vscode.window.showInputBox({ title: `${q.user}@${q.host}${q.name ? `: ${q.name}` : ''}`, prompt: p.prompt, password: !p.echo, ignoreFocusOut: true });
        if (a === undefined) return undefined;
        answers.push(a);
      }
      return answers;
    },
  };
  return new SshTransport({
    alias: o.destination,
    interaction,
    logger: o.logger,
    sudo: o.sudo,
    ...(o.configPath ? { configFile: o.configPath } : {}),
  });
}

async function confirmHostKey(q: HostKeyQuestion): Promise<HostKeyAnswer> {
  const known = q.otherTypes.length ? `\nknown_hosts already has ${q.otherTypes.join(', ')} key(s) for this host: a new key type can mean a changed host.` : '';
  const choice = await vscode.window.showWarningMessage(
    `The authenticity of host "${q.host}" (${q.alias}) can't be established.`,
    { modal: true, detail: `${q.keyTypeLabel} key fingerprint is ${q.fingerprint}.${known}\nTrust it and add it to known_hosts?` },
    'Trust and Connect',
  );
  return choice === 'Trust and Connect' ? { accepted: true } : { accepted: false, reason: 'the host key was not accepted' };
}
