import { fail, ok, type ProbeError, type Result } from '../result';
import { howItEnded, runCollecting, stderrTail } from '../transport/runCollecting';
import type { Transport } from '../transport/transport';
import { factsArgv, type FactsOptions } from './factsCommand';
import { parseFacts } from './factsParser';
import { interpretFacts, type RuntimeFacts } from './nodeFacts';

/**
 * Reads what the node's kubelet, runtime and systemd know, in one round trip. Missing tools and
 * unreadable files are facts of their own; only a broken transport or cut-short output fails.
 */
export async function gatherFacts(transport: Transport, options: FactsOptions & { signal?: AbortSignal } = {}): Promise<Result<RuntimeFacts, ProbeError>> {
  const run = await runCollecting(transport, factsArgv(options), options.signal ? { signal: options.signal } : {});
  if (!run.ok) return run;
  const result = run.value.result;
  let parsed;
  try {
    parsed = parseFacts(run.value.output);
  } catch (e) {
    return fail({ code: 'protocol', message: e instanceof Error ? e.message : String(e) });
  }
  if (!parsed.complete) {
    return fail({ code: 'truncated', message: `the facts program ${howItEnded(result)} before it finished: ${stderrTail(result)}` });
  }
  return ok(interpretFacts({ found: parsed.found, missing: parsed.missing }));
}
