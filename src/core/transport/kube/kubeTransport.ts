import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { safeLogText } from '../../analysis/logSignatures';
import { classifyKubectlError, kubectlArgs, runKubectl, type KubectlOptions } from '../../kube/kubectl';
import type { Logger } from '../../logger';
import { silentLogger } from '../../logger';
import { remoteArgv, TIMEOUT_EXIT } from '../ssh/remoteCommand';
import { AbortError, type RunRequest, type RunResult, type Transport } from '../transport';
import { parseRefusal, refusalMessage } from './kubeRefusal';
import { leftoverPods } from './leftoverPods';
import { CONTAINER_NAME, DEFAULT_KUBE_IMAGE, DEFAULT_POD_DEADLINE_SECONDS, podManifest, TOOL_SELECTOR } from './podManifest';
import { lastWarning, podState } from './podStatus';

export interface KubeTransportOptions {
  /** The Kubernetes node, by its name in the API. */
  node: string;
  /** How kubectl is run: the user's own, with their kubeconfig and context. */
  kubectl?: Pick<KubectlOptions, 'kubectl' | 'context' | 'kubeconfig' | 'env'>;
  /** Absent: the context's namespace (kubectl's own default), where `kubectl debug node` puts its pod too. */
  namespace?: string;
  image?: string;
  /** The pod's activeDeadlineSeconds (default 3600). */
  deadlineSeconds?: number;
  /** How long the pod may take to be Running (default 120 s: a first image pull). */
  readyTimeoutMs?: number;
  /** Between looks at a pod that is not Running yet (default 1 s). */
  pollMs?: number;
  /** Seconds a program may run before `timeout` in the pod stops it (default 900, as over SSH). */
  remoteTimeoutSec?: number;
  logger?: Logger;
}

const DEFAULT_STDERR_CAP = 64 * 1024;
/** kubectl's own line after the program's status, when it was not 0. */
const TERMINATED = /(?:^|\n)command terminated with exit code (\d+)\n?$/;
/** How much of the end of kubectl's standard error is kept for its own last line. */
const TAIL_BYTES = 4096;

/** A failure of the Kubernetes transport itself (not of the program it ran): one line for the user. */
export class KubeTransportError extends Error {
  override readonly name = 'KubeTransportError';
}

interface Pod {
  name: string;
  /** ms since epoch. */
  created: number;
}

/**
 * Runs the node programs inside a short-lived pod on the node, through the user's own kubectl
 * (so every kubeconfig, auth plugin and proxy works as it does for them): the pod is made on the
 * first run (with the leftovers of killed runs removed beside it), reused for every run of the
 * session, and deleted on dispose. Each run is `kubectl exec -i POD -- sh -c WRAPPER ...`, under
 * the same constant wrapper as over SSH (ssh/remoteCommand.ts): `timeout` in the pod, and a
 * watcher that turns the end of the stream's stdin into TERM for the program. Cancelling ends
 * kubectl's stdin (kubectl 1.30+ passes that on; an older one, killed next, closes the stream, and
 * the container's stdin closes with it), so the program stops on the node as it does over SSH.
 */
export class KubeTransport implements Transport {
  readonly label: string;
  /** This run's id, in the pod's labels. */
  readonly session = randomBytes(5).toString('hex');
  private pod: Promise<Pod> | undefined;
  private readonly made: string[] = [];
  private disposed = false;
  private closing: Promise<void> | undefined;
  private readonly log: Logger;
  private readonly deadline: number;
  private readonly remoteTimeout: number;

  constructor(private readonly o: KubeTransportOptions) {
    this.label = `kube node/${o.node}`;
    this.log = o.logger ?? silentLogger;
    this.deadline = o.deadlineSeconds ?? DEFAULT_POD_DEADLINE_SECONDS;
    this.remoteTimeout = Math.min(o.remoteTimeoutSec ?? 900, Math.max(1, this.deadline - 60));
  }

  async run(request: RunRequest): Promise<RunResult> {
    if (request.signal?.aborted) throw new AbortError();
    if (this.disposed) throw new KubeTransportError('the transport was disposed');
    for (let attempt = 0; ; attempt++) {
      const pod = await abortable(this.podForRun(), request.signal);
      const r = await this.exec(pod, request);
      if (r !== 'pod-gone' || attempt > 0) {
        if (r === 'pod-gone') throw new KubeTransportError(`the pod ${pod.name} is gone or no longer running`);
        return r;
      }
      // Deleted or ended under us (its deadline, an eviction): a new pod, once.
      this.log.warn(`${this.label}: the pod ${pod.name} is gone; making a new one`);
      if (this.pod) this.pod = undefined;
    }
  }

  dispose(): void {
    void this.close();
  }

