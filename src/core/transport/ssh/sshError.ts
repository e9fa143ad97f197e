/** Why an SSH operation failed, as a code the front ends can act on and one clear message. */
export type SshErrorCode =
  | 'config'
  | 'connect'
  | 'host-key-unknown'
  | 'host-key-changed'
  | 'host-key-revoked'
  | 'host-certificate'
  | 'auth'
  | 'keepalive'
  | 'connection-lost'
  | 'channel'
  | 'no-exit-status'
  | 'output-cap'
  | 'remote-timeout'
  | 'sudo-password';

export class SshError extends Error {
  constructor(
    readonly code: SshErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SshError';
  }
}
