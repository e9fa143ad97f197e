/**
 * A transport runs one program on a node and streams its output back. The core describes what to
 * run as an argv (never shell text); local runs it directly, ssh quotes each word once.
 */
export interface RunRequest {
  /** Program and arguments. argv[0] is looked up in PATH on the node. */
  argv: readonly string[];
  /** Stops the program; the promise then rejects with an AbortError. */
  signal?: AbortSignal;
  /** Called with each chunk of standard output as it arrives. */
  onStdout(chunk: Buffer): void;
  /** Standard error beyond this many bytes is dropped (and said so in the result). */
  maxStderrBytes?: number;
}

export interface RunResult {
  /** The exit status; null when the program was ended by a signal. */
  exitCode: number | null;
  signal: string | null;
  /** Standard error, capped. */
  stderr: string;
  stderrTruncated: boolean;
}

export interface Transport {
  /** A short label for messages: "local" or the ssh alias. */
  readonly label: string;
  run(request: RunRequest): Promise<RunResult>;
  dispose(): void;
}

export class AbortError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'AbortError';
  }
}

export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}
