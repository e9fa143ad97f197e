/**
 * What the SSH transport asks of whoever drives it: the CLI answers on a terminal, the extension
 * with an input box and SecretStorage, tests with fixed answers. Every method may decline
 * (undefined / not accepted), which the transport reports as a refusal, never as a hang.
 */
export interface HostKeyQuestion {
  /** The known_hosts name: `host` or `[host]:port`. */
  host: string;
  /** The alias the user asked for (may be a jump host of it). */
  alias: string;
  keyType: string;
  /** "ED25519", "ECDSA", ... */
  keyTypeLabel: string;
  /** `SHA256:...` as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** Key types already on file for the host (a new type of a known host). */
  otherTypes: string[];
}

export type HostKeyAnswer = { accepted: true } | { accepted: false; reason: string };

export interface SshInteraction {
  /** A host not in known_hosts presented this key; nothing is written unless accepted. */
  confirmHostKey(q: HostKeyQuestion): Promise<HostKeyAnswer>;
  /** The passphrase of an encrypted key file; undefined skips the key. `retry` after a wrong one. */
  passphrase?(q: { keyFile: string; alias: string; retry: boolean }): Promise<string | undefined>;
  /** A password for user@host; undefined skips password authentication. */
  password?(q: { user: string; host: string; alias: string }): Promise<string | undefined>;
  /** Keyboard-interactive prompts; undefined declines. */
  keyboardInteractive?(q: { user: string; host: string; name: string; instructions: string; prompts: { prompt: string; echo: boolean }[] }): Promise<string[] | undefined>;
}
