import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { acceptExec } from './kubeApiStandInExec';

/**
 * The pods part of the stand-in API server, with a kubelet's part played too: pods created through
 * it become Running on the node they name (or never, when told so), honour activeDeadlineSeconds,
 * can be listed by label selector, fetched, deleted; `exec` into one runs the program on THIS
 * machine as the pod would run it on its node:
 *
 * the container's filesystem is a directory holding only Debian's static busybox (the default image
 * is busybox), or for a `debian:*` image this machine's own /usr and /etc (it is Debian 12,
 * bookworm: a superset of debian:bookworm-slim), the node's `/` is bind-mounted read-only at its
 * `/host` (the hostPath volume), `/proc`
 * is this machine's (hostPID) and nothing else is there, all inside a private mount namespace
 * (`unshare --mount`), so nothing outside the exec'd program sees the mounts. A program that read
 * the node anywhere but through /host would find nothing, as in a real pod.
 */

export interface Forbid {
  verb: string;
  /** "pods", "pods/exec" */
  resource: string;
}

export interface PodsOptions {
  /** Milliseconds before a created pod is Running (default 200). */
  podStartMs?: number;
  /** Created pods never start: their container waits with this reason and an event says the message. */
  podNeverRuns?: { reason: string; message: string };
  /** What the user may not do (403 Forbidden, worded as the API server words it). */
  forbid?: Forbid[];
}

export interface ExecRecord {
  namespace: string;
  pod: string;
  argv: string[];
  /** The streaming subprotocol kubectl and the stand-in agreed on. */
  protocol: string;
  /** The pid of the exec'd program's process (unshare, then chroot'ed into the container). */
  pid: number | undefined;
  done: boolean;
}

interface StoredPod {
  obj: Record<string, unknown> & { metadata: Record<string, unknown>; spec: Record<string, unknown>; status: Record<string, unknown> };
  created: number;
}

export const STAND_IN_USER = 'system:serviceaccount:ci:reader';

