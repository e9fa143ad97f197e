import * as vscode from 'vscode';
import type { CredentialPrompt } from './transports';

/**
 * Passwords and key passphrases come from an input box; they are remembered only when the user
 * asks, and then only in SecretStorage (never settings, globalState or the log).
 */
export function credentialPrompt(secrets: vscode.SecretStorage, destination: string): CredentialPrompt {
  const key = (kind: string): string => `cgroupForensics.${kind}:${destination}`;
  return {
    async ask(kind, prompt) {
      const saved = await secrets.get(key(kind));
      if (saved !== undefined) return saved;
      const value = await vscode.window.showInputBox({ prompt, password: true, ignoreFocusOut: true, title: `Cgroup Forensics: ${destination}` });
      if (value === undefined) return undefined;
      const remember = await vscode.window.showQuickPick(['Use once', 'Remember in secret storage'], { placeHolder: `Remember the ${kind} for ${destination}?`, ignoreFocusOut: true });
      if (remember === 'Remember in secret storage') await secrets.store(key(kind), value);
      return value;
    },
  };
}

export async function forgetCredentials(secrets: vscode.SecretStorage, destination: string): Promise<void> {
  for (const kind of ['password', 'passphrase']) await secrets.delete(`cgroupForensics.${kind}:${destination}`);
}
