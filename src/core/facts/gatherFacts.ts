import { fail, ok, type ProbeError, type Result } from '../result';
import { isAbortError, type Transport } from '../transport/transport';
import { factsArgv, type FactsOptions } from './factsCommand';
import { parseFacts } from './factsParser';
import { interpretFacts, type RuntimeFacts } from './nodeFacts';

/**
 * Reads what the node's kubelet, runtime and systemd know, in one round trip. Missing tools and
 * unreadable files are facts of their own; only a broken transport or cut-short output fails.
 */
export async function gatherFacts(transport: Transport, options: FactsOptions & { signal?: AbortSignal } = {}): Promise<Result<RuntimeFacts, ProbeError>> {
  const chunks: Buffer[] = [];
  let result;
  try {
    result = await transport.run({
      argv: factsArgv(options),
      ...(options.signal ? { signal: options.signal } : {}),
      onStdout: (c) => chunks.push(c),
    });
  } catch (e) {
    if (isAbortError(e)) return fail({ code: 'cancelled', message: 'cancelled' });
    return fail({ code: 'transport', message: `${transport.label}: ${e instanceof Error ? e.message : String(e)}` });
  }
  let parsed;
  try {
    parsed = parseFacts(Buffer.concat(chunks));
  } catch (e) {
    return fail({ code: 'protocol', message: e instanceof Error ? e.message : String(e) });
  }
  if (!parsed.complete) {
    return fail({ code: 'truncated', message: `the facts program ${result.signal ? `was ended by ${result.signal}` : `exited with status ${result.exitCode}`} before it finished: ${result.stderr.trim().split('\n').slice(-2).join('; ')}` });
  }
  return ok(interpretFacts({ found: parsed.found, missing: parsed.missing }));
}