const json = (res: ServerResponse, code: number, body: unknown): void => {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** A 403 as the API server sends it (RBAC's words: verb, resource, namespace). */
export function forbiddenStatus(f: Forbid, namespace: string, name?: string): unknown {
  const [resource, sub] = f.resource.split('/');
  const what = name !== undefined ? `${resource!} "${name}"` : resource!;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${what} is forbidden: User "${STAND_IN_USER}" cannot ${f.verb} resource "${f.resource}" in API group "" in the namespace "${namespace}"`,
    reason: 'Forbidden',
    details: { ...(name !== undefined ? { name } : {}), kind: resource, ...(sub ? {} : {}) },
    code: 403,
  };
}

export class PodStore {
  readonly pods = new Map<string, StoredPod>();
  /** Every pod as kubectl sent it to be created. */
  readonly created: Record<string, unknown>[] = [];
  readonly deleted: string[] = [];
  readonly execs: ExecRecord[] = [];
  private readonly children = new Set<ChildProcess>();
  private readonly rootfs = new Map<'busybox' | 'debian', string>();

  constructor(readonly o: PodsOptions) {}

  /** Pods as the cluster-wide list shows them (for the kube view's field selector). */
  all(): unknown[] {
    return [...this.pods.values()].map((p) => this.current(p));
  }

  /** Puts a pod in the store as if an earlier run had made it (leftover tests). */
  seed(pod: Record<string, unknown>, createdMsAgo: number): void {
    const p = this.stored(pod, Date.now() - createdMsAgo);
    this.pods.set(`${String(p.obj.metadata.namespace)}/${String(p.obj.metadata.name)}`, p);
  }

  /** Answers the request when it is about namespaced pods or events; false when it is not ours. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, body: string): boolean {
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/(pods|events)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return false;
    const ns = decodeURIComponent(m[1]!);
    const kind = m[2]!;
    const name = m[3] !== undefined ? decodeURIComponent(m[3]) : undefined;
    const method = req.method ?? 'GET';
    if (kind === 'events') {
      const sel = /involvedObject\.name=([^,]+)/.exec(url.searchParams.get('fieldSelector') ?? '');
      const items = this.o.podNeverRuns ? [...this.pods.values()].filter((p) => p.obj.metadata.namespace === ns && (!sel || p.obj.metadata.name === sel[1])).map((p) => this.event(p)) : [];
      json(res, 200, { kind: 'EventList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items });
      return true;
    }
    const verb = method === 'POST' ? 'create' : method === 'DELETE' ? 'delete' : name === undefined ? 'list' : 'get';
    const refused = this.o.forbid?.find((f) => f.verb === verb && f.resource === 'pods');
    if (refused) {
      json(res, 403, forbiddenStatus(refused, ns, name));
      return true;
    }
    if (method === 'POST' && name === undefined) {
      // JSON only (kubectl create sends it); a typed client's protobuf is answered as an API server without it would.
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        json(res, 415, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `the stand-in reads JSON only, not ${String(req.headers['content-type'] ?? 'no content type')}`, reason: 'UnsupportedMediaType', code: 415 });
        return true;
      }
      const pod = JSON.parse(body) as Record<string, unknown> & { metadata: Record<string, unknown> };
      this.created.push(structuredClone(pod));
      pod.metadata.namespace = ns;
      const key = `${ns}/${String(pod.metadata.name)}`;
      if (this.pods.has(key)) {
        json(res, 409, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `pods "${String(pod.metadata.name)}" already exists`, reason: 'AlreadyExists', code: 409 });
        return true;
      }
      const p = this.stored(pod, Date.now());
      this.pods.set(key, p);
      json(res, 201, this.current(p));
      return true;
    }
    if (name === undefined) {
      const items = [...this.pods.values()].filter((p) => p.obj.metadata.namespace === ns && matchesSelector(p.obj.metadata.labels as Record<string, string> | undefined, url.searchParams.get('labelSelector') ?? ''));
      json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '2' }, items: items.map((p) => this.current(p)) });
      return true;
    }
    const p = this.pods.get(`${ns}/${name}`);
    if (!p) {
      json(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `pods "${name}" not found`, reason: 'NotFound', details: { name, kind: 'pods' }, code: 404 });
      return true;
    }
    if (method === 'DELETE') {
      this.pods.delete(`${ns}/${name}`);
      this.deleted.push(name);
      const obj = this.current(p);
      (obj as { metadata: Record<string, unknown> }).metadata.deletionTimestamp = new Date().toISOString();
      json(res, 200, obj);
      return true;
    }
    json(res, 200, this.current(p));
    return true;
  }

  /** An exec upgrade (kubectl exec): runs the program in the pod's "container", streaming over the WebSocket. */
  upgrade(req: IncomingMessage, socket: Duplex): boolean {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    if (!m) return false;
    const ns = decodeURIComponent(m[1]!);
    const name = decodeURIComponent(m[2]!);
    const refused = this.o.forbid?.find((f) => f.resource === 'pods/exec');
    if (refused) {
      const body = JSON.stringify(forbiddenStatus(refused, ns, name));
      socket.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      return true;
    }
    const p = this.pods.get(`${ns}/${name}`);
    if (!p || (this.current(p) as { status: { phase: string } }).status.phase !== 'Running') {
      const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `pods "${name}" not found or not running`, reason: 'BadRequest', code: 400 });
      socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      return true;
    }
    const stream = acceptExec(req, socket);
    if (!stream) return true;
    const argv = url.searchParams.getAll('command');
    const image = String((p.obj.spec.containers as { image?: string }[] | undefined)?.[0]?.image ?? '');
    const kind = image.startsWith('debian') ? 'debian' : 'busybox';
    const record: ExecRecord = { namespace: ns, pod: name, argv, protocol: stream.protocol, pid: undefined, done: false };
    this.execs.push(record);
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', CONTAINER_ENTRY, 'cf-stand-in-container', this.containerRoot(kind), kind, ...argv], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', HOME: '/' },
    });
    this.children.add(child);
    record.pid = child.pid;
    child.stdin.on('error', () => undefined);
    stream.onStdin((d) => child.stdin.write(d));
    // The container's stdin ends when the client's does, or when the client goes away: what the
    // wrapper's watcher turns into TERM for the program.
    stream.onStdinEnd(() => child.stdin.end());
    child.stdout.on('data', (d: Buffer) => stream.stdout(d));
    child.stderr.on('data', (d: Buffer) => stream.stderr(d));
    child.on('close', (code, signal) => {
      record.done = true;
      this.children.delete(child);
      // A process ended by a signal reports 128 + its number, as runc reports it to the kubelet.
      const status = code ?? 128 + (signal ? signalNumber(signal) : 0);
      stream.finish(status);
    });
    return true;
  }

  close(): void {
    // The end of stdin is what stops a wrapped program (its watcher outlives the wrapper).
    for (const c of this.children) {
      c.stdin?.end();
      c.kill('SIGKILL');
    }
    for (const r of this.rootfs.values()) rmSync(r, { recursive: true, force: true });
  }

  private stored(pod: Record<string, unknown>, created: number): StoredPod {
    const obj = structuredClone(pod) as StoredPod['obj'];
    obj.metadata.uid ??= randomUUID();
    obj.metadata.creationTimestamp = new Date(Math.floor(created / 1000) * 1000).toISOString().replace('.000', '');
    obj.status ??= {};
    return { obj, created };
  }

  /** The pod as it is now: Pending, then Running (or never), Failed past its deadline. */
  private current(p: StoredPod): Record<string, unknown> {
    const obj = structuredClone(p.obj);
    const age = Date.now() - p.created;
    const deadline = obj.spec.activeDeadlineSeconds as number | undefined;
    const containers = (obj.spec.containers as { name: string }[] | undefined) ?? [];
    if (deadline !== undefined && age > deadline * 1000) {
      obj.status = { phase: 'Failed', reason: 'DeadlineExceeded', message: `Pod was active on the node longer than the specified deadline` };
    } else if (this.o.podNeverRuns || age < (this.o.podStartMs ?? 200)) {
      const waiting = this.o.podNeverRuns ?? { reason: 'ContainerCreating', message: '' };
      obj.status = {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
        containerStatuses: containers.map((c) => ({ name: c.name, ready: false, restartCount: 0, state: { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } } })),
      };
    } else {
      obj.status = {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: containers.map((c) => ({ name: c.name, ready: true, restartCount: 0, state: { running: { startedAt: new Date(p.created + (this.o.podStartMs ?? 200)).toISOString() } } })),
      };
    }
    return obj;
  }

  private event(p: StoredPod): unknown {
    const n = this.o.podNeverRuns!;
    return {
      kind: 'Event',
      apiVersion: 'v1',
      metadata: { name: `${String(p.obj.metadata.name)}.1`, namespace: p.obj.metadata.namespace },
      involvedObject: { kind: 'Pod', name: p.obj.metadata.name, namespace: p.obj.metadata.namespace },
      reason: n.reason === 'ImagePullBackOff' || n.reason === 'ErrImagePull' ? 'Failed' : n.reason,
      message: n.message,
      type: 'Warning',
      count: 3,
      lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
  }

  /** The container's root: static busybox and its applets, or Debian's merged-/usr layout; and the empty mount points. */
  private containerRoot(kind: 'busybox' | 'debian'): string {
    const made = this.rootfs.get(kind);
    if (made) return made;
    const root = mkdtempSync(join(tmpdir(), 'cf-pod-root-'));
    for (const d of ['host', 'proc', 'dev', 'tmp', 'etc']) mkdirSync(join(root, d));
    if (kind === 'busybox') {
      mkdirSync(join(root, 'bin'));
      copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
      const applets = spawnSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((a) => a && a !== 'busybox');
      for (const a of applets) symlinkSync('busybox', join(root, 'bin', a));
    } else {
      mkdirSync(join(root, 'usr'));
      for (const [link, to] of [['bin', 'usr/bin'], ['sbin', 'usr/sbin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64']] as const) symlinkSync(to, join(root, link));
    }
    this.rootfs.set(kind, root);
    return root;
  }
}

/**
 * Runs in the private mount namespace: the node at /host (read-only; like a hostPath volume, the
 * mounts below it keep their own flags), this machine's /proc and /dev, a tmpfs at /tmp, then
 * the exec'd argv chroot'ed into the container's root. Values arrive only as arguments.
 */
const CONTAINER_ENTRY = [
  'set -e; r=$1; kind=$2; shift 2',
  'if [ "$kind" = debian ]; then mount --rbind /usr "$r/usr"; mount -o remount,bind,ro "$r/usr"; mount --bind /etc "$r/etc"; mount -o remount,bind,ro "$r/etc"; fi',
  'mount --rbind / "$r/host"; mount -o remount,bind,ro "$r/host"',
  'mount --rbind /proc "$r/proc"; mount --rbind /dev "$r/dev"; mount -t tmpfs tmpfs "$r/tmp"',
  'PATH=/usr/sbin:/usr/bin:/sbin:/bin exec /usr/sbin/chroot "$r" "$@"',
].join('\n');

function signalNumber(signal: NodeJS.Signals): number {
  const n: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };
  return n[signal] ?? 1;
}

/** `a=b,c!=d,e`: the label selector forms kubectl sends for -l. */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string): boolean {
  const l = labels ?? {};
  return selector
    .split(',')
    .filter((s) => s !== '')
    .every((term) => {
      const ne = /^([^!=]+)!=(.*)$/.exec(term);
      if (ne) return l[ne[1]!] !== ne[2];
      const eq = /^([^!=]+)==?(.*)$/.exec(term);
      if (eq) return l[eq[1]!] === eq[2];
      if (term.startsWith('!')) return !(term.slice(1) in l);
      return term in l;
    });
}
