import { spawn } from 'node:child_process';
import { AbortError, type RunRequest, type RunResult, type Transport } from './transport';

const DEFAULT_STDERR_CAP = 64 * 1024;

/** Runs programs on this machine as child processes, without a shell in between. */
export class LocalTransport implements Transport {
  readonly label = 'local';

  /** env: variables to set for the programs (tests use PATH to pick a shell and awk). */
  constructor(private readonly env: Record<string, string> = {}) {}

  run(request: RunRequest): Promise<RunResult> {
    const { argv, signal, onStdout } = request;
    const cap = request.maxStderrBytes ?? DEFAULT_STDERR_CAP;
    return new Promise<RunResult>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new AbortError());
        return;
      }
      const [file, ...args] = argv;
      if (file === undefined) {
        reject(new Error('nothing to run'));
        return;
      }
      const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env, LC_ALL: 'C' } });
      const stderr: Buffer[] = [];
      let stderrBytes = 0;
      let stderrTruncated = false;
      let aborted = false;
      const onAbort = (): void => {
        aborted = true;
        child.kill('SIGTERM');
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (chunk: Buffer) => {
        try {
          onStdout(chunk);
        } catch (e) {
          // A consumer that cannot take more (a parse error, a bound) stops the program.
          child.kill('SIGTERM');
          signal?.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderrBytes >= cap) {
          stderrTruncated = true;
          return;
        }
        const room = cap - stderrBytes;
        if (chunk.length > room) stderrTruncated = true;
        const part = chunk.subarray(0, room);
        stderr.push(part);
        stderrBytes += part.length;
      });
      child.on('error', (e) => {
        signal?.removeEventListener('abort', onAbort);
        reject(e);
      });
      child.on('close', (code, sig) => {
        signal?.removeEventListener('abort', onAbort);
        if (aborted) {
          reject(new AbortError());
          return;
        }
        resolve({ exitCode: code, signal: sig, stderr: Buffer.concat(stderr).toString('utf8'), stderrTruncated });
      });
    });
  }

  dispose(): void {
    // Nothing is held between runs.
  }
}
