import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | undefined>;

/** What a subcommand gets: its parsed options and positionals, an abort signal, an output sink. */
export interface CommandContext {
  options: OptionValues;
  args: string[];
  signal: AbortSignal;
  /** Writes to --output FILE or standard output. */
  write(text: string): void;
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
  /** Returns the exit status. */
  run(ctx: CommandContext): Promise<number>;
}

/** A usage mistake: reported with exit status 2 and a pointer to --help. */
export class UsageError extends Error {}

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
