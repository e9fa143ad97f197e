import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as vscode from 'vscode';
import { isOrphan } from '../../src/core/analysis/orphanVerdict';
import type { CgroupForensicsApi } from '../../src/extension/extension';
import type { NodesElement } from '../../src/extension/tree/elements';
import type { KubeletTree } from '../e2e/kubeletTree';
import { startKubeApiStandIn, type KubeApiStandIn } from '../support/kubeApiStandIn';
import { needs } from '../support/prereq';
import { inTree, resetSettings, setUpTree, treeMissing } from './fixture';
import { activated, SELECTION_WAIT_MS, until } from './host';

// The cluster entry of the Nodes view in the real extension host: the extension runs the REAL
// kubectl (the user's own, with KUBECONFIG), which talks to kube15's stand-in API server
// (test/support/kubeApiStandIn.ts). No real cluster can run here: no package provides
// kube-apiserver, etcd or a kubelet, and no runtime can pull an image. What is stand-in: the API
// server and the kubelet's part (pods becoming Running, exec). What is real: kubectl's list,
// create, get, delete and exec over its streaming protocol, and the node programs, which run on
// this machine chroot'ed into a busybox directory with this machine's / read-only at /host, as in
// the pod on a node: so the node "node-a" shows this machine's cgroups (the kubelet-shaped tree).
const CLUSTER: NodesElement = { type: 'cluster' };
const nodeA: NodesElement = { type: 'node', nodeId: 'kube:stand-in/node-a' };
const node = (name: string, pool = 'workers'): unknown => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, pool } }, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } });

