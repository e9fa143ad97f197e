import { fail, ok, type ProbeError, type Result } from '../result';
import { isAbortError, type Transport } from '../transport/transport';
import { evidenceArgv, type EvidenceOptions } from './evidenceCommand';
import { parseEvidence, type RawEvidence } from './evidenceParser';

/** Output beyond this is not kept: the program bounds each source, this bounds the whole. */
const MAX_OUTPUT_BYTES = 32 << 20;

/** Logs, daemon health and fd pins of a node in one read-only round trip. */
export async function gatherEvidence(transport: Transport, options: EvidenceOptions & { signal?: AbortSignal } = {}): Promise<Result<RawEvidence, ProbeError>> {
  const chunks: Buffer[] = [];
  let size = 0;
  let result;
  try {
    result = await transport.run({
      argv: evidenceArgv(options),
      ...(options.signal ? { signal: options.signal } : {}),
      onStdout: (c) => {
        if (size >= MAX_OUTPUT_BYTES) return;
        chunks.push(c);
        size += c.length;
      },
    });
  } catch (e) {
    if (isAbortError(e)) return fail({ code: 'cancelled', message: 'cancelled' });
    return fail({ code: 'transport', message: `${transport.label}: ${e instanceof Error ? e.message : String(e)}` });
  }
  let parsed;
  try {
    parsed = parseEvidence(Buffer.concat(chunks));
  } catch (e) {
    return fail({ code: 'protocol', message: e instanceof Error ? e.message : String(e) });
  }
  if (!parsed.complete) {
    return fail({ code: 'truncated', message: `the evidence program ${size >= MAX_OUTPUT_BYTES ? 'printed more than 32 MiB' : result.signal ? `was ended by ${result.signal}` : `exited with status ${result.exitCode}`} before it finished: ${result.stderr.trim().split('\n').slice(-2).join('; ')}` });
  }
  return ok(parsed);
}
