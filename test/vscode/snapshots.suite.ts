import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { keptSnapshotsOf, type CompareResult } from '../../src/extension/commands/snapshotCommands';
import type { CgroupForensicsApi } from '../../src/extension/extension';
import type { KubeletTree } from '../e2e/kubeletTree';
import { needs } from '../support/prereq';
import { inTree, resetSettings, setUpTree, treeMissing } from './fixture';
import { activated, until } from './host';

// Snapshots kept per node: two refreshes of This machine (the kubelet-shaped tree of the fixture
// in the real cgroupfs) keep two, which Compare with Earlier Snapshot diffs and shows as a flame
// view in compare mode plus a read-only summary. The quick picks and the modal are skipped with
// the commands' optional arguments ({ takenAt }, { confirmed: true }).
describe('kept snapshots and compare with an earlier one', function () {
  let api: CgroupForensicsApi;
  let tree: (KubeletTree & { wide: string }) | undefined;
  const node = { type: 'node', nodeId: 'local' };
  const kept = async (n: number): Promise<number[]> =>
    until(`${n} kept snapshot(s) of This machine`, async () => {
      const l = await api.snapshots.list('local');
      return l.length === n ? l.map((e) => e.takenAt) : undefined;
    }, 60_000);

  before(async function () {
    needs(this, treeMissing());
    api = await activated();
    tree = await setUpTree();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('cgroupForensics.deleteSnapshots', node, { confirmed: true });
    await tree?.cleanup();
    await resetSettings();
  });

  it('keeps one snapshot per refresh and compares with the earlier one: flame baseline and a summary naming what was added', async () => {
    // Earlier suites refreshed This machine too: start from none.
    await vscode.commands.executeCommand('cgroupForensics.deleteSnapshots', node, { confirmed: true });
    assert.deepEqual(await api.snapshots.list('local'), []);

    assert.equal(await vscode.commands.executeCommand('cgroupForensics.refresh', node), 'connected');
    const [first] = await kept(1);
    const newPod = randomUUID();
    const added = `${tree!.paths.burstable}/kubepods-burstable-pod${newPod.replace(/-/g, '_')}.slice`;
    tree!.sandbox.mkdir(added);
    // Snapshots are named by the millisecond they were taken: the next one in a later millisecond.
    await until('the clock to pass the first snapshot', () => Date.now() > first! || undefined, 1000);
    assert.equal(await vscode.commands.executeCommand('cgroupForensics.refresh', node), 'connected');
    const times = await kept(2);
    const state = api.nodes.state('local');
    assert.ok(state.status === 'connected');
    assert.deepEqual(times, [state.view.snapshot.takenAt, first], 'listed newest first, the newest the snapshot shown');
    // What the flame view's own Compare… lists beside its in-memory snapshots, and loads.
    const forFlame = keptSnapshotsOf(api.snapshots);
    assert.deepEqual((await forFlame.list('local')).map((e) => e.takenAt), times);
    assert.equal((await forFlame.load('local', first!)).takenAt, first);

    const r = await vscode.commands.executeCommand<CompareResult>('cgroupForensics.compareWithSnapshot', node, { takenAt: first });
    assert.ok(r, 'the command resolved with its result');
    assert.equal(r.baseline.takenAt, first);
    assert.ok(r.panel, 'a flame view opened');
    assert.equal(r.panel.baselineSnapshot()?.takenAt, first, 'the flame view compares with the kept snapshot');
    assert.equal(r.panel.snapshot()?.takenAt, state.view.snapshot.takenAt);
    await until('the flame webview to say ready (and so get the baseline)', () => r.panel!.isReady() || undefined, 120_000);

    const doc = await vscode.workspace.openTextDocument(r.summary);
    assert.equal(doc.uri.scheme, 'cgroup-forensics-diff', 'a read-only document of a content provider');
    const text = doc.getText();
    assert.ok(text.includes(`  + ${inTree(tree!, added)}\n`), text);
    assert.ok(text.includes(`${newPod}  new, already empty`), text);
    assert.match(text, /^This machine: the snapshot kept at .+ compared with the one shown now\n\nfrom \S+ to \S+/);
    const u = r.diff.hierarchies.find((h) => h.hierarchy === 'unified');
    assert.ok(u?.added.includes(inTree(tree!, added)));
    assert.ok(vscode.window.visibleTextEditors.some((e) => e.document.uri.toString() === r.summary.toString()), 'the summary is shown');
  });

  it('Remove Node deletes what this machine kept about the node (after the modal, skipped here)', async () => {
    const id = await vscode.commands.executeCommand<string>('cgroupForensics.addNode', 'ssh', 'nobody@cf-removed-node.invalid');
    const shown = api.nodes.state('local');
    assert.ok(shown.status === 'connected');
    await api.snapshots.save(id, shown.view.snapshot);
    assert.equal((await api.snapshots.list(id)).length, 1);
    assert.deepEqual(await api.nodes.keptDataOf(id), ['1 kept snapshot']);
    await vscode.commands.executeCommand('cgroupForensics.removeNode', { type: 'node', nodeId: id }, { confirmed: true });
    assert.equal(api.nodes.spec(id), undefined, 'the node is gone');
    assert.deepEqual(await api.snapshots.list(id), [], 'and so are its kept snapshots');
    assert.deepEqual(await api.nodes.keptDataOf(id), []);
    assert.equal((await api.snapshots.list('local')).length, 2, "This machine's are untouched");
  });

  it('a takenAt that is not kept is one error message, not a crash; delete removes them all', async () => {
    assert.equal(await vscode.commands.executeCommand('cgroupForensics.compareWithSnapshot', node, { takenAt: 1 }), undefined);
    assert.equal(await vscode.commands.executeCommand('cgroupForensics.deleteSnapshots', node, { confirmed: true }), 2);
    assert.deepEqual(await api.snapshots.list('local'), []);
  });
});
