import { formatBytes } from '../report/format';
import { fail, ok, type ProbeError, type Result } from '../result';
import { isAbortError, type RunResult, type Transport } from './transport';

/** A transport failure as the error value every node-side program reports. */
export function transportFailure(transport: Transport, e: unknown): ProbeError {
  if (isAbortError(e)) return { code: 'cancelled', message: 'cancelled' };
  return { code: 'transport', message: `${transport.label}: ${e instanceof Error ? e.message : String(e)}` };
}

export interface Collected {
  output: Buffer;
  result: RunResult;
  /** More than maxBytes came: the rest was dropped. */
  overflowed: boolean;
}

/** Runs a node-side program and keeps its standard output (up to maxBytes) for a parser. */
export async function runCollecting(
  transport: Transport,
  argv: readonly string[],
  o: { signal?: AbortSignal; maxBytes?: number } = {},
): Promise<Result<Collected, ProbeError>> {
  const chunks: Buffer[] = [];
  const max = o.maxBytes ?? Infinity;
  let size = 0;
  let overflowed = false;
  try {
    const result = await transport.run({
      argv,
      ...(o.signal ? { signal: o.signal } : {}),
      onStdout: (c) => {
        if (size >= max) {
          overflowed = true;
          return;
        }
        chunks.push(c);
        size += c.length;
      },
    });
    return ok({ output: Buffer.concat(chunks), result, overflowed });
  } catch (e) {
    return fail(transportFailure(transport, e));
  }
}

/** "was ended by SIGKILL" or "exited with status 2", for messages about a program cut short. */
export function howItEnded(r: RunResult): string {
  return r.signal ? `was ended by ${r.signal}` : `exited with status ${r.exitCode}`;
}

/** The last lines of a program's standard error, for a one-line message. */
export function stderrTail(r: RunResult, lines = 2): string {
  return r.stderr.trim().split('\n').slice(-lines).join('; ');
}

/**
 * Runs a node-side program and parses its whole output (src/core/nodeScript/records.ts): a
 * transport failure, output that does not parse ('protocol') and output cut short before its
 * Z record ('truncated', saying how the program ended) are error values.
 */
export async function runProgram<T extends { complete: boolean }>(
  transport: Transport,
  argv: readonly string[],
  what: string,
  parse: (output: Buffer) => T,
  o: { signal?: AbortSignal; maxBytes?: number } = {},
): Promise<Result<T, ProbeError>> {
  const run = await runCollecting(transport, argv, o);
  if (!run.ok) return run;
  let parsed: T;
  try {
    parsed = parse(run.value.output);
  } catch (e) {
    return fail({ code: 'protocol', message: e instanceof Error ? e.message : String(e) });
  }
  if (!parsed.complete) {
    const { result, overflowed } = run.value;
    const tail = stderrTail(result);
    const how = overflowed ? `printed more than ${formatBytes(o.maxBytes ?? 0)}` : howItEnded(result);
    return fail({ code: 'truncated', message: `the ${what} program ${how} before it finished${tail ? `: ${tail}` : ''}` });
  }
  return ok(parsed);
}
