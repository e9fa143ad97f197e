import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchesSelector, PodStore, type PodsOptions } from './kubeApiStandInPods';

/**
 * A stand-in for the Kubernetes API server, for tests that run the REAL kubectl. No API server
 * can run on this machine (no package provides kube-apiserver, and kubelet/etcd are absent too),
 * so this serves recorded API responses over plain HTTP: the discovery documents kubectl asks for
 * first (/version for gcloud's kubectl dispatcher, /api, /apis, /api/v1), then a Node by name
 * (or a 404 Status), NodeList and PodList (honouring fieldSelector=spec.nodeName=NAME, as the API
 * does), or a 403 Status.
 * Every request is logged so a test can see what kubectl asked.
 *
 * For the Kubernetes transport it also plays the pods API and a kubelet (kubeApiStandInPods.ts):
 * pods created, listed by label, fetched, deleted, becoming Running (or never), and `exec` over
 * the WebSocket streaming protocol kubectl 1.30+ speaks (kubeApiStandInExec.ts), running the
 * program on this machine against the node's root at /host.
 */
export interface StandInOptions extends PodsOptions {
  /** NodeList items (as kubectl would receive them). */
  nodes: unknown[];
  /** PodList items of the whole cluster; the field selector picks a node's. */
  pods: unknown[];
  /** Answer every list with 403 Forbidden (a user without RBAC on nodes). */
  forbidden?: boolean;
  /** Accept requests and never answer (an API server that stopped responding). */
  hang?: boolean;
  /**
   * The server's minor version (default 29). gcloud's kubectl dispatcher runs the kubectl release
   * matching the server's; 32 makes it kubectl 1.32, whose exec speaks WebSocket first.
   */
  minor?: number;
}

export interface KubeApiStandIn {
  url: string;
  /** Method and URL of every request, in order. */
  requests: string[];
  /** A kubeconfig naming this server as cluster "stand-in", context "stand-in" (current). */
  kubeconfig: string;
  /** A directory to use as kubectl's HOME (its discovery cache goes there). */
  home: string;
  options: StandInOptions;
  /** The pods created through the API, deleted ones and every exec. */
  pods: PodStore;
  close(): Promise<void>;
}

const json = (res: ServerResponse, code: number, body: unknown): void => {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

function handle(o: StandInOptions, store: PodStore, req: IncomingMessage, res: ServerResponse, port: number, body: string): void {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  switch (url.pathname) {
    case '/version': {
      const minor = o.minor ?? 29;
      return json(res, 200, { major: '1', minor: String(minor), gitVersion: minor === 29 ? 'v1.29.4' : `v1.${minor}.0`, gitCommit: '55019c83b0fd51ef4ced8c29eec2c4847f896e74', platform: 'linux/amd64' });
    }
    case '/api':
      return json(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }] });
    case '/apis':
      return json(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    case '/api/v1':
      return json(res, 200, {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs: ['get', 'list', 'watch'], shortNames: ['no'] },
          { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create', 'delete', 'get', 'list', 'watch'], shortNames: ['po'] },
          { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
          { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: ['list'], shortNames: ['ev'] },
        ],
      });
  }
  if (o.forbidden && (url.pathname === '/api/v1/nodes' || url.pathname === '/api/v1/pods' || url.pathname.startsWith('/api/v1/nodes/'))) {
    const what = url.pathname.split('/')[3]!;
    return json(res, 403, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `${what} is forbidden: User "system:serviceaccount:ci:reader" cannot list resource "${what}" in API group "" at the cluster scope`,
      reason: 'Forbidden',
      details: { kind: what },
      code: 403,
    });
  }
  if (store.handle(req, res, url, body)) return;
  const byName = /^\/api\/v1\/nodes\/([^/]+)$/.exec(url.pathname);
  if (byName) {
    const name = decodeURIComponent(byName[1]!);
    const node = o.nodes.find((n) => (n as { metadata?: { name?: string } }).metadata?.name === name);
    if (node) return json(res, 200, { kind: 'Node', apiVersion: 'v1', ...(node as object) });
    return json(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `nodes "${name}" not found`, reason: 'NotFound', details: { name, kind: 'nodes' }, code: 404 });
  }
  if (url.pathname === '/api/v1/nodes') {
    const selector = url.searchParams.get('labelSelector') ?? '';
    const items = o.nodes.filter((n) => matchesSelector((n as { metadata?: { labels?: Record<string, string> } }).metadata?.labels, selector));
    return json(res, 200, { kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: '48211933' }, items });
  }
  if (url.pathname === '/api/v1/pods') {
    const sel = /^spec\.nodeName=(.*)$/.exec(url.searchParams.get('fieldSelector') ?? '');
    const all = [...o.pods, ...store.all()];
    const items = sel ? all.filter((p) => (p as { spec?: { nodeName?: string } }).spec?.nodeName === sel[1]) : all;
    return json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '48211933' }, items });
  }
  return json(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 });
}

export async function startKubeApiStandIn(options: StandInOptions): Promise<KubeApiStandIn> {
  const requests: string[] = [];
  let port = 0;
  const store = new PodStore(options);
  // Headers up to 1 MiB, as Go's net/http (the API server's and the kubelet's) allows: an exec's
  // program travels in its URL (?command=...), tens of KiB for the probe; Node's default is 16 KiB.
  const server: Server = createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
    requests.push(`${req.method ?? '?'} ${req.url ?? ''}`);
    if (options.hang) return;
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => handle(options, store, req, res, port, Buffer.concat(body).toString('utf8')));
  });
  // Upgraded connections are the server's no longer: closed here on close().
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    requests.push(`${req.method ?? '?'} ${req.url ?? ''} (upgrade ${String(req.headers.upgrade ?? '')})`);
    if (options.hang) return;
    if (!store.upgrade(req, socket)) socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const home = mkdtempSync(join(tmpdir(), 'cf-kube-'));
  const kubeconfig = join(home, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
- name: stand-in
  cluster:
    server: ${url}
users:
- name: reader
  user:
    token: not-a-secret
contexts:
- name: stand-in
  context:
    cluster: stand-in
    user: reader
current-context: stand-in
`,
  );
  return {
    url,
    requests,
    kubeconfig,
    home,
    options,
    pods: store,
    close: async () => {
      store.close();
      for (const s of upgraded) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(home, { recursive: true, force: true });
    },
  };
}
