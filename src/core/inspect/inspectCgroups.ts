import { fail, ok, type ProbeError, type Result } from '../result';
import { runCollecting } from '../transport/runCollecting';
import type { Transport } from '../transport/transport';
import { parseProcs, type ProcessListing } from './processInfo';
import { procsArgv } from './procsCommand';

/** The processes of the given cgroup directories (and, recursive, of every cgroup below them). */
export async function inspectCgroups(
  transport: Transport,
  dirs: readonly string[],
  o: { hostRoot?: string; recursive?: boolean; signal?: AbortSignal } = {},
): Promise<Result<ProcessListing, ProbeError>> {
  const run = await runCollecting(transport, procsArgv(dirs, o), o.signal ? { signal: o.signal } : {});
  if (!run.ok) return run;
  try {
    const listing = parseProcs(run.value.output);
    if (!listing.complete) return fail({ code: 'truncated', message: 'the process listing was cut short' });
    return ok(listing);
  } catch (e) {
    return fail({ code: 'protocol', message: e instanceof Error ? e.message : String(e) });
  }
}
