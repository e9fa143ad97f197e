import type { Logger } from './logger';
import { silentLogger } from './logger';
import type { Hierarchy, Snapshot } from './model/snapshot';
import { probeArgv, type ProbeOptions } from './probe/probeCommand';
import { ProbeParser } from './probe/probeParser';
import { fail, ok, type ProbeErrorCode, type Result, type ProbeError } from './result';
import { howItEnded, transportFailure } from './transport/runCollecting';
import { isAbortError, type Transport } from './transport/transport';

export interface ScanProgress {
  cgroups: number;
  hierarchy: string;
}

export interface ScanOptions extends ProbeOptions {
  signal?: AbortSignal;
  logger?: Logger;
  onProgress?: (p: ScanProgress) => void;
}

const PROBE_CODES: Record<string, ProbeErrorCode> = {
  'no-such-directory': 'no-such-directory',
  'not-cgroupfs': 'not-cgroupfs',
  'no-mountinfo': 'no-mountinfo',
  'permission-denied': 'permission-denied',
};

/**
 * Takes a snapshot of a node's cgroup hierarchies in one round trip: the probe walks every
 * hierarchy and the parser builds the model as the output streams in.
 */
export async function takeSnapshot(transport: Transport, options: ScanOptions = {}): Promise<Result<Snapshot, ProbeError>> {
  const log = options.logger ?? silentLogger;
  const onProgress = options.onProgress;
  const parser = new ProbeParser(onProgress ? (cgroups: number, h: Hierarchy) => onProgress({ cgroups, hierarchy: h.name }) : undefined);
  const started = Date.now();
  let result;
  try {
    result = await transport.run({
      argv: probeArgv(options),
      ...(options.signal ? { signal: options.signal } : {}),
      onStdout: (chunk) => parser.push(chunk),
    });
  } catch (e) {
    if (isAbortError(e)) return fail({ code: 'cancelled', message: 'the scan was cancelled' });
    const failure = transportFailure(transport, e);
    // Once records have arrived, a throw is the parser refusing them, not the transport.
    return fail(parser.cgroups > 0 ? { ...failure, code: 'protocol' } : failure);
  }
  const stderrLines = result.stderr.split('\n').filter((l) => l.trim() !== '');
  for (const l of stderrLines) log.debug(`probe stderr: ${l}`);
  if (parser.problem) {
    const code = PROBE_CODES[parser.problem.code] ?? 'protocol';
    // Say which of the user's directories the problem is with.
    const subject = code === 'no-mountinfo' ? options.hostRoot : code === 'protocol' ? undefined : options.cgroupRoot;
    return fail({ code, message: subject ? `${subject}: ${parser.problem.message}` : parser.problem.message });
  }
  if (!parser.complete) {
    const detail = stderrLines.slice(-3).join('; ');
    return fail({ code: 'truncated', message: `the probe ${howItEnded(result)} before it finished${detail ? `: ${detail}` : ''}` });
  }
  const warnings: string[] = [];
  const denied = stderrLines.filter((l) => /Permission denied/.test(l));
  if (denied.length) warnings.push(`${denied.length} director${denied.length === 1 ? 'y' : 'ies'} could not be read: permission denied (run as root for a full view)`);
  if (result.stderrTruncated) warnings.push('the probe wrote more to stderr than was kept');
  let snapshot: Snapshot;
  try {
    snapshot = parser.finish(
      {
        transport: transport.label,
        ...(options.hostRoot ? { hostRoot: options.hostRoot } : {}),
        ...(options.cgroupRoot ? { cgroupRoot: options.cgroupRoot } : {}),
      },
      warnings,
    );
  } catch (e) {
    return fail({ code: 'protocol', message: e instanceof Error ? e.message : String(e) });
  }
  for (const h of snapshot.hierarchies) {
    if (h.vanished.length) snapshot.warnings.push(`${h.name}: ${h.vanished.length} cgroup(s) vanished during the walk`);
    for (const b of h.bounds) snapshot.warnings.push(`${h.name}: the walk stopped at the ${b.bound} bound (${b.limit})`);
  }
  log.info(`${transport.label}: ${parser.cgroups} cgroups in ${snapshot.hierarchies.length} hierarchies, ${Date.now() - started} ms`);
  return ok(snapshot);
}