  /** Deletes the session's pods (without waiting for them to go: `--wait=false`). */
  close(): Promise<void> {
    this.disposed = true;
    this.closing ??= (async () => {
      await this.pod?.catch(() => undefined);
      if (this.made.length) await this.deletePods(this.made.splice(0));
    })();
    return this.closing;
  }

  private kubectl(): KubectlOptions {
    return { ...this.o.kubectl };
  }

  private ns(): string[] {
    return this.o.namespace !== undefined ? ['--namespace', this.o.namespace] : [];
  }

  /** The session's pod, made on first use; one near its deadline is replaced so a run can finish in it. */
  private podForRun(): Promise<Pod> {
    const current = this.pod;
    if (current) {
      return current.then((p) => {
        if (p.created + (this.deadline - this.remoteTimeout) * 1000 > Date.now()) return p;
        if (this.pod === current) this.pod = undefined;
        return this.podForRun();
      });
    }
    const made = this.startPod();
    this.pod = made;
    // A pod that could not be made is tried again by the next run, not remembered as failed.
    made.catch(() => {
      if (this.pod === made) this.pod = undefined;
    });
    return made;
  }

  private async startPod(): Promise<Pod> {
    const name = `cgroup-forensics-${this.session}-${randomBytes(2).toString('hex')}`;
    const manifest = podManifest({ name, node: this.o.node, session: this.session, image: this.o.image ?? DEFAULT_KUBE_IMAGE, deadlineSeconds: this.deadline, client: `${hostname()} ${process.pid}` });
    const cleanup = this.removeLeftovers();
    const created = await runKubectl(['create', ...this.ns(), '--validate=false', '-f', '-', '-o', 'name'], { ...this.kubectl(), input: JSON.stringify(manifest) });
    if (!created.ok) {
      await cleanup;
      throw new KubeTransportError(this.kubectlProblem(created.error.message, `cannot create the pod on node ${this.o.node}`));
    }
    this.made.push(name);
    this.log.info(`${this.label}: pod ${name} created; waiting for it to run`);
    const start = Date.now();
    try {
      await this.waitRunning(name);
    } catch (e) {
      await this.deletePods(this.made.splice(this.made.indexOf(name), 1));
      throw e;
    } finally {
      await cleanup;
    }
    this.log.info(`${this.label}: pod ${name} running after ${Date.now() - start} ms`);
    return { name, created: start };
  }

  private async waitRunning(name: string): Promise<void> {
    const limit = this.o.readyTimeoutMs ?? 120_000;
    const until = Date.now() + limit;
    const poll = this.o.pollMs ?? 1000;
    let state = { phase: 'Unknown', why: '' };
    for (;;) {
      const got = await runKubectl(['get', ...this.ns(), 'pod', name, '-o', 'json'], this.kubectl());
      if (!got.ok) throw new KubeTransportError(this.kubectlProblem(got.error.message, `cannot read the pod ${name}`));
      try {
        state = podState(JSON.parse(got.value));
      } catch {
        throw new KubeTransportError(`kubectl get pod ${name} printed something that is not JSON`);
      }
      if (state.phase === 'Running') return;
      if (state.phase === 'Failed' || state.phase === 'Succeeded') throw new KubeTransportError(`the pod ${name} on node ${this.o.node} ended before it ran anything (${state.phase}${state.why ? `: ${state.why}` : ''})`);
      if (Date.now() + poll > until) break;
      if (this.disposed) throw new KubeTransportError('the transport was disposed');
      await new Promise((r) => setTimeout(r, poll));
    }
    const events = await runKubectl(['get', ...this.ns(), 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'json'], this.kubectl());
    let warning: string | undefined;
    try {
      warning = events.ok ? lastWarning(JSON.parse(events.value)) : undefined;
    } catch {
      warning = undefined;
    }
    const why = [state.why, warning ? `event ${warning}` : ''].filter(Boolean).join('; ') || 'nothing in its status or events says why';
    throw new KubeTransportError(`the pod ${name} on node ${this.o.node} was not running after ${Math.round(limit / 1000)} s (${state.phase}): ${why}`);
  }

  /** Removes the pods killed runs left (leftoverPods.ts); a failure here is logged, never fatal. */
  private async removeLeftovers(): Promise<void> {
    const list = await runKubectl(['get', ...this.ns(), 'pods', '-l', TOOL_SELECTOR, '-o', 'json'], this.kubectl());
    if (!list.ok) {
      this.log.warn(`${this.label}: could not look for pods left by earlier runs: ${list.error.message}`);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(list.value);
    } catch {
      return;
    }
    const gone = leftoverPods(parsed, { session: this.session, host: `${hostname()} `, now: Date.now(), alive: processAlive });
    if (!gone.length) return;
    for (const g of gone) this.log.info(`${this.label}: removing pod ${g.name} left by an earlier run: ${g.why}`);
    await this.deletePods(gone.map((g) => g.name));
  }

