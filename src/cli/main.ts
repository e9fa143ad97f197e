import { createWriteStream, writeSync, type WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { version } from '../../package.json';
import { UsageError, type CliCommand } from './command';
import { scanCommand } from './commands/scan';
import { treeCommand } from './commands/tree';
import { orphansCommand } from './commands/orphans';
import { inspectCommand } from './commands/inspect';
import { fixCommand } from './commands/fix';
import { exportCommand } from './commands/export';
import { evidenceCommand } from './commands/evidence';
import { watchCommand } from './commands/watch';
import { diffCommand } from './commands/diff';
import { EXIT } from './exitCodes';

/** Every subcommand; a new one is a module in commands/ and a line here. */
const COMMANDS: CliCommand[] = [scanCommand, treeCommand, orphansCommand, inspectCommand, fixCommand, exportCommand, evidenceCommand, watchCommand, diffCommand];

const COMMON_OPTIONS = {
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => `${c.name} ${c.synopsis}`.length)) + 2;
  return `Usage: cgroup-forensics COMMAND [OPTIONS]

Investigate cgroup leaks on a Kubernetes node. Reads only; changes nothing.

Commands:
${COMMANDS.map((c) => `  ${`${c.name} ${c.synopsis}`.padEnd(width)}${c.summary}`).join('\n')}

Options of every command:
  -o, --output FILE       write the output to FILE instead of standard output
  -h, --help              help (cgroup-forensics COMMAND --help for a command's options)
  -V, --version           the version

Exit status: 0 done, 1 findings (orphans) or changes (diff), 2 bad usage, 3 the input cannot
be scanned (no such directory, not a cgroup filesystem), 4 the scan failed, 5 a check could
not tell (orphans without any source of pods), 130 interrupted.
`;
}

function commandUsage(c: CliCommand): string {
  return `Usage: cgroup-forensics ${c.name} ${c.synopsis}

${c.summary}

Options:
${c.help}
  -o, --output FILE       write the output to FILE instead of standard output
`;
}

export async function main(argv: string[]): Promise<number> {
  const first = argv.findIndex((a) => !a.startsWith('-'));
  const command = first >= 0 ? COMMANDS.find((c) => c.name === argv[first]) : undefined;
  if (first >= 0 && !command) return usageError(`unknown command '${argv[first]}'`);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, ...(command?.options ?? {}) },
    });
  } catch (e) {
    return usageError(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  if (values.version) {
    writeAll(`cgroup-forensics ${version}\n`);
    return EXIT.ok;
  }
  if (!command) {
    if (values.help) {
      writeAll(usage());
      return EXIT.ok;
    }
    return usageError('a command is needed');
  }
  if (values.help) {
    writeAll(commandUsage(command));
    return EXIT.ok;
  }
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  let out: WriteStream | undefined;
  try {
    const output = typeof values.output === 'string' ? values.output : undefined;
    if (output !== undefined) out = createWriteStream(output);
    const sink = out;
    const code = await command.run({
      options: values,
      args: positionals.slice(1),
      signal: controller.signal,
      write: (text) => (sink ? sink.write(text) : writeAll(text)),
    });
    if (out) await new Promise<void>((resolve, reject) => out!.end((e?: Error | null) => (e ? reject(e) : resolve())));
    return code;
  } catch (e) {
    if (e instanceof UsageError) return usageError(e.message);
    process.stderr.write(`cgroup-forensics: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.scanFailed;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

function usageError(message: string): number {
  process.stderr.write(`cgroup-forensics: ${message}\nTry 'cgroup-forensics --help'.\n`);
  return EXIT.usage;
}

/** Synchronous writes keep output whole, and a reader that goes away (head) ends us quietly. */
function writeAll(text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EPIPE') process.exit(EXIT.ok);
      throw e;
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`cgroup-forensics: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = EXIT.scanFailed;
    },
  );
}