describe('the cluster entry under Nodes (the real kubectl, a stand-in API server)', function () {
  let api: CgroupForensicsApi;
  let tree: (KubeletTree & { wide: string }) | undefined;
  let standIn: KubeApiStandIn | undefined;
  const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };

  const useStandIn = (s: KubeApiStandIn): void => {
    standIn = s;
    // kubectl, spawned by the extension in this very process, reads these (its discovery cache goes under HOME).
    process.env.KUBECONFIG = s.kubeconfig;
    process.env.HOME = s.home;
  };

  before(async function () {
    needs(this, treeMissing());
    needs(this, spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0 ? undefined : 'kubectl is not installed (Debian: kubernetes-client)');
    needs(this, process.getuid?.() === 0 ? undefined : 'needs root (the stand-in runs the programs under unshare --mount and chroot)');
    api = await activated();
    tree = await setUpTree();
    // minor 32: gcloud's kubectl dispatcher runs kubectl 1.32, whose exec speaks WebSocket.
    useStandIn(await startKubeApiStandIn({ nodes: [node('node-b'), node('infra-1', 'infra'), node('node-a')], pods: [], minor: 32 }));
  });

  after(async () => {
    if (api) await vscode.commands.executeCommand('cgroupForensics.disconnect', nodeA);
    await standIn?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await vscode.workspace.getConfiguration('cgroupForensics').update('kubernetes.enabled', undefined, vscode.ConfigurationTarget.Global);
    await tree?.cleanup();
    await resetSettings();
  });

  const item = (e: NodesElement): vscode.TreeItem => api.nodesTree.getTreeItem(e);

  it("a group row for kubectl's current context lists the cluster's nodes when expanded", async () => {
    const top = await api.nodesTree.getChildren();
    assert.deepEqual(top.at(-1), CLUSTER, JSON.stringify(top));
    assert.equal(item(CLUSTER).label, 'Kubernetes: stand-in');
    assert.equal(item(CLUSTER).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const listedBefore = standIn!.requests.filter((r) => r.startsWith('GET /api/v1/nodes')).length;
    const kids = await api.nodesTree.getChildren(CLUSTER);
    assert.ok(standIn!.requests.filter((r) => r.startsWith('GET /api/v1/nodes')).length > listedBefore, 'listed from the API when expanded');
    assert.deepEqual(kids, [{ type: 'node', nodeId: 'kube:stand-in/infra-1' }, nodeA, { type: 'node', nodeId: 'kube:stand-in/node-b' }]);
    assert.equal(item(nodeA).label, 'node-a');
    assert.equal(item(nodeA).contextValue, 'node+kube+disconnected');
    assert.match(String(item(nodeA).tooltip), /^a pod on node node-a \(kube context stand-in\)/);
    assert.deepEqual(api.nodesTree.getParent(nodeA), CLUSTER);
  });

  it('connecting a node scans it through a pod on it; its tree and findings are those of the node', async () => {
    const created = standIn!.pods.created.length;
    assert.equal(await vscode.commands.executeCommand('cgroupForensics.connect', nodeA), 'connected');
    assert.equal(standIn!.pods.created.length, created + 1, 'one pod');
    const pod = standIn!.pods.created.at(-1)! as { metadata: { name: string }; spec: { nodeName: string } };
    assert.equal(pod.spec.nodeName, 'node-a');
    assert.ok(standIn!.pods.execs.some((e) => e.pod === pod.metadata.name), 'the programs ran in it');
    assert.equal(item(nodeA).contextValue, 'node+kube+connected');
    // Browsing: the kubelet-shaped tree of this machine, read at /host in the pod.
    const hs = (await api.nodesTree.getChildren(nodeA)).filter((e) => e.type === 'hierarchy');
    assert.ok(hs.some((e) => e.type === 'hierarchy' && e.hierarchy === 'unified'), JSON.stringify(hs));
    const podKids = await api.nodesTree.getChildren({ type: 'cgroup', nodeId: nodeA.nodeId, hierarchy: 'unified', path: inTree(tree!, tree!.paths.livePod) });
    assert.deepEqual(podKids, [{ type: 'cgroup', nodeId: nodeA.nodeId, hierarchy: 'unified', path: inTree(tree!, tree!.paths.liveContainer) }]);
    // Detect Orphans through the same pod: the orphaned pod of the tree, judged as a local run judges it
    // (the default image's GNU find reads the cgroups' ages).
    const before = standIn!.pods.created.length;
    const orphans = await vscode.commands.executeCommand<number>('cgroupForensics.detectOrphans', nodeA);
    const state = api.nodes.state(nodeA.nodeId);
    assert.ok(state.status === 'connected', state.status);
    const found = state.findings.find((f) => f.core.kind === 'orphaned-pod-cgroup' && f.core.podUid === tree!.orphanPod);
    assert.ok(found, `findings: ${JSON.stringify(state.findings.map((f) => f.core.title))}`);
    assert.ok(isOrphan(found.core), `confidence ${found.core.confidence}`);
    assert.ok(orphans >= 1, `orphans: ${orphans}`);
    assert.equal(standIn!.pods.created.length, before, 'the pod is reused within the session');
  });

  it("Generate Fix… cleanup names the node's own paths and how to run them; Run Cleanup Script refuses the read-only pod", async () => {
    const [uri] = await vscode.commands.executeCommand<string[]>('cgroupForensics.generateFix', nodeA, 'cleanup');
    assert.ok(uri, 'a cleanup document (see the log for its error)');
    const text = (await vscode.workspace.openTextDocument(vscode.Uri.parse(uri))).getText();
    const rm = text.split('\n').filter((l) => l.startsWith('rm_cgroup '));
    assert.ok(rm.length >= 1, text.slice(0, 3000));
    // Read at the pod's /host, the script names the node's paths: it runs on the node (or chroot'ed).
    assert.deepEqual(rm.filter((l) => l.startsWith('rm_cgroup /host/')), [], 'no path of the pod\'s view');
    assert.match(text, /^# or where the node's \/ is at \/host: chroot \/host sh cleanup\.sh$/m);
    const pods = standIn!.pods.created.length;
    assert.equal(await vscode.commands.executeCommand('cgroupForensics.runCleanup', nodeA), undefined, 'refused');
    assert.equal(standIn!.pods.created.length, pods, 'no pod was made for it');
  });

  it('disconnecting the node deletes its pod', async () => {
    const name = (standIn!.pods.created.at(-1)! as { metadata: { name: string } }).metadata.name;
    await vscode.commands.executeCommand('cgroupForensics.disconnect', nodeA);
    await until(`the pod ${name} deleted`, () => (standIn!.pods.deleted.includes(name) ? true : undefined), 30_000);
    assert.equal(standIn!.pods.pods.size, 0);
  });

  it("Scan Fleet… over the cluster's nodes (a label selector): one pod per node, rows reached by kubectl, every pod deleted", async () => {
    const created = standIn!.pods.created.length;
    const names = await vscode.commands.executeCommand<string[]>('cgroupForensics.scanFleet', { kube: { selector: 'pool=workers' } });
    assert.deepEqual([...names].sort(), ['node-a', 'node-b']);
    assert.ok(standIn!.requests.some((r) => r.startsWith('GET /api/v1/nodes?') && r.includes('labelSelector=pool%3Dworkers')), 'the selector went to the API; infra-1 is not scanned');
    for (const n of names) {
      const f = api.fleetTree.node(n)!;
      assert.equal(f.status, 'investigated', `${n}: ${f.error ?? ''}`);
      assert.equal(f.reachedBy, `kubectl pod on ${n} (stand-in)`);
      assert.match(String(api.fleetTree.getTreeItem({ type: 'fleetNode', name: n }).description), new RegExp(` · kubectl pod on ${n} \\(stand-in\\)$`));
    }
    assert.equal(standIn!.pods.created.length, created + 2, 'a pod of its own per node');
    assert.equal(standIn!.pods.pods.size, 0, 'every pod deleted when the scan is done');
    assert.match(String(api.fleetView.message), /^the nodes of context stand-in matching pool=workers: 2 nodes: /);
    // A click opens the node of the cluster entry, through a pod again, and selects it.
    const id = await vscode.commands.executeCommand<string>('cgroupForensics.openFleetNode', { type: 'fleetNode', name: 'node-b' });
    assert.equal(id, 'kube:stand-in/node-b');
    assert.equal(api.nodes.state(id).status, 'connected');
    // On failure, say what the view holds and whether a second reveal selects it.
    const selected = await until('the node selected in the Nodes view', () => (api.nodesView.selection.some((e) => e.type === 'node' && e.nodeId === id) ? true : undefined), SELECTION_WAIT_MS).catch(async (e: unknown) => {
      const again = await api.nodesView.reveal({ type: 'node', nodeId: id }, { select: true }).then(
        () => 'revealed again',
        (r: unknown) => String(r),
      );
      return `${String(e)}; selection ${JSON.stringify(api.nodesView.selection)}; visible ${api.nodesView.visible}; cluster group ${JSON.stringify(await api.nodesTree.getChildren(CLUSTER))}; ${again}; then ${JSON.stringify(api.nodesView.selection)}`;
    });
    assert.equal(selected, true);
    assert.deepEqual(api.nodesTree.getParent({ type: 'node', nodeId: id }), CLUSTER);
    await vscode.commands.executeCommand('cgroupForensics.disconnect', { type: 'node', nodeId: id });
    await until('its pod deleted', () => (standIn!.pods.pods.size === 0 ? true : undefined), 30_000);
  });

  it('a cluster that refuses to list nodes (RBAC) is a row saying why', async () => {
    await standIn!.close();
    useStandIn(await startKubeApiStandIn({ nodes: [node('node-a')], pods: [], forbidden: true, minor: 32 }));
    const kids = await api.nodesTree.getChildren(CLUSTER);
    assert.equal(kids.length, 1);
    assert.equal(kids[0]!.type, 'message');
    assert.match(String(item(kids[0]!).label), /^Cannot list the nodes of stand-in: the API refused: .*nodes is forbidden: User "system:serviceaccount:ci:reader" cannot list resource "nodes"/);
  });

  it('cgroupForensics.kubernetes.enabled = false hides the entry', async () => {
    await vscode.workspace.getConfiguration('cgroupForensics').update('kubernetes.enabled', false, vscode.ConfigurationTarget.Global);
    await until('the setting to reach the extension host', () => vscode.workspace.getConfiguration('cgroupForensics').get('kubernetes.enabled') === false || undefined, 10_000);
    assert.ok(!(await api.nodesTree.getChildren()).some((e) => e.type === 'cluster'));
  });
});
