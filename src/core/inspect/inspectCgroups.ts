import type { ProbeError, Result } from '../result';
import { runProgram } from '../transport/runCollecting';
import type { Transport } from '../transport/transport';
import { parseProcs, type ProcessListing } from './processInfo';
import { procsArgv } from './procsCommand';

/** The processes of the given cgroup directories (and, recursive, of every cgroup below them). */
export async function inspectCgroups(
  transport: Transport,
  dirs: readonly string[],
  o: { hostRoot?: string; recursive?: boolean; signal?: AbortSignal } = {},
): Promise<Result<ProcessListing, ProbeError>> {
  return runProgram(transport, procsArgv(dirs, o), 'process', parseProcs, o.signal ? { signal: o.signal } : {});
}
