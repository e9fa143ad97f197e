import assert from 'node:assert/strict';
import { UsageError } from '../../src/cli/command';
import { applyKubeNode } from '../../src/cli/snapshotSource';
import { parseRefusal, refusalMessage } from '../../src/core/transport/kube/kubeRefusal';
import { leftoverPods } from '../../src/core/transport/kube/leftoverPods';
import { KUBE_HOST_ROOT, podManifest, TOOL_SELECTOR } from '../../src/core/transport/kube/podManifest';
import { lastWarning, podState } from '../../src/core/transport/kube/podStatus';

// The Kubernetes transport's pure parts: the pod it asks for, what it reads in kubectl's words
// (RBAC refusals, a pod's status and events) and which pods of earlier runs it removes. The
// transport itself, with the real kubectl, is test/integration/kubeTransport.test.ts.

describe('the Kubernetes transport: the pod manifest', () => {
  const pod = podManifest({ name: 'cgroup-forensics-0123456789-abcd', node: 'ip-10-0-1-17.ec2.internal', session: '0123456789', image: 'busybox:1.36.1', deadlineSeconds: 3600, client: 'laptop 4242' });
  const spec = pod.spec as Record<string, unknown> & { containers: Record<string, unknown>[]; volumes: unknown[] };

  it('is pinned to the node, tolerates every taint, sees the node\'s processes and has a deadline', () => {
    assert.equal(spec.nodeName, 'ip-10-0-1-17.ec2.internal');
    assert.deepEqual(spec.tolerations, [{ operator: 'Exists' }]);
    assert.equal(spec.hostPID, true);
    assert.equal(spec.activeDeadlineSeconds, 3600);
    assert.equal(spec.restartPolicy, 'Never');
    assert.equal(spec.automountServiceAccountToken, false);
  });

  it("mounts the node's / read-only at /host, and runs as root without privilege", () => {
    const c = spec.containers[0]!;
    assert.deepEqual(c.command, ['sleep', '3600']);
    assert.deepEqual((c.volumeMounts as unknown[])[0], { name: 'host-root', mountPath: KUBE_HOST_ROOT, readOnly: true, mountPropagation: 'HostToContainer' });
    assert.deepEqual(spec.volumes[0], { name: 'host-root', hostPath: { path: '/', type: 'Directory' } });
    assert.deepEqual(c.securityContext, {
      runAsUser: 0,
      runAsGroup: 0,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['DAC_READ_SEARCH', 'SYS_PTRACE', 'SYS_CHROOT'] },
    });
  });

  it('carries the labels later runs find it by, and says where it was made', () => {
    assert.deepEqual(pod.metadata, {
      name: 'cgroup-forensics-0123456789-abcd',
      labels: { 'app.kubernetes.io/name': 'cgroup-forensics', 'app.kubernetes.io/component': 'node-reader', 'cgroup-forensics/session': '0123456789' },
      annotations: { 'cgroup-forensics/node': 'ip-10-0-1-17.ec2.internal', 'cgroup-forensics/client': 'laptop 4242' },
    });
    assert.equal(TOOL_SELECTOR, 'app.kubernetes.io/name=cgroup-forensics');
  });
});

describe("the Kubernetes transport: RBAC's refusals in one line", () => {
  it("reads verb, resource and namespace from kubectl's Forbidden error (create)", () => {
    const stderr = 'Error from server (Forbidden): error when creating "STDIN": pods is forbidden: User "jane@example.com" cannot create resource "pods" in API group "" in the namespace "default"\n';
    const r = parseRefusal(stderr);
    assert.deepEqual(r, { user: 'jane@example.com', verb: 'create', resource: 'pods', namespace: 'default' });
    assert.equal(
      refusalMessage(r!),
      'the cluster does not let jane@example.com create pods in namespace default (RBAC); reading a node through Kubernetes needs create, get, list and delete on pods and create on pods/exec there (--kube-namespace picks another namespace)',
    );
  });

  it('reads the exec refusal (pods/exec) and a cluster-scoped one', () => {
    assert.deepEqual(parseRefusal('Error from server (Forbidden): pods "cf-1" is forbidden: User "system:serviceaccount:ci:reader" cannot create resource "pods/exec" in API group "" in the namespace "tools"'), {
      user: 'system:serviceaccount:ci:reader',
      verb: 'create',
      resource: 'pods/exec',
      namespace: 'tools',
    });
    const cluster = parseRefusal('nodes is forbidden: User "u" cannot list resource "nodes" in API group "" at the cluster scope');
    assert.deepEqual(cluster, { user: 'u', verb: 'list', resource: 'nodes' });
    assert.match(refusalMessage(cluster!), /^the cluster does not let u list nodes at the cluster scope \(RBAC\)/);
  });

  it('finds no refusal in other errors', () => {
    assert.equal(parseRefusal('Unable to connect to the server: dial tcp 10.0.0.1:443: i/o timeout'), undefined);
  });
});

