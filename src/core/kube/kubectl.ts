import { spawn } from 'node:child_process';
import { safeLogText } from '../analysis/logSignatures';
import { fail, ok, type Result } from '../result';

/**
 * The user's own kubectl, run on THIS machine (never on the node): the Kubernetes view of a node
 * is optional evidence, so every way it can fail is a value with a message, never a throw.
 * kubectl is run with an argv array (no shell); its output is untrusted text.
 */
export interface KubectlOptions {
  /** The kubectl program: a name looked up in PATH or a path (default "kubectl"). */
  kubectl?: string;
  /** --context; absent: kubectl's current context. */
  context?: string;
  /** --kubeconfig; absent: kubectl's own (KUBECONFIG or ~/.kube/config). */
  kubeconfig?: string;
  /** kubectl --request-timeout, seconds (default 10). */
  requestTimeoutSeconds?: number;
  /** The whole run, milliseconds (default 30,000): kubectl is killed after it. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Standard output beyond this stops kubectl and fails the run (default 64 MiB). */
  maxOutputBytes?: number;
  /** Environment for kubectl (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Written to kubectl's standard input (a manifest for `create -f -`); absent: no input. */
  input?: string;
}

export type KubeErrorCode = 'kubectl-missing' | 'no-context' | 'unreachable' | 'unauthorized' | 'forbidden' | 'node-not-found' | 'ambiguous-node' | 'timeout' | 'cancelled' | 'too-large' | 'bad-output' | 'failed';

export interface KubeError {
  code: KubeErrorCode;
  /** One line, display-safe. */
  message: string;
}

const DEFAULT_REQUEST_TIMEOUT_S = 10;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_OUTPUT = 64 << 20;
const STDERR_CAP = 16 * 1024;

/** The argv after the program: global flags first, then the command's words. */
export function kubectlArgs(o: Pick<KubectlOptions, 'context' | 'kubeconfig' | 'requestTimeoutSeconds'>, words: readonly string[]): string[] {
  const args: string[] = [];
  if (o.kubeconfig !== undefined) args.push(`--kubeconfig=${o.kubeconfig}`);
  if (o.context !== undefined) args.push(`--context=${o.context}`);
  args.push(`--request-timeout=${o.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_S}s`);
  return [...args, ...words];
}

/**
 * Runs kubectl with these words; resolves with its standard output, or a KubeError naming what
 * went wrong (kubectl missing, no context, API unreachable, forbidden, ...).
 */
export function runKubectl(words: readonly string[], o: KubectlOptions = {}): Promise<Result<string, KubeError>> {
  const program = o.kubectl !== undefined && o.kubectl !== '' ? o.kubectl : 'kubectl';
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOut = o.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return new Promise((resolve) => {
    if (o.signal?.aborted) return resolve(fail({ code: 'cancelled', message: 'cancelled' }));
    const child = spawn(program, kubectlArgs(o, words), { stdio: ['pipe', 'pipe', 'pipe'], env: o.env ?? process.env, shell: false });
    // kubectl that exits before reading its input says why itself.
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.input ?? '');
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let ended: KubeError | undefined;
    let settled = false;
    const finish = (r: Result<string, KubeError>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const stop = (why: KubeError): void => {
      ended ??= why;
      child.kill('SIGKILL');
    };
    const onAbort = (): void => stop({ code: 'cancelled', message: 'cancelled' });
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => stop({ code: 'timeout', message: `kubectl did not finish within ${Math.round(timeoutMs / 1000)} s` }), timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      outBytes += c.length;
      if (outBytes > maxOut) return stop({ code: 'too-large', message: `kubectl printed more than ${maxOut} bytes` });
      out.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < STDERR_CAP) err += c.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'EACCES') finish(fail({ code: 'kubectl-missing', message: `kubectl is not installed or not runnable here ('${safeLogText(program, 200)}': ${e.code})` }));
      else finish(fail({ code: 'failed', message: `kubectl could not be started: ${safeLogText(e.message, 200)}` }));
    });
    child.on('close', (code) => {
      if (ended) return finish(fail(ended));
      if (code === 0) return finish(ok(Buffer.concat(out).toString('utf8')));
      finish(fail(classifyKubectlError(err, code)));
    });
  });
}

/** What kubectl's standard error says went wrong, as a code and one display-safe line. */
export function classifyKubectlError(stderr: string, exitCode: number | null): KubeError {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    // kubectl's klog lines ("E1126 20:41:13.124277 9756 memcache.go:265] ...") repeat the real error.
    .filter((l) => l !== '' && !/^[EWI]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ \S+:\d+\]/.test(l));
  const last = lines[lines.length - 1] ?? `kubectl exited with status ${exitCode ?? 'signal'}`;
  const said = safeLogText(last, 300);
  const all = lines.join('\n');
  if (/current-context is not set|context was not found|no configuration has been provided|invalid configuration|Error in configuration|stat .*kubeconfig|no such file or directory/i.test(all)) return { code: 'no-context', message: `no usable kubectl context: ${said}` };
  if (/\(Forbidden\)|\bis forbidden\b/.test(all)) return { code: 'forbidden', message: `the API refused: ${said}` };
  if (/\(Unauthorized\)|must be logged in|provide credentials/i.test(all)) return { code: 'unauthorized', message: `the API did not accept the credentials: ${said}` };
  if (/Unable to connect to the server|connection to the server .* was refused|connection refused|no such host|i\/o timeout|dial tcp|TLS handshake timeout|Client\.Timeout|context deadline exceeded|network is unreachable|the server was unable to return a response|timed out/i.test(all))
    return { code: 'unreachable', message: `the Kubernetes API is unreachable: ${said}` };
  return { code: 'failed', message: `kubectl failed: ${said}` };
}

/** kubectl's current context (no API call); "no-context" when none is set. */
export async function currentContext(o: KubectlOptions = {}): Promise<Result<string, KubeError>> {
  // --context would name the answer; current-context is the question.
  const rest: KubectlOptions = { ...o };
  delete rest.context;
  const r = await runKubectl(['config', 'current-context'], rest);
  if (!r.ok) return r;
  const name = r.value.trim();
  return name ? ok(name) : fail({ code: 'no-context', message: 'kubectl has no current context' });
}
