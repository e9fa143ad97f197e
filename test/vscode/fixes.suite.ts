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
    const [uri] = await vscode.commands.executeCommand<string[]>('cgroupForensics.generateFix', LOCAL, 'cleanup');
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

  it('shows the driver fix for kubelet as a diff editor between the node file and the fix', async () => {
    const uris = await vscode.commands.executeCommand<string[]>('cgroupForensics.generateFix', LOCAL, 'driver');
    const kubelet = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uris[0])!;
    assert.equal(kubelet.languageId, 'yaml');
    assert.match(kubelet.getText(), /^cgroupDriver: systemd$/m);
    const diff = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === uris[0]);
    assert.ok(diff, 'a diff editor for the kubelet config');
    const input = diff.input as vscode.TabInputTextDiff;
    assert.equal(input.original.scheme, 'cgroup-forensics-node');
    assert.ok(input.original.path.endsWith('/config.yaml'));
    const original = await vscode.workspace.openTextDocument(input.original);
    assert.match(original.getText(), /^cgroupDriver: cgroupfs$/m);
    // containerd's config.toml (absent on this machine) comes second, as a plain document.
    assert.equal(uris.length, 2);
    const toml = (await vscode.languages.getLanguages()).includes('toml') ? 'toml' : 'ini';
    assert.equal(vscode.workspace.textDocuments.find((d) => d.uri.toString() === uris[1])?.languageId, toml);
  });

  it('opens the monitoring fixes in their language modes', async () => {
    const [rules] = await vscode.commands.executeCommand<string[]>('cgroupForensics.generateFix', LOCAL, 'prometheus');
    assert.equal(vscode.workspace.textDocuments.find((d) => d.uri.toString() === rules)?.languageId, 'yaml');
    const npd = await vscode.commands.executeCommand<string[]>('cgroupForensics.generateFix', LOCAL, 'npd');
    assert.deepEqual(
      npd.map((u) => vscode.workspace.textDocuments.find((d) => d.uri.toString() === u)?.languageId),
      ['json', 'shellscript'],
    );
  });

  it('opens the Grafana dashboard as JSON and the pod-spec snippets as YAML', async () => {
    const [dashboard] = await vscode.commands.executeCommand<string[]>('cgroupForensics.generateFix', LOCAL, 'grafana');
    const json = vscode.workspace.textDocuments.find((d) => d.uri.toString() === dashboard);
    assert.equal(json?.languageId, 'json');
    assert.ok(Array.isArray((JSON.parse(json.getText()) as { panels?: unknown }).panels), 'a dashboard with panels');
    const [snippets] = await vscode.commands.executeCommand<string[]>('cgroupForensics.generateFix', LOCAL, 'podspec');
    const yaml = vscode.workspace.textDocuments.find((d) => d.uri.toString() === snippets);
    assert.equal(yaml?.languageId, 'yaml');
    assert.match(yaml.getText(), /^# Pod-spec snippets/);
  });
});
