import type { ProbeError, Result } from '../result';
import { runProgram } from '../transport/runCollecting';
import type { Transport } from '../transport/transport';
import { evidenceArgv, type EvidenceOptions } from './evidenceCommand';
import { parseEvidence, type RawEvidence } from './evidenceParser';

/** Output beyond this is not kept: the program bounds each source, this bounds the whole. */
const MAX_OUTPUT_BYTES = 32 << 20;

/** Logs, daemon health and fd pins of a node in one read-only round trip. */
export async function gatherEvidence(transport: Transport, options: EvidenceOptions & { signal?: AbortSignal } = {}): Promise<Result<RawEvidence, ProbeError>> {
  return runProgram(transport, evidenceArgv(options), 'evidence', parseEvidence, { maxBytes: MAX_OUTPUT_BYTES, ...(options.signal ? { signal: options.signal } : {}) });
}
