import type { Transport } from '../transport/transport';

/**
 * Runs a script the user has read and confirmed, exactly as shown, with its arguments as data:
 * `sh -c SCRIPT NAME ARGS...`. Returns what it printed.
 */
export async function runScript(transport: Transport, script: string, args: readonly string[], signal?: AbortSignal): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const out: Buffer[] = [];
  const r = await transport.run({ argv: ['sh', '-c', script, 'cgroup-forensics-script', ...args], ...(signal ? { signal } : {}), onStdout: (c) => out.push(c) });
  return { exitCode: r.exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: r.stderr };
}

/** Reads a file on the node (`cat -- FILE`); undefined when it cannot be read. */
export async function readNodeFile(transport: Transport, path: string, signal?: AbortSignal): Promise<string | undefined> {
  const out: Buffer[] = [];
  const r = await transport.run({ argv: ['cat', '--', path], ...(signal ? { signal } : {}), onStdout: (c) => out.push(c) });
  return r.exitCode === 0 ? Buffer.concat(out).toString('utf8') : undefined;
}
