import { shellCommand } from '../../shellQuote';

/**
 * The constant wrapper every remote program runs under: `timeout` on the node (when it has one)
 * so a read stuck in the kernel cannot pin a channel, then the program, with standard input at
 * /dev/null as a local run has it (nothing is sent, and a command that read the open channel
 * would wait for the timeout). Values arrive only as
 * arguments ($1 the limit, the rest the argv), never inside the program text.
 *
 * Cancelling closes the channel, and that must stop the program: sshd's "signal" request (what
 * the transport sends first) reaches only the session's process group, which GNU `timeout` leaves
 * for a group of its own, so the program would run on until its limit (a bpftrace trace for its
 * whole duration). So a watcher reads the channel's standard input (saved as fd 3; nothing is ever
 * written to it) and sends TERM to the program when it ends, which happens when the channel is
 * closed; `timeout` passes TERM on to its child. A program ended by a signal ends the wrapper by
 * the same signal, so the transport sees what it would see without the wrapper.
 */
export const REMOTE_WRAPPER =
  'exec 3<&0 </dev/null; l=$1; shift; if command -v timeout >/dev/null 2>&1; then set -- timeout -k 10 "$l" "$@"; fi; ' +
  '"$@" 3<&- & p=$!; { cat >/dev/null 2>&1; kill -TERM $p 2>/dev/null; } <&3 >/dev/null 2>&1 & w=$!; exec 3<&-; ' +
  'wait $p 2>/dev/null; s=$?; kill $w 2>/dev/null; if [ $s -gt 128 ] && [ $s -lt 160 ]; then kill -$((s - 128)) $$; fi; exit $s';

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
