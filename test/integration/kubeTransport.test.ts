import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeTransport } from '../../src/core/transport/kube/kubeTransport';
import { POD_ANNOTATIONS, POD_LABELS, podManifest } from '../../src/core/transport/kube/podManifest';
import { remoteArgv } from '../../src/core/transport/ssh/remoteCommand';
import { isAbortError } from '../../src/core/transport/transport';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { startKubeApiStandIn, type KubeApiStandIn } from '../support/kubeApiStandIn';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';
import { waitFor } from '../support/waitFor';

// The Kubernetes transport with the REAL kubectl (v1.32: gcloud's dispatcher picks the release
// matching the server's version, which the stand-in says is 1.32) against a stand-in API server
// (test/support/kubeApiStandIn.ts). No real cluster can run here: no package provides
// kube-apiserver, etcd or a kubelet, and there is no container runtime able to pull an image
// (no network). What is stand-in: the API server and the kubelet's part (a pod becoming Running;
// exec). What is real: kubectl's create, get, delete, its label selectors, its exec over the
// WebSocket streaming protocol (v5.channel.k8s.io), its error words, and the programs themselves,
// which run on this machine the way they run in the pod on a node: chroot'ed into a directory
// holding only busybox (the default image), with this machine's / bind-mounted read-only at
// /host in a private mount namespace (unshare --mount), read through the CLI's host-root support
// exactly as in a pod. That is why the scans below equal the local ones.
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');
const UID = '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

const kubectlMissing = (): string | undefined => (spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0 ? undefined : 'kubectl is not installed (Debian: kubernetes-client)');
const rootMissing = (): string | undefined => (process.getuid?.() === 0 ? undefined : 'needs root (unshare --mount, bind mounts, chroot)');

