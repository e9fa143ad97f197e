import { fail, ok, type ProbeError, type Result } from '../result';
import { isAbortError, type Transport } from '../transport/transport';
import { parseProcs, type ProcessListing } from './processInfo';
import { procsArgv } from './procsCommand';

/** The processes of the given cgroup directories (and, recursive, of every cgroup below them). */
export async function inspectCgroups(
  transport: Transport,
  dirs: readonly string[],
  o: { hostRoot?: string; recursive?: boolean; signal?: AbortSignal } = {},
): Promise<Result<ProcessListing, ProbeError>> {
  const chunks: Buffer[] = [];
  try {
    await transport.run({
      argv: procsArgv(dirs, o),
      ...(o.signal ? { signal: o.signal } : {}),
      onStdout: (c) => chunks.push(c),
    });
  } catch (e) {
    if (isAbortError(e)) return fail({ code: 'cancelled', message: 'cancelled' });
    return fail({ code: 'transport', message: `${transport.label}: ${e instanceof Error ? e.message : String(e)}` });
  }
  try {
    const listing = parseProcs(Buffer.concat(chunks));
    if (!listing.complete) return fail({ code: 'truncated', message: 'the process listing was cut short' });
    return ok(listing);
  } catch (e) {
    return fail({ code: 'protocol', message: e instanceof Error ? e.message : String(e) });
  }
}