  private async deletePods(names: string[]): Promise<void> {
    if (!names.length) return;
    const r = await runKubectl(['delete', ...this.ns(), 'pod', ...names, '--wait=false', '--ignore-not-found'], this.kubectl());
    if (!r.ok) this.log.warn(`${this.label}: could not delete pod ${names.join(', ')}: ${r.error.message}`);
  }

  /** kubectl's failure in one line: RBAC's refusal as the missing permission, else what kubectl said. */
  private kubectlProblem(said: string, doing: string): string {
    const refused = parseRefusal(said);
    return refused ? refusalMessage(refused) : `${doing}: ${said}`;
  }

  /** One program in the pod; 'pod-gone' when kubectl found no running pod to exec into. */
  private exec(pod: Pod, request: RunRequest): Promise<RunResult | 'pod-gone'> {
    const { signal, onStdout } = request;
    const cap = request.maxStderrBytes ?? DEFAULT_STDERR_CAP;
    const k = this.kubectl();
    const program = k.kubectl !== undefined && k.kubectl !== '' ? k.kubectl : 'kubectl';
    // No --request-timeout for a stream: the program's own limit is `timeout` in the pod.
    const args = kubectlArgs({ ...k, requestTimeoutSeconds: 0 }, ['exec', ...this.ns(), '-i', pod.name, '-c', CONTAINER_NAME, '--', ...remoteArgv(request.argv, { timeoutSec: this.remoteTimeout, sudo: false })]);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortError());
      // stdin is a pipe never written to: the wrapper's watcher waits on it; ending it stops the program.
      const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], env: k.env ?? process.env, shell: false });
      // Standard error up to the cap, as the other transports keep it, and its last bytes apart:
      // kubectl's own last line (the program's status, or why kubectl failed) is always read.
      const stderr: Buffer[] = [];
      let stderrBytes = 0;
      let stderrTruncated = false;
      let tail = Buffer.alloc(0);
      let settled = false;
      let killTimer: NodeJS.Timeout | undefined;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const stop = (): void => {
        child.stdin.end();
        // kubectl passes the end of its stdin on and exits with the program; one that does not is ended.
        killTimer ??= setTimeout(() => child.kill('SIGTERM'), 2000);
        killTimer.unref();
      };
      const onAbort = (): void => {
        stop();
        settle(() => reject(new AbortError()));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      child.stdin.on('error', () => undefined);
      child.stdout.on('data', (chunk: Buffer) => {
        if (settled) return;
        try {
          onStdout(chunk);
        } catch (e) {
          // A consumer that cannot take more (a parse error, a bound) stops the program.
          stop();
          settle(() => reject(e instanceof Error ? e : new Error(String(e))));
        }
      });
      child.stderr.on('data', (chunk: Buffer) => {
        tail = Buffer.concat([tail, chunk]);
        if (tail.length > TAIL_BYTES) tail = tail.subarray(tail.length - TAIL_BYTES);
        if (stderrBytes >= cap) {
          stderrTruncated = true;
          return;
        }
        const part = chunk.subarray(0, cap - stderrBytes);
        if (part.length < chunk.length) stderrTruncated = true;
        stderr.push(part);
        stderrBytes += part.length;
      });
      child.on('error', (e: NodeJS.ErrnoException) => {
        settle(() => reject(new KubeTransportError(e.code === 'ENOENT' || e.code === 'EACCES' ? `kubectl is not installed or not runnable here ('${safeLogText(program, 200)}': ${e.code})` : `kubectl could not be started: ${safeLogText(e.message, 200)}`)));
      });
      child.on('close', (code, sig) => {
        if (killTimer) clearTimeout(killTimer);
        if (settled) return;
        let text = Buffer.concat(stderr).toString('utf8');
        let status: number | null = code;
        if (code !== 0) {
          const last = tail.toString('utf8');
          const said = TERMINATED.exec(last);
          if (said) {
            status = Number(said[1]);
            // kubectl's line is not the program's: dropped from what the program said.
            const line = said[0].startsWith('\n') ? said[0].slice(1) : said[0];
            if (!stderrTruncated && text.endsWith(line)) text = text.slice(0, text.length - line.length);
          } else if (sig === null) {
            // kubectl's own failure: nothing ran, or the stream broke.
            if (/not found|completed pod|is not running|container not found|current phase is/i.test(last)) return settle(() => resolve('pod-gone'));
            const refused = parseRefusal(last);
            const why = refused ? refusalMessage(refused) : `kubectl exec failed: ${classifyKubectlError(last, code).message}`;
            return settle(() => reject(new KubeTransportError(why)));
          }
        }
        if (status === TIMEOUT_EXIT) return settle(() => reject(new KubeTransportError(`the program did not finish within ${this.remoteTimeout} s and was stopped in the pod`)));
        settle(() => resolve({ exitCode: status, signal: sig, stderr: text, stderrTruncated }));
      });
    });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
