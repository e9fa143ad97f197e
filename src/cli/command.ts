import type { ParseArgsConfig } from 'node:util';
import type { Transport } from '../core/transport/transport';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | undefined>;

/** What a subcommand gets: its parsed options and positionals, an abort signal, an output sink. */
export interface CommandContext {
  options: OptionValues;
  args: string[];
  signal: AbortSignal;
  /** Writes to --output FILE or standard output. */
  write(text: string): void;
  /**
   * The run's one transport to the node the options name (this machine, or --host over SSH):
   * opened on first use and closed when the command ends, so every step of a command (snapshot,
   * facts, evidence, processes) travels over one connection and a host asks for a password once.
   */
  transport(): Promise<Transport>;
}

export interface CliCommand {
  name: string;
  /** One line for the command list in --help. */
  summary: string;
  /** "[PATH]" and the like, for the usage line. */
  synopsis: string;
  /** Lines describing the command's own options, for --help. */
  help: string;
  options: OptionSpec;
  /** Why the command does not take --from (a saved snapshot), for commands that need the live node. */
  withoutFrom?: string;
  /** Exit statuses besides 0 and 1 whose output is whole, so --output FILE is replaced (fleet: nodes not reached). */
  completeOutputOn?: readonly number[];
  /** Returns the exit status. */
  run(ctx: CommandContext): Promise<number>;
}

/** A usage mistake: reported in one line with exit status 2 and a pointer to --help. */
export class UsageError extends Error {}

/**
 * A file or directory the user named (--from, --ssh-config, --output ...) that does not exist or
 * cannot be read or parsed: reported in one line naming it, exit status 3.
 */
export class InputError extends Error {}

/** "ENOENT" and friends in words, for one-line messages about a file the user named. */
export function fileProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return code ?? firstLine(e instanceof Error ? e.message : String(e));
  }
}

/** A message of ours that spans lines (a host key refusal with its fingerprint), said on one line. */
export function joinedLines(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ');
}

/** The first line of a message: parser excerpts and stacks never reach the user. */
export function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.trim();
}

export function stringOption(o: OptionValues, name: string): string | undefined {
  const v = o[name];
  return typeof v === 'string' ? v : undefined;
}

export function intOption(o: OptionValues, name: string): number | undefined {
  const v = stringOption(o, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} takes a whole number, not '${v}'`);
  return Number(v);
}
