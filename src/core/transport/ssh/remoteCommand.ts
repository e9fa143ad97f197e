import { shellCommand } from '../../shellQuote';

/**
 * The constant wrapper every remote program runs under: `timeout` on the node (when it has one)
 * so a read stuck in the kernel cannot pin a channel, then the program, with standard input at
 * /dev/null as a local run has it (nothing is sent, and a command that read the open channel
 * would wait for the timeout). Values arrive only as
 * arguments ($1 the limit, the rest the argv), never inside the program text.
 *
 * Cancelling must stop the program, wherever it runs under `timeout` (GNU `timeout` puts itself
 * in a process group of its own, which sshd's signal request, sent to the session's group, never
 * reaches). Two ways in, one per kind of login:
 * - sshd passes the transport's TERM to the session's group (a non-root login): the wrapper
 *   traps it and sends TERM to the program's process group (`timeout`'s own, so everything still
 *   in it gets it at once; GNU timeout alone loses its child to a TERM that lands while it forks)
 *   or, when the program leads none, to the program; `timeout` passes it on to its child.
 * - sshd ignores the signal request (as it does for a root login) and the transport closes the
 *   channel: a watcher reads the channel's standard input (saved as fd 3; nothing is ever written
 *   to it) and sends the same TERM when it ends.
 * The trap is set before the program starts: a signal that arrives while it is being started is
 * remembered and passed on once its pid is known (without that, a TERM in that instant ended the
 * wrapper alone and left the program, in a group of its own, running until its timeout).
 * The program is waited for again after a trapped signal, so its own status is what counts. A
 * program ended by a signal (HUP INT QUIT ABRT KILL SEGV PIPE TERM) ends the wrapper by the same
 * signal, so the transport sees what it would see without the wrapper; any other status, 129-159
 * included, is passed on as an exit status. The watcher and its `cat` are ended with the wrapper.
 * No single quote anywhere: the wrapper travels as one single-quoted word.
 */
export const REMOTE_WRAPPER = [
  'exec 3<&0 </dev/null; l=$1; shift',
  'if command -v timeout >/dev/null 2>&1; then set -- timeout -k 10 "$l" "$@"; fi',
  'g=; trap g=1 HUP INT TERM',
  '"$@" 3<&- & p=$!',
  // The program's group when it leads one (timeout makes its own): the signal reaches timeout and
  // everything still in its group at once, so a signal that lands while timeout forks is not lost
  // (Linux delivers a group signal to both sides of a fork); otherwise the program itself.
  'stop() { kill -TERM -$p 2>/dev/null || kill -TERM $p 2>/dev/null; }',
  'trap stop HUP INT TERM',
  'if [ -n "$g" ]; then stop; fi',
  '{ cat >/dev/null <&3 & c=$!; trap "kill $c 2>/dev/null; exit 0" TERM; wait $c; stop; } >/dev/null 2>&1 & w=$!',
  'exec 3<&-',
  'while :; do wait $p; s=$?; kill -0 $p 2>/dev/null || break; done',
  'kill $w 2>/dev/null; trap - HUP INT TERM',
  'case $s in 129 | 130 | 131 | 134 | 137 | 139 | 141 | 143) kill -$((s - 128)) $$ ;; esac',
  'exit $s',
].join('\n');

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