/** This machine's `sleep SECS` processes. */
function sleepers(secs: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8') === `sleep\0${secs}\0`;
      } catch {
        return false;
      }
    })
    .map(Number);
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the Kubernetes transport: the real kubectl, a stand-in API server, the programs on this machine', function () {
  this.timeout(120_000);
  const v2 = cgroupMounts().v2;
  let api: KubeApiStandIn;
  let box: CgroupSandbox;
  let work: string;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    needs(this, kubectlMissing() ?? rootMissing() ?? (v2 ? cgroupMissing(v2) : 'no cgroup2 mount'));
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
    api = await startKubeApiStandIn({ nodes: [], pods: [], minor: 32 });
    // kubectl's discovery cache goes to $HOME/.kube/cache: a HOME of the test's own.
    env = { ...process.env, HOME: api.home };
    box = CgroupSandbox.create(v2!, 'kube');
    box.mkdir(`kubepods/burstable/pod${UID}/c1`);
    box.mkdir('kubepods/besteffort');
    box.mkdir('system.slice/a.service');
    work = mkdtempSync(join(tmpdir(), 'cf-kube-'));
    mkdirSync(join(work, 'kubelet', 'pods'), { recursive: true }); // kubelet knows no pod
  });

  after(async () => {
    await box?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
    await api?.close();
  });

  const sub = (): string => `/${box.root.split('/').pop()!}`;

  function run(args: string[]): Promise<Ran> {
    return new Promise((resolve) => {
      execFile(process.execPath, [cli, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 28 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
      });
    });
  }
  const kube = (): string[] => ['--kube-node', 'node-a', '--kubeconfig', api.kubeconfig];

  /** Cgroups of the sandbox subtree per hierarchy, from `scan --json`. */
  function sandboxCounts(json: string): Record<string, number> {
    const s = JSON.parse(json) as { hierarchies: { name: string; cgroups: [number, string, ...unknown[]][]; columns: string[] }[] };
    const out: Record<string, number> = {};
    for (const h of s.hierarchies) {
      // Rows are [parent index, name, ...], parents first.
      const paths: string[] = [];
      for (const [parent, name] of h.cgroups) paths.push(parent < 0 ? '' : `${paths[parent]!}/${name}`);
      out[h.name] = paths.filter((p) => p === sub() || p.startsWith(`${sub()}/`)).length;
    }
    return out;
  }

  it('scan through --kube-node sees the same cgroups as a local scan; one pod, deleted at the end', async () => {
    const before = api.pods.created.length;
    const local = await run(['scan', '--json']);
    const k = await run(['scan', '--json', ...kube()]);
    assert.equal(local.code, 0, local.stderr);
    assert.equal(k.code, 0, k.stderr);
    const l = sandboxCounts(local.stdout);
    assert.equal(l.unified, 8, JSON.stringify(l)); // the sandbox and its seven cgroups
    assert.deepEqual(sandboxCounts(k.stdout), l);
    assert.equal(JSON.parse(k.stdout).source.transport, 'kube node/node-a');
    assert.equal(api.pods.created.length, before + 1);
    const name = (api.pods.created.at(-1)!.metadata as { name: string }).name;
    // The CLI exits after its `kubectl delete --wait=false`.
    assert.ok(api.pods.deleted.includes(name), `deleted: ${api.pods.deleted.join(', ')}`);
    assert.equal(api.pods.pods.size, 0);
    // --cgroup-root names the node's directory; in the pod it is read below /host.
    const lsub = await run(['scan', '--json', '--cgroup-root', box.root]);
    const ksub = await run(['scan', '--json', '--cgroup-root', box.root, ...kube()]);
    assert.equal(ksub.code, 0, ksub.stderr);
    const count = (json: string): number => (JSON.parse(json) as { hierarchies: { cgroups: unknown[] }[] }).hierarchies.reduce((n, h) => n + h.cgroups.length, 0);
    assert.equal(count(lsub.stdout), 8, lsub.stdout.slice(0, 500));
    assert.equal(count(ksub.stdout), count(lsub.stdout));
  });

  it('orphans through --kube-node find what a local run finds; every program of the run in one pod', async () => {
    const judge = ['orphans', '--json', '--within', sub(), '--kubelet-dir', join(work, 'kubelet'), '--containerd-address', join(work, 'no.sock'), '--grace', '0', '--no-kube'];
    // The orphans of the sandbox as judged: kind, severity, confidence, hierarchy, path and
    // processes (not the directory, which is below /host in the pod).
    const orphans = (out: string, o: { confidence: boolean }): string[] =>
      (JSON.parse(out) as { findings: { kind: string; severity: string; confidence: string; cgroups?: { hierarchy: string; path: string; procs?: number }[] }[] }).findings
        .filter((f) => f.kind === 'orphaned-pod-cgroup')
        .flatMap((f) => (f.cgroups ?? []).map((c) => `${f.kind}${o.confidence ? ` ${f.severity} ${f.confidence}` : ''} ${c.hierarchy} ${c.path} ${c.procs ?? '?'}`))
        .filter((c) => c.includes(sub()))
        .sort();
    const local = await run(judge);
    assert.equal(local.code, 1, `${local.stderr}${local.stdout.slice(0, 3000)}`);
    assert.ok(orphans(local.stdout, { confidence: true }).some((o) => o.includes(`pod${UID}`)), local.stdout.slice(0, 2000));

    // busybox (--kube-image) finds the same orphans, but its find has no -printf: no ages, so
    // the grace period cannot be applied and the verdict is less sure (said in the README).
    const b = await run([...judge, ...kube(), '--kube-image', 'busybox:1.36.1']);
    assert.deepEqual(orphans(b.stdout, { confidence: false }), orphans(local.stdout, { confidence: false }));

    // The default image (debian:bookworm-slim, GNU find; the stand-in runs it from this Debian 12
    // machine's /usr) reads the cgroups' ages as a local run does: the same verdicts, the same exit status.
    const execsBefore = api.pods.execs.length;
    const createdBefore = api.pods.created.length;
    const k = await run([...judge, ...kube()]);
    assert.equal(k.code, local.code, `${k.stderr}${k.stdout.slice(0, 3000)}`);
    assert.deepEqual(orphans(k.stdout, { confidence: true }), orphans(local.stdout, { confidence: true }));
    const execs = api.pods.execs.slice(execsBefore);
    assert.equal(api.pods.created.length, createdBefore + 1, 'one pod for the whole run');
    assert.ok(execs.length >= 2, `the snapshot and the facts at least: ${execs.length}`);
    assert.equal(new Set(execs.map((e) => e.pod)).size, 1, 'every program in the same pod');
  });

  it('the pod: pinned to the node, every taint tolerated, hostPID, / read-only at /host, a deadline and our labels', () => {
    const pod = api.pods.created.at(-1)! as ReturnType<typeof podManifest> & { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: Record<string, unknown> };
    const spec = pod.spec as {
      nodeName: string;
      tolerations: unknown[];
      hostPID: boolean;
      activeDeadlineSeconds: number;
      restartPolicy: string;
      containers: { image: string; securityContext: { runAsUser: number; privileged: boolean }; volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] }[];
      volumes: { name: string; hostPath?: { path: string } }[];
    };
    assert.equal(spec.nodeName, 'node-a');
    assert.deepEqual(spec.tolerations, [{ operator: 'Exists' }]);
    assert.equal(spec.hostPID, true);
    assert.equal(spec.activeDeadlineSeconds, 3600);
    assert.equal(spec.restartPolicy, 'Never');
    assert.equal(pod.metadata.labels[POD_LABELS.name], 'cgroup-forensics');
    assert.match(pod.metadata.labels[POD_LABELS.session]!, /^[0-9a-f]{10}$/);
    assert.match(pod.metadata.annotations[POD_ANNOTATIONS.client]!, new RegExp(`^${hostname()} \\d+$`));
    const c = spec.containers[0]!;
    assert.equal(c.image, 'debian:bookworm-slim');
    assert.equal(c.securityContext.runAsUser, 0);
    assert.equal(c.securityContext.privileged, false);
    const host = c.volumeMounts.find((m) => m.mountPath === '/host')!;
    assert.equal(host.readOnly, true);
    assert.deepEqual(spec.volumes.find((v) => v.name === host.name)?.hostPath?.path, '/');
  });

  it('removes the pods killed runs left: finished, past their deadline, or whose run here is gone; not a live run elsewhere', async () => {
    const dead = spawnSync('true').pid!; // a pid that has exited
    const ours = (name: string, session: string, client: string, deadline = 3600): Record<string, unknown> => {
      const p = podManifest({ name, node: 'node-a', session, image: 'busybox:1.36.1', deadlineSeconds: deadline, client });
      (p.metadata as { namespace?: string }).namespace = 'default';
      return p;
    };
    api.pods.seed(ours('cgroup-forensics-old', 'aaaaaaaaaa', 'elsewhere 1', 60), 120_000);
    api.pods.seed(ours('cgroup-forensics-killed', 'bbbbbbbbbb', `${hostname()} ${dead}`), 10_000);
    api.pods.seed(ours('cgroup-forensics-live-elsewhere', 'cccccccccc', 'elsewhere 2'), 10_000);
    api.pods.seed({ ...ours('not-ours', 'dddddddddd', `${hostname()} ${dead}`), metadata: { name: 'not-ours', namespace: 'default', labels: { app: 'web' } } }, 10_000);
    const k = await run(['scan', '--json', '--verbose', ...kube()]);
    assert.equal(k.code, 0, k.stderr);
    assert.ok(api.pods.deleted.includes('cgroup-forensics-old'), api.pods.deleted.join(', '));
    assert.ok(api.pods.deleted.includes('cgroup-forensics-killed'), api.pods.deleted.join(', '));
    assert.deepEqual([...api.pods.pods.keys()].sort(), ['default/cgroup-forensics-live-elsewhere', 'default/not-ours']);
    assert.match(k.stderr, /removing pod cgroup-forensics-old left by an earlier run: finished \(Failed\)/);
    assert.match(k.stderr, new RegExp(`removing pod cgroup-forensics-killed left by an earlier run: its run \\(pid ${dead} here\\) is gone`));
    api.pods.pods.clear();
  });

  it('a cluster that forbids creating pods says so in one line naming the permission', async () => {
    api.options.forbid = [{ verb: 'create', resource: 'pods' }];
    try {
      const k = await run(['scan', ...kube(), '--kube-namespace', 'tools']);
      assert.equal(k.code, 4);
      assert.equal(
        k.stderr,
        'cgroup-forensics: kube node/node-a: the cluster does not let system:serviceaccount:ci:reader create pods in namespace tools (RBAC); reading a node through Kubernetes needs create, get, list and delete on pods and create on pods/exec there (--kube-namespace picks another namespace)\n',
      );
    } finally {
      delete api.options.forbid;
    }
  });

  it('a cluster that forbids exec says so in one line, and the pod made for it is deleted', async () => {
    api.options.forbid = [{ verb: 'create', resource: 'pods/exec' }];
    const created = api.pods.created.length;
    try {
      const k = await run(['scan', ...kube()]);
      assert.equal(k.code, 4);
      assert.equal(
        k.stderr,
        'cgroup-forensics: kube node/node-a: the cluster does not let system:serviceaccount:ci:reader create pods/exec in namespace default (RBAC); reading a node through Kubernetes needs create, get, list and delete on pods and create on pods/exec there (--kube-namespace picks another namespace)\n',
      );
      assert.equal(api.pods.created.length, created + 1);
      assert.equal(api.pods.pods.size, 0, 'deleted at the end');
    } finally {
      delete api.options.forbid;
    }
  });

  it('a pod that never runs is an error naming why (its status and events), and is deleted', async () => {
    api.options.podNeverRuns = { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.example/busybox:1.36.1"' };
    const t = new KubeTransport({ node: 'node-a', kubectl: { kubeconfig: api.kubeconfig, env }, image: 'registry.example/busybox:1.36.1', readyTimeoutMs: 1500, pollMs: 300 });
    try {
      await assert.rejects(
        t.run({ argv: ['true'], onStdout: () => undefined }),
        (e: Error) => {
          assert.match(
            e.message,
            /^the pod cgroup-forensics-[0-9a-f-]+ on node node-a was not running after 2 s \(Pending\): container node is waiting: ImagePullBackOff \(Back-off pulling image "registry\.example\/busybox:1\.36\.1"\); event Failed: Back-off pulling image "registry\.example\/busybox:1\.36\.1"$/,
          );
          return true;
        },
      );
      assert.equal(api.pods.pods.size, 0, 'the pod that never ran is deleted');
    } finally {
      delete api.options.podNeverRuns;
      await t.close();
    }
  });

  it("a program's output, standard error and exit status come back as it gave them, several runs in one pod", async () => {
    const t = new KubeTransport({ node: 'node-a', kubectl: { kubeconfig: api.kubeconfig, env }, pollMs: 200 });
    const created = api.pods.created.length;
    try {
      for (const status of [0, 3]) {
        const out: Buffer[] = [];
        const r = await t.run({ argv: ['sh', '-c', 'printf "out %s\\n" "$1"; echo "err $1" >&2; exit "$1"', 'cf', String(status)], onStdout: (c) => out.push(c) });
        assert.equal(Buffer.concat(out).toString(), `out ${status}\n`);
        assert.deepEqual(r, { exitCode: status, signal: null, stderr: `err ${status}\n`, stderrTruncated: false });
      }
      assert.equal(api.pods.created.length, created + 1, 'one pod for both runs');
      // kubectl 1.32 streams exec over WebSocket first (SPDY only as its fallback).
      assert.equal(api.pods.execs.at(-1)!.protocol, 'v5.channel.k8s.io');
    } finally {
      await t.close();
    }
    assert.equal(api.pods.pods.size, 0, 'deleted on close');
  });

  it('cancelling stops the program in the pod: the exec\'d process is gone', async () => {
    const t = new KubeTransport({ node: 'node-a', kubectl: { kubeconfig: api.kubeconfig, env }, pollMs: 200 });
    const secs = String(4000 + Math.floor(Math.random() * 1000));
    const sleeping = (): number[] => sleepers(secs);
    try {
      const ac = new AbortController();
      const running = t.run({ argv: ['sleep', secs], signal: ac.signal, onStdout: () => undefined });
      const pids = await waitFor('the program to run in the pod', () => (sleeping().length ? sleeping() : undefined));
      const exec = api.pods.execs.at(-1)!;
      ac.abort();
      await assert.rejects(running, (e: unknown) => isAbortError(e));
      await waitFor('the program to stop', () => !sleeping().length, { timeoutMs: 10_000 });
      await waitFor('the exec to end', () => exec.done, { timeoutMs: 10_000 });
      assert.ok(pids.every((p) => !existsSync(`/proc/${p}`)));
    } finally {
      await t.close();
    }
  });

  it("a killed kubectl exec stops the program too: the stream's stdin closes and the wrapper TERMs it", async () => {
    // What the transport falls back to when kubectl does not pass the end of its stdin on: kubectl
    // killed outright (SIGKILL: it says nothing to the server), so the stream just goes away.
    const t = new KubeTransport({ node: 'node-a', kubectl: { kubeconfig: api.kubeconfig, env }, pollMs: 200 });
    const secs = String(5000 + Math.floor(Math.random() * 1000));
    try {
      await t.run({ argv: ['true'], onStdout: () => undefined }); // the pod
      const pod = api.pods.execs.at(-1)!.pod;
      const kubectl = spawn('kubectl', [`--kubeconfig=${api.kubeconfig}`, 'exec', '-i', pod, '-c', 'node', '--', ...remoteArgv(['sleep', secs], { timeoutSec: 900, sudo: false })], { env, stdio: ['pipe', 'ignore', 'ignore'] });
      await waitFor('the program to run in the pod', () => sleepers(secs).length > 0);
      const exec = api.pods.execs.at(-1)!;
      kubectl.kill('SIGKILL');
      await waitFor('the program to stop', () => sleepers(secs).length === 0, { timeoutMs: 10_000 });
      await waitFor('the exec to end', () => exec.done, { timeoutMs: 10_000 });
    } finally {
      await t.close();
    }
  });
});