describe("the Kubernetes transport: why a pod is not running", () => {
  it('names a waiting container and an unscheduled pod', () => {
    assert.deepEqual(
      podState({ status: { phase: 'Pending', containerStatuses: [{ name: 'node', state: { waiting: { reason: 'ErrImagePull', message: 'pull access denied' } } }] } }),
      { phase: 'Pending', why: 'container node is waiting: ErrImagePull (pull access denied)' },
    );
    assert.deepEqual(podState({ status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' }] } }), {
      phase: 'Pending',
      why: 'not scheduled: Unschedulable: 0/3 nodes are available',
    });
    assert.deepEqual(podState({ status: { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' } }), {
      phase: 'Failed',
      why: 'DeadlineExceeded: Pod was active on the node longer than the specified deadline',
    });
    assert.deepEqual(podState({ status: { phase: 'Running' } }), { phase: 'Running', why: '' });
  });

  it("takes the latest warning event, with control characters made visible", () => {
    const events = {
      items: [
        { type: 'Normal', reason: 'Pulling', message: 'Pulling image', lastTimestamp: '2026-12-03T22:00:03Z' },
        { type: 'Warning', reason: 'Failed', message: 'Failed to pull image "x":\nnot found', lastTimestamp: '2026-12-03T22:00:02Z' },
        { type: 'Warning', reason: 'FailedMount', message: 'old', lastTimestamp: '2026-12-03T22:00:01Z' },
      ],
    };
    assert.equal(lastWarning(events), 'Failed: Failed to pull image "x":\\x0anot found');
    assert.equal(lastWarning({ items: [] }), undefined);
  });
});

describe('the Kubernetes transport: pods left by killed runs', () => {
  const now = Date.parse('2026-12-03T22:00:00Z');
  const pod = (name: string, o: { session?: string; created?: string; deadline?: number; phase?: string; client?: string; deleting?: boolean }): unknown => ({
    metadata: {
      name,
      creationTimestamp: o.created ?? '2026-12-03T21:50:00Z',
      labels: { 'app.kubernetes.io/name': 'cgroup-forensics', 'cgroup-forensics/session': o.session ?? 'other' },
      annotations: { 'cgroup-forensics/client': o.client ?? 'elsewhere 1' },
      ...(o.deleting ? { deletionTimestamp: '2026-12-03T21:59:00Z' } : {}),
    },
    spec: { activeDeadlineSeconds: o.deadline ?? 3600 },
    status: { phase: o.phase ?? 'Running' },
  });
  const judge = (items: unknown[]): string[] =>
    leftoverPods({ items }, { session: 'mine', host: 'laptop ', now, alive: (pid) => pid === 100 }).map((l) => `${l.name}: ${l.why}`);

  it('removes finished ones, those past their deadline and those whose run on this machine is gone', () => {
    assert.deepEqual(
      judge([
        pod('failed', { phase: 'Failed' }),
        pod('late', { created: '2026-12-03T20:00:00Z', deadline: 3600 }),
        pod('gone', { client: 'laptop 200' }),
        pod('alive-here', { client: 'laptop 100' }),
        pod('elsewhere', { client: 'ci-runner 200' }),
        pod('mine', { session: 'mine', phase: 'Failed' }),
        pod('deleting', { phase: 'Failed', deleting: true }),
      ]),
      ['failed: finished (Failed)', 'late: past its deadline', 'gone: its run (pid 200 here) is gone'],
    );
  });
});

describe('the CLI: --kube-node', () => {
  const refused = (o: Record<string, string | boolean>): string => {
    try {
      applyKubeNode(o);
    } catch (e) {
      assert.ok(e instanceof UsageError);
      return e.message;
    }
    return 'accepted';
  };

  it('reads the node at /host: the options become those of --host-root /host', () => {
    const o: Record<string, string | boolean | undefined> = { 'kube-node': 'node-a', kubeconfig: '/k' };
    applyKubeNode(o);
    assert.equal(o['host-root'], '/host');
    const r: Record<string, string | boolean | undefined> = { 'kube-node': 'node-a', 'cgroup-root': '/sys/fs/cgroup/kubepods/' };
    applyKubeNode(r);
    assert.equal(r['cgroup-root'], '/host/sys/fs/cgroup/kubepods', "--cgroup-root is the node's directory, read below /host");
  });

  it('refuses what cannot go with it, in one line', () => {
    assert.equal(refused({ 'kube-node': 'n', host: 'h' }), '--kube-node and --host are two ways to reach a node: name one');
    assert.equal(refused({ 'kube-node': 'n', from: 'f.json' }), '--from reads a saved snapshot; it cannot be combined with --kube-node');
    assert.equal(refused({ 'kube-node': 'n', 'host-root': '/x' }), '--kube-node reads the node at /host in its pod: it cannot be combined with --host-root');
    assert.equal(refused({ 'kube-node': 'n', sudo: true }), '--sudo is for --host (SSH), not --kube-node');
    assert.equal(refused({ 'kube-node': 'n', 'cgroup-root': 'sys/fs/cgroup/x' }), "--cgroup-root with --kube-node is a directory of the node: an absolute path, not 'sys/fs/cgroup/x'");
    assert.equal(refused({ 'kube-image': 'busybox' }), '--kube-image needs --kube-node');
    assert.equal(refused({ 'kube-node': '' }), "--kube-node takes a node name, not ''");
  });
});
