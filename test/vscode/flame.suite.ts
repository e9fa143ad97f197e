import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { displayOf } from '../../src/core/model/bytes';
import type { CgroupForensicsApi } from '../../src/extension/extension';
import type { FlamePanel } from '../../src/extension/flame/flamePanel';
import { needs } from '../support/prereq';
import { treeMissing } from './fixture';
import { activated, SELECTION_WAIT_MS, until } from './host';

const LOCAL = { type: 'node', nodeId: 'local' } as const;

/**
 * The flame view's host side in the real extension host: a click on a cell (the page's 'select')
 * must not re-open a side bar the user closed (it would halve the chart); "Reveal in Nodes" (the
 * page's 'reveal') is the user asking, and shows the cgroup in the Nodes tree. The suite plays the
 * page: its messages go to the panel as receiveFromWebview hands them over once checked.
 */
describe('flame view: revealing in the Nodes tree', function () {
  let api: CgroupForensicsApi;

  before(async function () {
    needs(this, treeMissing());
    api = await activated();
    assert.equal(await vscode.commands.executeCommand('cgroupForensics.connect', LOCAL), 'connected');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('cgroupForensics.nodes.focus');
  });

  it('a click reveals only while the Nodes view is visible; Reveal in Nodes opens it', async () => {
    const panel = await vscode.commands.executeCommand<FlamePanel | undefined>('cgroupForensics.openFlameView', LOCAL);
    assert.ok(panel, 'a flame view opened');
    await until('the flame webview to say ready', () => panel.isReady() || undefined, 120_000);
    const s = panel.snapshot();
    assert.ok(s);
    const h = s.hierarchies.find((x) => x.tree.size > 1)!;
    const path = '/' + displayOf(h.tree.names[1]!);

    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await until('the Nodes view to be hidden', () => !api.nodesView.visible || undefined, 10_000);
    await panel.handleMessage({ type: 'select', hierarchy: h.name, path });
    // What is judged is that nothing happens: give a reveal the time it takes (well under a second).
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(api.nodesView.visible, false, 'a click on a cell left the side bar closed');

    await panel.handleMessage({ type: 'reveal', hierarchy: h.name, path });
    await until('the Nodes view to show the cgroup', () => api.nodesView.visible || undefined, 20_000);
    const sel = api.nodesView.selection[0] as { type: string; path?: string; hierarchy?: string } | undefined;
    assert.equal(sel?.hierarchy, h.name);
    assert.equal(sel?.path, h.tree.path(1));

    // With the view visible, a click reveals there too.
    const other = h.tree.size > 2 ? 2 : 1;
    await panel.handleMessage({ type: 'select', hierarchy: h.name, path: '/' + h.tree.path(other).split('/').filter((p) => p !== '').map((p) => displayOf(p)).join('/') });
    await until('the selection to follow the click', () => (api.nodesView.selection[0] as { path?: string } | undefined)?.path === h.tree.path(other) || undefined, SELECTION_WAIT_MS);
  });
});
