import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CgroupForensicsApi } from '../../src/extension/extension';
import { reportFileName } from '../../src/extension/commands/reportCommands';
import type { FindingsElement } from '../../src/extension/findings/findingsTree';
import type { NodesElement } from '../../src/extension/tree/elements';
import { needs } from '../support/prereq';
import type { KubeletTree } from '../e2e/kubeletTree';
import { inTree, resetSettings, setUpTree, treeMissing } from './fixture';
import { activated, until } from './host';

describe('commands over this machine', function () {
  let api: CgroupForensicsApi;
  let tree: (KubeletTree & { wide: string }) | undefined;
  const cg = (rel: string): NodesElement => ({ type: 'cgroup', nodeId: 'local', hierarchy: 'unified', path: inTree(tree!, rel) });

  before(async function () {
    needs(this, treeMissing());
    api = await activated();
    tree = await setUpTree();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await tree?.cleanup();
    await resetSettings();
  });

  it('detects the orphaned pod (unknown to kubelet) and lists it in the Findings view', async () => {
    const n = await vscode.commands.executeCommand<number>('cgroupForensics.detectOrphans', { type: 'node', nodeId: 'local' });
    assert.ok(n >= 1, `found ${n}`);
    const nodes = api.findingsTree.getChildren();
    assert.deepEqual(nodes, [{ type: 'node', nodeId: 'local' }]);
    const findings = api.findingsTree.getChildren(nodes[0]) as Extract<FindingsElement, { type: 'finding' }>[];
    const orphan = findings.find((f) => f.finding.core.podUid === tree!.orphanPod);
    const state = api.nodes.state('local');
    const c = vscode.workspace.getConfiguration('cgroupForensics');
    assert.ok(
      orphan,
      `the orphan pod is a finding; settings ${JSON.stringify([c.get('kubelet.rootDir'), c.get('orphans.gracePeriodSeconds')])}, ` +
        (state.status === 'connected'
          ? `kubelet pods ${JSON.stringify([...(state.facts.kubeletPods ?? [])])}, undetermined ${state.report.orphansUndetermined}, ${state.findings.length} findings, in the sandbox ${JSON.stringify(state.findings.filter((f) => f.cgroups.some((x) => x.path.includes(tree!.top))).map((f) => f.title))}, now ${state.view.snapshot.node.now}, sandbox in tree: ${state.view.hierarchy('unified')?.tree.find('/' + tree!.top)}, orphan in tree: ${state.view.hierarchy('unified')?.tree.find(inTree(tree!, tree!.paths.orphanPod))}, mtime ${(() => { const h = state.view.hierarchy('unified'); const i = h?.tree.find(inTree(tree!, tree!.paths.orphanPod)); return h && i !== undefined ? [h.tree.stat('mtime', i), h.tree.stat('procs', i), h.tree.seen[i]] : '-'; })()}, warnings ${JSON.stringify(state.view.snapshot.warnings)}`
          : state.status),
    );
    assert.equal(orphan.finding.kind, 'orphaned-pod-cgroup');
    assert.ok(!findings.some((f) => f.finding.core.podUid === tree!.livePod), 'the live pod, which kubelet knows, is not');
    const it = api.findingsTree.getTreeItem(orphan);
    assert.equal(it.command?.command, 'cgroupForensics.revealCgroup');
    assert.match(String(it.contextValue), /\+fixable/);
    // What and which pod first, then where; the core's title (the CLI's) stays in the tooltip.
    const short = `${tree!.orphanPod.slice(0, 8)}…`;
    assert.equal(it.label, `orphaned pod ${short} burstable · unified`);
    assert.match(String(it.description), /^orphaned-pod-cgroup/);
    assert.ok(String(it.tooltip).includes(orphan.finding.title), String(it.tooltip));
    const refs = api.findingsTree.getChildren(orphan);
    assert.ok(refs.some((r) => r.type === 'cgroup' && r.ref.path === inTree(tree!, tree!.paths.orphanPod)));
    // Each cgroup of the finding names its hierarchy first, then what it is.
    const podRef = refs.find((r) => r.type === 'cgroup' && r.ref.path === inTree(tree!, tree!.paths.orphanPod))!;
    assert.equal(api.findingsTree.getTreeItem(podRef).label, `unified · pod ${short} burstable`);
    assert.equal(api.findingsTree.getTreeItem(podRef).description, inTree(tree!, tree!.paths.orphanPod));
    const containerRef = refs.find((r) => r.type === 'cgroup' && r.ref.path === inTree(tree!, tree!.paths.orphanContainer));
    if (containerRef) assert.match(String(api.findingsTree.getTreeItem(containerRef).label), /^unified · containerd [0-9a-f]{8}…$/);
    await vscode.commands.executeCommand('cgroupForensics.revealCgroup', { nodeId: 'local', ref: { hierarchy: 'unified', path: inTree(tree!, tree!.paths.orphanPod) } });
  });

  it('copies the cgroup path, pod UID and container ID', async () => {
    assert.equal(await vscode.commands.executeCommand('cgroupForensics.copyPath', cg(tree!.paths.liveContainer)), inTree(tree!, tree!.paths.liveContainer));
    assert.equal(await vscode.env.clipboard.readText(), inTree(tree!, tree!.paths.liveContainer));
    assert.equal(await vscode.commands.executeCommand('cgroupForensics.copyPodUid', cg(tree!.paths.liveContainer)), tree!.livePod);
    const id = /cri-containerd-([0-9a-f]{64})\.scope$/.exec(tree!.paths.liveContainer)![1];
    assert.equal(await vscode.commands.executeCommand('cgroupForensics.copyContainerId', cg(tree!.paths.liveContainer)), id);
    // A pod has no container ID: the command says so (one message) and copies nothing.
    assert.equal(await vscode.commands.executeCommand('cgroupForensics.copyContainerId', cg(tree!.paths.livePod)), undefined);
  });

  it('inspects the processes of a cgroup into a readable document', async () => {
    const n = await vscode.commands.executeCommand<number>('cgroupForensics.inspectProcesses', cg(tree!.paths.liveContainer));
    assert.equal(n, 1);
    const doc = vscode.window.activeTextEditor?.document;
    assert.ok(doc);
    assert.equal(doc.languageId, 'plaintext');
    // Read-only, not untitled: closing it asks nothing.
    assert.equal(doc.uri.scheme, 'cgroup-forensics-node');
    assert.equal(doc.isUntitled, false);
    assert.equal(doc.isDirty, false);
    assert.match(doc.getText(), /sleep 3600/);
    assert.match(doc.getText(), new RegExp(`pod UID: ${tree!.livePod}`));
  });

  it('Inspect Processes from the palette takes the cgroup selected in the Nodes view', async () => {
    const target = cg(tree!.paths.liveContainer);
    await vscode.commands.executeCommand('cgroupForensics.revealCgroup', { nodeId: 'local', ref: { hierarchy: 'unified', path: inTree(tree!, tree!.paths.liveContainer) } });
    await until('the cgroup to be selected', () => api.nodesView.selection.some((e) => e.type === 'cgroup' && e.path === (target as { path: string }).path) || undefined);
    // No argument, as from the command palette: no quick pick, the selection's processes.
    const n = await vscode.commands.executeCommand<number>('cgroupForensics.inspectProcesses');
    assert.equal(n, 1);
    const text = vscode.window.activeTextEditor?.document.getText() ?? '';
    assert.match(text, /sleep 3600/);
    assert.ok(text.startsWith(`Processes of ${inTree(tree!, tree!.paths.liveContainer)}`) || text.includes(inTree(tree!, tree!.paths.liveContainer)), text.slice(0, 200));
  });

  it('shows the summary read-only', async () => {
    await vscode.commands.executeCommand('cgroupForensics.scanLocal', { type: 'node', nodeId: 'local' });
    const doc = vscode.window.activeTextEditor?.document;
    assert.ok(doc);
    assert.equal(doc.uri.scheme, 'cgroup-forensics-node');
    assert.equal(doc.isUntitled, false);
    assert.equal(doc.isDirty, false);
  });

  it('exports reports as JSON, Markdown and HTML files, written where the save dialog (here: the target given) says', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cf-export-'));
    try {
      for (const [format, language, ext] of [['json', 'json', 'json'], ['markdown', 'markdown', 'md'], ['html', 'html', 'html']] as const) {
        const target = vscode.Uri.file(join(dir, `report.${ext}`));
        // Was: the report opened as an untitled document (the active editor); now it is the file written.
        const written = await vscode.commands.executeCommand<string>('cgroupForensics.exportReport', { type: 'node', nodeId: 'local' }, format, target);
        assert.equal(written, target.toString());
        assert.ok(existsSync(target.fsPath), `${format}: the file is written`);
        const doc = await vscode.workspace.openTextDocument(target);
        assert.equal(doc.languageId, language);
        assert.ok(doc.getText().includes(tree!.orphanPod), `${format} names the orphan`);
        if (format === 'json') {
          const parsed = JSON.parse(doc.getText()) as { snapshot: { schema: string }; findings: unknown };
          assert.equal(parsed.snapshot.schema, 'cgroup-forensics/snapshot@1');
        }
        if (format === 'html') assert.doesNotMatch(doc.getText(), /<script/i);
      }
      // The name the save dialog offers: the node and the snapshot's time.
      assert.equal(reportFileName('This machine', Date.UTC(2026, 11, 3, 19, 35, 7, 250), 'md'), 'cgroup-forensics-this-machine-20261203T193507Z.md');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
