import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, openSync, renameSync, statSync, unlinkSync, writeSync, type WriteStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { version } from '../../package.json';
import { FixInputError } from '../core/fixes/fixDocument';
import { fileProblem, firstLine, InputError, UsageError, type CliCommand } from './command';
import { scanCommand } from './commands/scan';
import { treeCommand } from './commands/tree';
import { orphansCommand } from './commands/orphans';
import { inspectCommand } from './commands/inspect';
import { fixCommand } from './commands/fix';
import { exportCommand } from './commands/export';
import { evidenceCommand } from './commands/evidence';
import { watchCommand } from './commands/watch';
import { diffCommand } from './commands/diff';
import { reportCommand } from './commands/report';
import { fleetCommand } from './commands/fleet';
import { EXIT } from './exitCodes';
import { applyKubeNode, runTransport } from './snapshotSource';

/** Every subcommand; a new one is a module in commands/ and a line here. */
const COMMANDS: CliCommand[] = [scanCommand, treeCommand, orphansCommand, reportCommand, inspectCommand, fixCommand, exportCommand, evidenceCommand, watchCommand, diffCommand, fleetCommand];

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
  -o, --output FILE       write the output to FILE instead of standard output; FILE is replaced
                          only when the command exits 0 or 1, else left as it was
  -h, --help              help (cgroup-forensics COMMAND --help for a command's options)
  -V, --version           the version

Exit status: 0 done, 1 findings (orphans) or changes (diff), 2 bad usage, 3 the input cannot
be read (no such directory, not a cgroup filesystem, a file named by an option that does not
exist or cannot be parsed), 4 the scan failed, 5 a check could not tell (orphans, fix cleanup
and fix podspec without any source of pods), 6 some nodes could not be investigated (fleet, when
no node has findings), 130 interrupted. Every error is one line on standard error; with
CGROUP_FORENSICS_DEBUG=1 in the environment an unexpected one also shows its stack.
`;
}

function commandUsage(c: CliCommand): string {
  return `Usage: cgroup-forensics ${c.name} ${c.synopsis}

${c.summary}

Options:
${c.help}
  -o, --output FILE       write the output to FILE instead of standard output; FILE is replaced
                          only when the command exits 0 or 1, else left as it was
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
    return usageError(parseArgsProblem(e, command), command);
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
  let out: Output | undefined;
  let code: number;
  // One transport for the whole run, whatever the command does: one SSH connection, one login.
  const node = runTransport(values);
  try {
    applyKubeNode(values);
    const output = typeof values.output === 'string' ? values.output : undefined;
    // Files the user named are checked where they are used (--ssh-config where the transport is
    // built, --kubeconfig where kubectl is asked); --output is written beside FILE and replaces
    // it only when the command succeeds.
    if (output !== undefined) out = openOutput(output);
    const sink = out?.stream;
    code = await command.run({
      options: values,
      args: positionals.slice(1),
      signal: controller.signal,
      write: (text) => (sink ? sink.write(text) : writeAll(text)),
      transport: () => node.get(),
    });
  } catch (e) {
    code = reportError(e, command);
  } finally {
    node.dispose();
    process.removeListener('SIGINT', onSigint);
  }
  return out ? closeOutput(out, code, command.completeOutputOn ?? []) : code;
}

/**
 * Every error the user sees is one line: a usage mistake (2), a file they named that cannot be
 * read or parsed (3), anything else (4) with only its first line; the stack only on request.
 */
export function reportError(e: unknown, command?: CliCommand): number {
  if (e instanceof UsageError) return usageError(e.message, command);
  if (e instanceof InputError || e instanceof FixInputError) {
    process.stderr.write(`cgroup-forensics: ${firstLine(e.message)}\n`);
    return EXIT.badInput;
  }
  process.stderr.write(`cgroup-forensics: ${firstLine(e instanceof Error ? e.message : String(e))}\n`);
  if (process.env.CGROUP_FORENSICS_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return EXIT.scanFailed;
}

/** --output FILE: the command writes to a new file beside FILE (same directory, so a rename replaces it whole). */
interface Output {
  file: string;
  temp: string;
  stream: WriteStream;
}

function openOutput(file: string): Output {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, 'wx');
  } catch (e) {
    throw new InputError(`cannot write ${file} (--output): ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : fileProblem(e)}`);
  }
  try {
    // The file it replaces keeps its permissions (a textfile collector's, a script's).
    chmodSync(temp, statSync(file).mode & 0o7777);
  } catch {
    // no FILE yet: the new one has the umask's
  }
  return { file, temp, stream: createWriteStream('', { fd }) };
}

/**
 * FILE is replaced only when the command did its job (0) or found something (1), or exits with a
 * status its command says leaves its output whole; on any other the new file is removed and FILE
 * stays as it was.
 */
async function closeOutput(out: Output, code: number, complete: readonly number[]): Promise<number> {
  try {
    await new Promise<void>((resolve, reject) => out.stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
    if (code === EXIT.ok || code === EXIT.findings || complete.includes(code)) {
      renameSync(out.temp, out.file);
      return code;
    }
  } catch (e) {
    process.stderr.write(`cgroup-forensics: cannot write ${out.file} (--output): ${fileProblem(e)}\n`);
    code = EXIT.scanFailed;
  }
  try {
    unlinkSync(out.temp);
  } catch {
    // already gone
  }
  return code;
}

/** node:util parseArgs explains its errors at length (with quotes that do not pair): say it in a few words. */
function parseArgsProblem(e: unknown, command: CliCommand | undefined): string {
  const err = e as { code?: string; message?: string };
  const message = String(err.message ?? e);
  const option = /'(-[^' <]+)/.exec(message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      if (option === '--from' && command?.withoutFrom) return command.withoutFrom;
      return `unknown option ${option ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(message) ? `${option ?? 'this option'} takes no value` : `${option ?? 'an option'} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return 'unexpected argument';
    default:
      return firstLine(message);
  }
}

function usageError(message: string, command?: CliCommand): number {
  process.stderr.write(`cgroup-forensics: ${firstLine(message)} (see 'cgroup-forensics ${command ? `${command.name} ` : ''}--help')\n`);
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
      process.exitCode = reportError(e);
    },
  );
}
