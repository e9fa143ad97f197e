import { shellCommand } from '../../shellQuote';

/**
 * The constant wrapper every remote program runs under: `timeout` on the node (when it has one)
 * so a read stuck in the kernel cannot pin a channel, then the program, with standard input at
 * /dev/null as a local run has it (nothing is sent, and a command that read the open channel
 * would wait for the timeout). Values arrive only as
 * arguments ($1 the limit, the rest the argv), never inside the program text.
 */
export const REMOTE_WRAPPER = 'exec </dev/null; l=$1; shift; if command -v timeout >/dev/null 2>&1; then exec timeout -k 10 "$l" "$@"; fi; exec "$@"';

/** The exit status of GNU/busybox `timeout` when the limit was hit. */
export const TIMEOUT_EXIT = 124;

export interface RemoteOptions {
  /** Seconds the program may run on the node. */
  timeoutSec: number;
  /** Run it as root with `sudo -n` (never prompts). */
  sudo: boolean;
}

export function remoteArgv(argv: readonly string[], o: RemoteOptions): string[] {
  return ['sh', '-c', REMOTE_WRAPPER, 'cf-run', String(Math.max(1, Math.ceil(o.timeoutSec))), ...(o.sudo ? ['sudo', '-n', '--'] : []), ...argv];
}

/** The exact bytes sent as the ssh exec request: argv words quoted by the one tested function. */
export function remoteCommandLine(argv: readonly string[], o: RemoteOptions): string {
  return shellCommand(remoteArgv(argv, o));
}

/** sudo -n's own words when it would have to ask for a password. */
export function sudoWantsPassword(stderr: string): boolean {
  return /sudo: (a )?password is required|sudo: a terminal is required/.test(stderr);
}
