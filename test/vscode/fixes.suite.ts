import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { needs } from '../support/prereq';
import type { KubeletTree } from '../e2e/kubeletTree';
import { resetSettings, setUpTree, treeMissing } from './fixture';
import { activated } from './host';

describe('fix documents', function () {
  let tree: (KubeletTree & { wide: string }) | undefined;
  const LOCAL = { type: 'node', nodeId: 'local' };

  before(async function () {
    needs(this, treeMissing());
    await activated();
    tree = await setUpTree();
    await vscode.commands.executeCommand('cgroupForensics.detectOrphans', LOCAL);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await tree?.cleanup();
    await resetSettings();
  });

  it('opens the cleanup script as an untitled shell script that names the orphan and not the live pod', async () => {
    const uri = await vscode.commands.executeCommand<string>('cgroupForensics.generateFix', LOCAL, 'cleanup');
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    assert.ok(doc);
    assert.equal(doc.uri.scheme, 'untitled');
    assert.equal(doc.languageId, 'shellscript');
    const text = doc.getText();
    assert.match(text, /^#!\/bin\/sh/);
    assert.ok(text.includes(tree!.orphanPod.replace(/-/g, '_')), 'the orphan pod directory');
    assert.ok(!text.includes(tree!.livePod.replace(/-/g, '_')), 'never the live pod');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri);
  });

  it('shows a kubelet fix as a diff editor between the node file and the fix', async () => {
    const uri = await vscode.commands.executeCommand<string>('cgroupForensics.generateFix', LOCAL, 'kubelet');
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri)!;
    assert.equal(doc.languageId, 'yaml');
    assert.match(doc.getText(), /^cgroupDriver: systemd$/m);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputTextDiff, 'a diff editor');
    const input = tab.input as vscode.TabInputTextDiff;
    assert.equal(input.original.scheme, 'cgroup-forensics-node');
    assert.equal(input.modified.toString(), uri);
    const original = await vscode.workspace.openTextDocument(input.original);
    assert.match(original.getText(), /^cgroupDriver: cgroupfs$/m);
  });

  it('opens the sysctl fix in its language mode', async () => {
    const uri = await vscode.commands.executeCommand<string>('cgroupForensics.generateFix', LOCAL, 'sysctl');
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri)!;
    assert.equal(doc.languageId, 'properties');
  });
});
