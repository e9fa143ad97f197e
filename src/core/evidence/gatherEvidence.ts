import { fail, ok, type ProbeError, type Result } from '../result';
import { howItEnded, runCollecting, stderrTail } from '../transport/runCollecting';
import type { Transport } from '../transport/transport';
import { evidenceArgv, type EvidenceOptions } from './evidenceCommand';
import { parseEvidence, type RawEvidence } from './evidenceParser';

/** Output beyond this is not kept: the program bounds each source, this bounds the whole. */
const MAX_OUTPUT_BYTES = 32 << 20;

/** Logs, daemon health and fd pins of a node in one read-only round trip. */
export async function gatherEvidence(transport: Transport, options: EvidenceOptions & { signal?: AbortSignal } = {}): Promise<Result<RawEvidence, ProbeError>> {
  const run = await runCollecting(transport, evidenceArgv(options), { maxBytes: MAX_OUTPUT_BYTES, ...(options.signal ? { signal: options.signal } : {}) });
  if (!run.ok) return run;
  const { result, overflowed } = run.value;
  let parsed;
  try {
    parsed = parseEvidence(run.value.output);
  } catch (e) {
    return fail({ code: 'protocol', message: e instanceof Error ? e.message : String(e) });
  }
  if (!parsed.complete) {
    return fail({ code: 'truncated', message: `the evidence program ${overflowed ? 'printed more than 32 MiB' : howItEnded(result)} before it finished: ${stderrTail(result)}` });
  }
  return ok(parsed);
}
