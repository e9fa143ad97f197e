import { ok, type ProbeError, type Result } from '../result';
import { runProgram } from '../transport/runCollecting';
import type { Transport } from '../transport/transport';
import { factsArgv, type FactsOptions } from './factsCommand';
import { parseFacts } from './factsParser';
import { interpretFacts, type RuntimeFacts } from './nodeFacts';

/**
 * Reads what the node's kubelet, runtime and systemd know, in one round trip. Missing tools and
 * unreadable files are facts of their own; only a broken transport or cut-short output fails.
 */
export async function gatherFacts(transport: Transport, options: FactsOptions & { signal?: AbortSignal } = {}): Promise<Result<RuntimeFacts, ProbeError>> {
  const r = await runProgram(transport, factsArgv(options), 'facts', parseFacts, options.signal ? { signal: options.signal } : {});
  return r.ok ? ok(interpretFacts({ found: r.value.found, missing: r.value.missing })) : r;
}
