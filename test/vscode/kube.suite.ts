import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CgroupForensicsApi } from '../../src/extension/extension';
import { isOrphan } from '../../src/core/analysis/orphanVerdict';
import type { FindingsElement } from '../../src/extension/findings/findingsTree';
import type { KubeletTree } from '../e2e/kubeletTree';
import { startKubeApiStandIn, type KubeApiStandIn } from '../support/kubeApiStandIn';
import { needs } from '../support/prereq';
import { inTree, resetSettings, setUpTree, treeMissing } from './fixture';
import { activated, until } from './host';

type FindingEl = Extract<FindingsElement, { type: 'finding' }>;

/**
 * Detect Orphans with the Kubernetes view (cgroupForensics.kubernetes.*) inside the real extension
 * host: the extension runs the real kubectl, which talks to a stand-in API server started here
 * (test/support/kubeApiStandIn.ts: no kube-apiserver can run on this machine) that binds the
 * kubelet tree's orphan-looking pod to this machine's node and reports DiskPressure.
 */
describe('kubernetes view in Detect Orphans', function () {
  let api: CgroupForensicsApi;
  let tree: (KubeletTree & { wide: string }) | undefined;
  let standIn: KubeApiStandIn | undefined;
  const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
  const LOCAL = { type: 'node', nodeId: 'local' };
  const findings = (): FindingEl[] => api.findingsTree.getChildren({ type: 'node', nodeId: 'local' }) as FindingEl[];

  before(async function () {
    needs(this, treeMissing());
    needs(this, spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0 ? undefined : 'kubectl is not installed (Debian: kubernetes-client)');
    api = await activated();
    tree = await setUpTree();
    const hostname = readFileSync('/proc/sys/kernel/hostname', 'utf8').trim();
    const nodes = (JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'kube', 'nodes.json'), 'utf8')) as { items: unknown[] }).items;
    standIn = await startKubeApiStandIn({
      nodes: [
        ...nodes,
        {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name: hostname, labels: { 'kubernetes.io/hostname': hostname } },
          status: {
            addresses: [{ type: 'Hostname', address: hostname }],
            conditions: [
              { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure', lastTransitionTime: '2026-11-26T20:00:00Z' },
              { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
            ],
          },
        },
      ],
      pods: [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'late-7f9c-abcde', namespace: 'shop', uid: tree.orphanPod },
          spec: { nodeName: hostname, containers: [{ name: 'app', image: 'registry.example/app:1' }] },
          status: { phase: 'Running', qosClass: 'Burstable' },
        },
      ],
    });
    // kubectl, spawned by the extension in this very process, reads these (its discovery cache goes under HOME).
    process.env.KUBECONFIG = standIn.kubeconfig;
    process.env.HOME = standIn.home;
  });

  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await vscode.workspace.getConfiguration('cgroupForensics').update('kubernetes.enabled', undefined, vscode.ConfigurationTarget.Global);
    await standIn?.close();
    await tree?.cleanup();
    await resetSettings();
  });

  it('the orphan-looking pod the API knows is not an orphan; DiskPressure is a finding', async () => {
    await vscode.commands.executeCommand('cgroupForensics.detectOrphans', LOCAL);
    const pod = findings().find((f) => f.finding.core.podUid === tree!.orphanPod && f.finding.kind === 'orphaned-pod-cgroup');
    assert.ok(pod, `findings: ${JSON.stringify(findings().map((f) => f.finding.title))}; requests ${JSON.stringify(standIn!.requests)}`);
    assert.equal(pod.finding.severity, 'info');
    assert.equal(pod.finding.core.confidence, 'low');
    assert.match(pod.finding.title, /not an orphan, the API knows pod shop\/late-7f9c-abcde$/);
    // Not counted as an orphan by Detect Orphans, not marked as one in the Nodes tree.
    assert.equal(isOrphan(pod.finding.core), false);
    assert.match(pod.finding.detail, new RegExp(`the API knows pod shop/late-7f9c-abcde \\(${tree!.orphanPod}\\) on node .+: not an orphan`));
    const disk = findings().find((f) => f.finding.kind === 'node-condition');
    assert.ok(disk, 'the condition is a finding');
    assert.equal(disk.finding.severity, 'warning');
    assert.match(disk.finding.detail, /DiskPressure=True since 2026-11-26T20:00:00Z \(KubeletHasDiskPressure\): kubelet has disk pressure/);
    assert.ok(standIn!.requests.some((r) => r.startsWith('GET /api/v1/pods?fieldSelector=spec.nodeName%3D')));
  });

  it('the cleanup script, the Findings view and the tree follow the same verdict: the pod the API knows is named, not removed', async () => {
    const [uri] = await vscode.commands.executeCommand<string[]>('cgroupForensics.generateFix', LOCAL, 'cleanup');
    const text = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri)!.getText();
    const slice = tree!.orphanPod.replace(/-/g, '_');
    assert.ok(!text.split('\n').some((l) => l.startsWith('rm_cgroup ') && l.includes(slice)), 'not removed');
    assert.match(text, /^# not included \(the Kubernetes API knows pod shop\/late-7f9c-abcde on this node\): /m);
    const pod = findings().find((f) => f.finding.core.podUid === tree!.orphanPod && f.finding.kind === 'orphaned-pod-cgroup')!;
    assert.match(String(api.findingsTree.getTreeItem(pod).description), /not acted on: the Kubernetes API knows pod shop\/late-7f9c-abcde on this node/);
    // Named as the API names it, in the Findings view and in the Nodes tree.
    assert.equal(api.findingsTree.getTreeItem(pod).label, 'orphan-looking pod shop/late-7f9c-abcde burstable · unified');
    assert.equal(api.nodesTree.getTreeItem({ type: 'cgroup', nodeId: 'local', hierarchy: 'unified', path: inTree(tree!, tree!.paths.orphanPod) }).label, 'pod shop/late-7f9c-abcde burstable');
    assert.ok(!pod.finding.fixes.includes('cleanup'), 'no cleanup offered for it');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it("Gather Evidence's report carries the API's view of the node: its pods and conditions", async () => {
    const r = await vscode.commands.executeCommand<{ uri: string }>('cgroupForensics.gatherEvidence', LOCAL, { since: '1h' });
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(r.uri));
    const text = doc.getText();
    assert.match(text, /^Kubernetes view \(context stand-in\): node \S+, matched by node name/m);
    assert.match(text, /^ {2}conditions: DiskPressure=True, Ready=True$/m);
    assert.match(text, new RegExp(`^ {4}shop/late-7f9c-abcde  ${tree!.orphanPod}  Running Burstable`, 'm'));
  });

  it('a cluster that does not answer is asked once, then left alone for a while (a stale context costs one refresh, not every one)', async () => {
    const dead = join(standIn!.home, 'dead.kubeconfig');
    writeFileSync(dead, readFileSync(standIn!.kubeconfig, 'utf8').replace(/server: .*/, 'server: http://127.0.0.1:9'));
    process.env.KUBECONFIG = dead;
    try {
      await vscode.commands.executeCommand('cgroupForensics.detectOrphans', LOCAL);
      const first = api.nodes.state('local');
      assert.ok(first.status === 'connected');
      assert.match(first.kubeNote ?? '', /^no Kubernetes view of the node: the Kubernetes API is unreachable/);
      assert.ok(!findings().some((f) => f.finding.kind === 'node-condition'));
      await vscode.commands.executeCommand('cgroupForensics.detectOrphans', LOCAL);
      const second = api.nodes.state('local');
      assert.ok(second.status === 'connected');
      assert.match(second.kubeNote ?? '', /unreachable.*\(not asked again until \d\d:\d\d:\d\d UTC\)$/);
    } finally {
      process.env.KUBECONFIG = standIn!.kubeconfig;
    }
  });

  it('turned off (cgroupForensics.kubernetes.enabled = false), the same pod is an orphan again and kubectl is not run', async () => {
    const c = vscode.workspace.getConfiguration('cgroupForensics');
    await c.update('kubernetes.enabled', false, vscode.ConfigurationTarget.Global);
    await until('the setting to reach the extension host', () => vscode.workspace.getConfiguration('cgroupForensics').get('kubernetes.enabled') === false || undefined, 10_000);
    const asked = standIn!.requests.length;
    await vscode.commands.executeCommand('cgroupForensics.detectOrphans', LOCAL);
    const pod = findings().find((f) => f.finding.core.podUid === tree!.orphanPod && f.finding.kind === 'orphaned-pod-cgroup');
    assert.ok(pod);
    assert.notEqual(pod.finding.severity, 'info');
    assert.equal(isOrphan(pod.finding.core), true);
    assert.ok(!findings().some((f) => f.finding.kind === 'node-condition'));
    assert.equal(standIn!.requests.length, asked);
  });
});
