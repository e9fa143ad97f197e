import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIGMAP_DATA_LIMIT, daemonSetFix, DEFAULT_IMAGE, MOUNTS, TEXTFILE_NAME } from '../../src/core/fixes/daemonSetFix';
import { FixInputError } from '../../src/core/fixes/fixDocument';
import { UID_A, UID_B, UID_C, v2SystemdHost } from '../fixtures/hosts/specs';
import { makeFakeHost } from '../support/fakeHost';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { needs, toolMissing } from '../support/prereq';

// fix daemonset, judged by its consumers. No kubelet and no API server can run here, so no pod is
// ever scheduled: kubectl (the real client) parses and prints the manifests, against a stand-in
// that answers only API discovery and "not found"; the container's command and liveness check are
// run as written, on this machine, with the bundle taken out of the generated ConfigMap, the
// environment the manifest sets, and the volumes' mount points mapped onto directories of the
// test's own; promtool judges what lands in the textfile directory.

const ROOT = join(__dirname, '..', '..');

interface Container {
  command: string[];
  env: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  livenessProbe: { exec: { command: string[] }; initialDelaySeconds: number; periodSeconds: number };
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean; mountPropagation?: string }[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  image: string;
}
interface PodSpec {
  containers: Container[];
  volumes: { name: string; hostPath?: { path: string; type: string }; configMap?: { name: string }; emptyDir?: unknown }[];
  tolerations: { operator: string; key?: string; effect?: string }[];
  securityContext: Record<string, unknown>;
  priorityClassName?: string;
  automountServiceAccountToken: boolean;
  hostPID?: boolean;
}
interface Item {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

/** Discovery for the three kinds the manifests hold, and 404 for every object: kubectl's client-side dry run creates. */
async function discoveryStandIn(): Promise<{ kubeconfig: string; home: string; close(): Promise<void> }> {
  const json = (res: ServerResponse, code: number, body: unknown): void => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://stand-in').pathname;
    const verbs = ['create', 'get', 'list', 'patch'];
    if (p === '/version') return json(res, 200, { major: '1', minor: '31', gitVersion: 'v1.31.4' });
    if (p === '/api') return json(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (p === '/apis') return json(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }] });
    if (p === '/api/v1') return json(res, 200, { kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs }, { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs }] });
    if (p === '/apis/apps/v1') return json(res, 200, { kind: 'APIResourceList', groupVersion: 'apps/v1', resources: [{ name: 'daemonsets', singularName: 'daemonset', namespaced: true, kind: 'DaemonSet', verbs }] });
    return json(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'not found', reason: 'NotFound', code: 404 });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const home = mkdtempSync(join(tmpdir(), 'cf-ds-kube-'));
  const kubeconfig = join(home, 'kubeconfig');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: s\n  cluster:\n    server: ${url}\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: s\n  context: {cluster: s, user: u}\ncurrent-context: s\n`);
  return {
    kubeconfig,
    home,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(home, { recursive: true, force: true });
    },
  };
}

describe('fix daemonset: the manifests, checked by kubectl, and the container command run as written', function () {
  this.timeout(180_000);
  let dir: string;
  let bundle: string;
  let kube: Awaited<ReturnType<typeof discoveryStandIn>>;

  /**
   * kubectl's own reading of a manifest file: apply --dry-run=client --validate=false -o json.
   * Spawned asynchronously: the stand-in answering it runs in this process's event loop.
   */
  const kubectlItems = async (file: string): Promise<Item[]> => {
    const child = spawn('kubectl', ['--kubeconfig', kube.kubeconfig, 'apply', '--dry-run=client', '--validate=false', '-o', 'json', '-f', file], { env: { ...process.env, HOME: kube.home }, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('close', r));
    assert.equal(code, 0, stderr);
    const out = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { kind: string; items: Item[] };
    assert.equal(out.kind, 'List');
    return out.items;
  };
  const manifest = async (o: Parameters<typeof daemonSetFix>[0]): Promise<Item[]> => {
    const f = join(dir, `manifest-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(f, daemonSetFix(o).content);
    return kubectlItems(f);
  };

  before(async function () {
    needs(this, toolMissing('kubectl'));
    dir = mkdtempSync(join(tmpdir(), 'cf-daemonset-'));
    chmodSync(dir, 0o755);
    // The bundle as it ships: minified (--production), built here into a directory of the test's own.
    const b = spawnSync(process.execPath, ['scripts/build.mjs', '--production', '--outdir', join(dir, 'dist')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
    bundle = readFileSync(join(dir, 'dist', 'cli.js'), 'utf8');
    kube = await discoveryStandIn();
    // The CLI the pod runs is the ConfigMap's, as kubectl read it from the generated manifest.
    const cm = (await manifest({ bundle })).find((i) => i.kind === 'ConfigMap')!;
    writeFileSync(join(dir, 'cli-from-configmap.js'), cm.data!['cli.js']!);
    chmodSync(join(dir, 'cli-from-configmap.js'), 0o444);
  });
  after(async () => {
    await kube?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the minified CLI fits a ConfigMap (1 MiB of data), with room to grow; a larger bundle is refused', function () {
    const size = Buffer.byteLength(bundle, 'utf8');
    console.log(`      minified dist/cli.js: ${size} bytes, ${((size / CONFIGMAP_DATA_LIMIT) * 100).toFixed(1)}% of the ConfigMap limit`);
    assert.ok(size <= CONFIGMAP_DATA_LIMIT, `${size} bytes`);
    // A warning well before the wall: the bundle must not creep up to the limit unnoticed.
    assert.ok(size <= 0.9 * CONFIGMAP_DATA_LIMIT, `${size} bytes is over 90% of a ConfigMap: shrink the bundle before it stops fitting`);
    const big = `#!/usr/bin/env node\n${'x'.repeat(CONFIGMAP_DATA_LIMIT)}`;
    assert.throws(() => daemonSetFix({ bundle: big }), (e: unknown) => e instanceof FixInputError && /a ConfigMap holds at most 1048576 .*--production/.test(e.message));
    assert.throws(() => daemonSetFix({ bundle: 'console.log(1)' }), FixInputError);
  });

  it('kubectl reads the three objects; the ConfigMap holds the bundle byte for byte; the pod spec is as tight as reading the node allows', async function () {
    const items = await manifest({ bundle });
    assert.deepEqual(items.map((i) => i.kind), ['Namespace', 'ConfigMap', 'DaemonSet']);
    const [ns, cm, ds] = items as [Item, Item, Item];
    assert.equal(ns.metadata.name, 'cgroup-forensics');
    assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
    assert.equal(cm.metadata.namespace, 'cgroup-forensics');
    assert.equal(cm.data?.['cli.js'], bundle);
    // Client-side apply would copy the whole object into an annotation, which the API server caps
    // at 256 KiB (TotalAnnotationSizeLimitB): the README and the header say --server-side.
    assert.ok((cm.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']?.length ?? 0) > 256 * 1024);
    assert.match(daemonSetFix({ bundle }).content, /kubectl apply --server-side -f/);

    const pod = ds.spec!.template.spec;
    assert.deepEqual(ds.spec!.selector.matchLabels, ds.spec!.template.metadata.labels);
    assert.equal(ds.spec!.template.metadata.labels['app.kubernetes.io/name'], 'cgroup-forensics');
    // Every taint tolerated: an operator Exists with no key and no effect.
    assert.deepEqual(pod.tolerations, [{ operator: 'Exists' }]);
    assert.equal(pod.priorityClassName, undefined);
    assert.equal(pod.automountServiceAccountToken, false);
    // The host's pids: see 'why the pod shares the host's PID namespace' below.
    assert.equal(pod.hostPID, true);
    const c = pod.containers[0]!;
    assert.equal(c.image, DEFAULT_IMAGE);
    assert.match(c.image, /^node:24\.[\d.]+-alpine[\d.]+@sha256:[0-9a-f]{64}$/);
    assert.deepEqual(c.securityContext, { privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    assert.deepEqual(pod.securityContext, { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(c.resources, { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    // Host mounts: the root read-only; the one writable mount is the textfile directory.
    const volumes = new Map(pod.volumes.map((v) => [v.name, v]));
    for (const m of c.volumeMounts) {
      const v = volumes.get(m.name)!;
      if (v.hostPath && v.hostPath.path !== '/run/prometheus') assert.equal(m.readOnly, true, `${m.name} (${v.hostPath.path}) is not read-only`);
    }
    assert.deepEqual(volumes.get('host-root')?.hostPath, { path: '/', type: 'Directory' });
    assert.deepEqual(volumes.get('textfile')?.hostPath, { path: '/run/prometheus', type: 'DirectoryOrCreate' });
    assert.equal(c.volumeMounts.find((m) => m.name === 'host-root')?.mountPropagation, 'HostToContainer');
    const env = new Map(c.env.map((e) => [e.name, e]));
    assert.equal(env.get('NODE_NAME')?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName');
    assert.equal(env.get('CF_INTERVAL_SECONDS')?.value, '300');
    // The paths the command uses are the volumes' mount points.
    assert.equal(env.get('CF_HOST_ROOT')?.value, c.volumeMounts.find((m) => m.name === 'host-root')?.mountPath);
    assert.equal(env.get('CF_TEXTFILE_DIR')?.value, c.volumeMounts.find((m) => m.name === 'textfile')?.mountPath);
    assert.equal(env.get('CF_CLI')?.value, `${c.volumeMounts.find((m) => m.name === 'cli')?.mountPath}/cli.js`);
    assert.deepEqual(c.livenessProbe.exec.command.slice(0, 2), ['/bin/sh', '-c']);
    assert.equal(c.command[0], '/bin/sh');
  });

  it('options: image, interval, textfile directory, namespace and priority class reach the objects; bad values are refused', async function () {
    const items = await manifest({ bundle, image: 'docker.io/library/node:22-alpine', intervalMinutes: 2, textfileDir: '/var/lib/node_exporter/textfile_collector', namespace: 'monitoring-x', priorityClass: 'system-node-critical' });
    const ds = items.find((i) => i.kind === 'DaemonSet')!;
    const pod = ds.spec!.template.spec;
    assert.ok(items.every((i) => i.kind === 'Namespace' ? i.metadata.name === 'monitoring-x' : i.metadata.namespace === 'monitoring-x'));
    assert.equal(pod.priorityClassName, 'system-node-critical');
    assert.equal(pod.containers[0]!.image, 'docker.io/library/node:22-alpine');
    assert.equal(pod.containers[0]!.env.find((e) => e.name === 'CF_INTERVAL_SECONDS')?.value, '120');
    assert.equal(pod.containers[0]!.env.find((e) => e.name === 'CF_MAX_AGE_SECONDS')?.value, String(2 * 60 * 3 + 60));
    assert.deepEqual(pod.volumes.find((v) => v.name === 'textfile')?.hostPath, { path: '/var/lib/node_exporter/textfile_collector', type: 'DirectoryOrCreate' });
    for (const bad of [{ image: 'node 24' }, { intervalMinutes: 0 }, { intervalMinutes: 1.5 }, { textfileDir: 'run/prometheus' }, { textfileDir: '/run/../etc' }, { textfileDir: '/' }, { namespace: 'Monitoring' }, { priorityClass: 'a b' }]) {
      assert.throws(() => daemonSetFix({ bundle, ...bad }), FixInputError, JSON.stringify(bad));
    }
  });

  it('any text travels through the YAML byte for byte (YAML 1.1 line breaks, astral characters, quotes)', async function () {
    const odd = `#!/usr/bin/env node\nconst a = "\u2028\u2029\u0085\u00a0\ufeff"; // caf\u00e9 \u{1f600} 'q' "d" \\ \t tab\n  indented: yes\n---\n...\n#x\n`;
    const cm = (await manifest({ bundle: odd })).find((i) => i.kind === 'ConfigMap')!;
    assert.equal(cm.data?.['cli.js'], odd);
  });

  /** The container as kubelet would start it: its command and env, NODE_NAME from the downward API, mount points mapped to ours. */
  const container = async (): Promise<{ c: Container; env: (paths: { hostRoot: string; cli: string; textfile: string }, over?: Record<string, string>) => Record<string, string> }> => {
    const items = await manifest({ bundle });
    const ds = items.find((i) => i.kind === 'DaemonSet')!;
    const c = ds.spec!.template.spec.containers[0]!;
    return {
      c,
      env: (paths, over = {}) => {
        const mapped: Record<string, string> = { [MOUNTS.hostRoot]: paths.hostRoot, [`${MOUNTS.cli}/cli.js`]: paths.cli, [MOUNTS.textfile]: paths.textfile };
        const out: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
        for (const e of c.env) out[e.name] = e.valueFrom?.fieldRef?.fieldPath === 'spec.nodeName' ? 'worker-7' : mapped[e.value!] ?? e.value!;
        return { ...out, ...over };
      },
    };
  };

  it('the command, run as written (/bin/sh, the real cgroup tree): each round renames a whole file into the textfile directory; promtool accepts it; SIGTERM ends it', async function () {
    needs(this, toolMissing('promtool'));
    const { c, env } = await container();
    const textfile = join(dir, 'textfile-real');
    mkdirSync(textfile);
    const out = join(textfile, TEXTFILE_NAME);
    // A one-second interval instead of 300, so that rounds follow one another within the test.
    const child = spawn(c.command[0]!, c.command.slice(1), { env: env({ hostRoot: '/', cli: join(dir, 'cli-from-configmap.js'), textfile }, { CF_INTERVAL_SECONDS: '1' }), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const inodes = new Set<number>();
    const reads: string[] = [];
    try {
      const deadline = Date.now() + 120_000;
      while (inodes.size < 3 && Date.now() < deadline && child.exitCode === null) {
        // Whatever node_exporter would read at any moment: the whole of some round, never a part.
        if (existsSync(out)) {
          inodes.add(statSync(out).ino);
          reads.push(readFileSync(out, 'utf8'));
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(inodes.size >= 3, `rounds seen: ${inodes.size}; ${stderr}`);
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => child.once('exit', (c2) => r(c2)));
      assert.equal(code, 0, stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    // Each round is a new file renamed over the last (a new inode), and every read was a whole file.
    for (const text of reads) assert.match(text, /\ncgroup_forensics_last_run_timestamp_seconds\{node="worker-7"\} \d+\n$/);
    assert.deepEqual(readdirSync(textfile), [TEXTFILE_NAME], 'no temporary file is left behind');
    const text = readFileSync(out, 'utf8');
    assert.match(text, /^cgroup_forensics_cgroups\{node="worker-7",hierarchy="[^"]+"\} \d+$/m);
    assert.match(text, /^cgroup_forensics_scan_duration_seconds\{node="worker-7"\} [\d.]+$/m);
    assert.equal(statSync(out).mode & 0o777, 0o644, 'node_exporter (nobody in the chart) can read it');
    const p = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(p.status, 0, p.stdout + p.stderr);
    console.log(`      ${reads.length} reads over ${inodes.size} rounds, all whole; ${text.split('\n').filter((l) => l && !l.startsWith('#')).length} series`);
  });

  it('the same command in an Alpine-like userland (busybox sh, awk, stat, date only) on a fake node root; the liveness check fails on a missing or stale file and passes on a fresh one', async function () {
    needs(this, toolMissing('busybox') ?? toolMissing('promtool'));
    const { c, env } = await container();
    // PATH holds busybox's applets and node, nothing else: what node:*-alpine offers the scripts.
    const bin = join(dir, 'busybox-bin');
    mkdirSync(bin);
    const busybox = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();
    for (const applet of spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) spawnSync('ln', ['-s', busybox, join(bin, applet)]);
    spawnSync('ln', ['-sf', process.execPath, join(bin, 'node')]);
    const spec = v2SystemdHost();
    spec.files = { ...spec.files, [`var/lib/kubelet/pods/${UID_A}/etc-hosts`]: '', [`var/lib/kubelet/pods/${UID_B}/etc-hosts`]: '', [`var/lib/kubelet/pods/${UID_C}/etc-hosts`]: '' };
    const host = makeFakeHost(spec);
    const textfile = join(dir, 'textfile-fake');
    mkdirSync(textfile);
    const out = join(textfile, TEXTFILE_NAME);
    const e = env({ hostRoot: host.root, cli: join(dir, 'cli-from-configmap.js'), textfile }, { PATH: bin });
    const live = (): number | null => spawnSync(join(bin, 'sh'), c.livenessProbe.exec.command.slice(1), { env: e }).status;
    try {
      assert.notEqual(live(), 0, 'no file yet: not alive');
      const child = spawn(join(bin, 'sh'), c.command.slice(1), { env: e, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      try {
        const deadline = Date.now() + 60_000;
        while (!existsSync(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
        assert.ok(existsSync(out), stderr);
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      const text = readFileSync(out, 'utf8');
      assert.match(text, /^cgroup_forensics_kubepods_cgroups\{node="worker-7",hierarchy="unified",qos="burstable"\} 5$/m);
      assert.match(text, /^cgroup_forensics_kubepods_dying_cgroups\{node="worker-7",hierarchy="unified",qos="guaranteed"\} 50$/m);
      assert.match(text, /^cgroup_forensics_orphans_undetermined\{node="worker-7"\} 0$/m);
      const p = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(p.status, 0, p.stdout + p.stderr);
      assert.equal(live(), 0, 'a fresh file: alive');
      const maxAge = Number(e.CF_MAX_AGE_SECONDS);
      const stale = Date.now() / 1000 - maxAge - 5;
      utimesSync(out, stale, stale);
      assert.notEqual(live(), 0, `a file older than ${maxAge} s: not alive`);
      const fresh = Date.now() / 1000 - maxAge + 30;
      utimesSync(out, fresh, fresh);
      assert.equal(live(), 0, 'younger than the bound: alive');
    } finally {
      host.remove();
    }
  });

  it('the CLI: fix daemonset (run as the bundle) prints the manifests around its own file; options reach them; misuse is said', function () {
    const cli = join(dir, 'dist', 'cli.js');
    const run = (args: string[], file = cli): { code: number | null; out: string; err: string } => {
      const r = spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    const r = run(['fix', 'daemonset', '--interval', '2', '--namespace', 'obs', '--priority-class', 'system-node-critical', '--textfile-dir', '/var/lib/node_exporter/textfile_collector']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, daemonSetFix({ bundle, intervalMinutes: 2, namespace: 'obs', priorityClass: 'system-node-critical', textfileDir: '/var/lib/node_exporter/textfile_collector' }).content);
    const j = run(['fix', 'daemonset', '--json']);
    assert.equal(j.code, 0, j.err);
    assert.deepEqual((JSON.parse(j.out) as { fixes: { kind: string }[] }).fixes.map((f) => f.kind), ['daemonset']);
    assert.equal(run(['fix', 'daemonset', '--interval', '0']).code, 2);
    assert.equal(run(['fix', 'daemonset', '--image', 'no spaces please']).code, 2);
    assert.match(run(['fix', 'prometheus', '--image', 'node:24']).err, /--image is for fix daemonset/);
    // An unminified bundle does not fit a ConfigMap: said in one line, exit 3.
    const fat = join(dir, 'fat-cli.js');
    writeFileSync(fat, `#!/usr/bin/env node\n${' '.repeat(CONFIGMAP_DATA_LIMIT)}\n`);
    const f = run(['fix', 'daemonset', '--bundle', fat]);
    assert.equal(f.code, 3, f.err);
    assert.match(f.err, /a ConfigMap holds at most 1048576 .*--production/);
    assert.equal(run(['fix', 'daemonset', '--bundle', join(dir, 'missing.js')]).code, 3);
    // From the sources (tsx) the CLI is no bundle: it says how to get one.
    const src = spawnSync(process.execPath, ['-r', join(ROOT, 'node_modules/tsx/dist/cjs/index.cjs'), '-r', join(ROOT, 'test/setup/textLoader.cjs'), join(ROOT, 'src/cli/main.ts'), 'fix', 'daemonset'], { encoding: 'utf8' });
    assert.equal(src.status, 2, src.stderr);
    assert.match(src.stderr, /--bundle FILE/);
  });

  it('why uid 0: kubelet keeps its pods in a 0750 root directory; uid 0 without any capability reads it, nobody cannot', function () {
    needs(this, process.getuid?.() === 0 ? toolMissing('setpriv') : 'needs root to drop to other users');
    const spec = v2SystemdHost();
    spec.files = { ...spec.files, [`var/lib/kubelet/pods/${UID_A}/etc-hosts`]: '', [`var/lib/kubelet/pods/${UID_B}/etc-hosts`]: '', [`var/lib/kubelet/pods/${UID_C}/etc-hosts`]: '' };
    const host = makeFakeHost(spec);
    try {
      // As on a node: the root and its directories readable by all, kubelet's state by root alone.
      spawnSync('chmod', ['-R', 'a+rX', host.root]);
      chmodSync(join(host.root, 'var/lib/kubelet'), 0o750);
      chmodSync(join(host.root, 'var/lib/kubelet/pods'), 0o750);
      const cli = join(dir, 'cli-from-configmap.js');
      const run = (uid: number): string => {
        // The bounding set emptied: uid 0 keeps no capability across exec, as with capabilities drop ALL.
        const r = spawnSync('setpriv', ['--reuid', String(uid), '--regid', String(uid), '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', process.execPath, cli, 'export', '--prometheus', '--host-root', host.root, '--no-kube', '--node-name', 'n'], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout;
      };
      const root = run(0);
      assert.match(root, /^cgroup_forensics_orphans_undetermined\{node="n"\} 0$/m);
      assert.match(root, /^cgroup_forensics_cgroups\{node="n",hierarchy="unified"\} \d+$/m);
      const nobody = run(65534);
      // The cgroup tree and /proc are world-readable: nobody counts the same cgroups ...
      assert.equal(/^cgroup_forensics_cgroups\{node="n",hierarchy="unified"\} (\d+)$/m.exec(nobody)?.[1], /^cgroup_forensics_cgroups\{node="n",hierarchy="unified"\} (\d+)$/m.exec(root)?.[1]);
      // ... but cannot list kubelet's pods, so orphans cannot be judged.
      assert.match(nobody, /^cgroup_forensics_orphans_undetermined\{node="n"\} 1$/m);
    } finally {
      host.remove();
    }
  });

  it("why the pod shares the host's PID namespace: from a PID namespace of its own, a cgroup's processes are not listed (v1) or lose their pids (v2)", async function () {
    needs(this, process.getuid?.() === 0 ? toolMissing('unshare') : 'needs root for cgroups and PID namespaces');
    const checked: string[] = [];
    for (const [mount, hierarchy] of [['/sys/fs/cgroup/pids', 'v1 pids'], ['/sys/fs/cgroup/unified', 'v2'], ['/sys/fs/cgroup', 'v2']] as const) {
      if (!existsSync(join(mount, 'cgroup.procs')) || checked.includes(hierarchy)) continue;
      if (hierarchy === 'v2' && !existsSync(join(mount, 'cgroup.controllers'))) continue;
      const box = CgroupSandbox.create(mount, 'hostpid');
      try {
        const pid = await box.spawnIn('pod/ctr');
        const procs = join(box.root, 'pod/ctr/cgroup.procs');
        assert.deepEqual(readFileSync(procs, 'utf8').split('\n').filter(Boolean), [String(pid)], 'the host sees the pid');
        // A new PID namespace, as a pod without hostPID has.
        const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'cat', procs], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        const seen = r.stdout.split('\n').filter(Boolean);
        if (hierarchy === 'v1 pids') assert.deepEqual(seen, [], 'cgroup v1 leaves out the pids the namespace cannot see');
        else assert.deepEqual(seen, ['0'], 'cgroup v2 prints them as 0');
        checked.push(hierarchy);
      } finally {
        await box.cleanup();
      }
    }
    assert.ok(checked.length, 'no cgroup hierarchy with cgroup.procs under /sys/fs/cgroup');
    console.log(`      checked: ${checked.join(', ')}`);
  });
});
