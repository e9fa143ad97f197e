import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { FIX_CATALOG, FIX_KINDS } from '../../src/core/fixes/fixCatalog';
import { snapshotToJson } from '../../src/core/model/snapshotJson';
import { needs } from '../support/prereq';
import type { KubeletTree } from '../e2e/kubeletTree';
import { resetSettings, setUpTree, treeMissing } from './fixture';
import { activated } from './host';
import type { CgroupForensicsApi } from '../../src/extension/extension';

describe('fix documents', function () {
  let tree: (KubeletTree & { wide: string }) | undefined;
  let api: CgroupForensicsApi;
  const LOCAL = { type: 'node', nodeId: 'local' };

  before(async function () {
    needs(this, treeMissing());
    api = await activated();
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
    assert.equal(diff.label, 'fix kubelet — This machine', 'a short tab title');
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

  it('a node read from a snapshot file is refused the fixes made from the live node (never a config built from nothing); the others are made', async () => {
    // This machine's snapshot, saved as `scan --json` saves it, added as a snapshot-file node (no transport, no facts).
    const state = api.nodes.state('local');
    assert.ok(state.status === 'connected');
    const dir = mkdtempSync(join(tmpdir(), 'cf-snapshot-node-'));
    const file = join(dir, 'node.json');
    writeFileSync(file, snapshotToJson(state.view.snapshot));
    const id = await vscode.commands.executeCommand<string>('cgroupForensics.addNode', 'snapshot', file);
    assert.ok(id);
    try {
      const node = { type: 'node', nodeId: id };
      const untitled = (): number => vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'untitled').length;
      const opened = untitled();
      const live = FIX_KINDS.filter((k) => FIX_CATALOG[k].needs.from === 'live');
      assert.ok(live.includes('containerd') && live.includes('kubelet'));
      // Each is a one-line error (the command resolves to nothing) and opens no document.
      for (const kind of live) assert.equal(await vscode.commands.executeCommand('cgroupForensics.generateFix', node, kind), undefined, kind);
      assert.equal(untitled(), opened, 'no document for a fix that needs the live node');
      const [sysctl] = await vscode.commands.executeCommand<string[]>('cgroupForensics.generateFix', node, 'sysctl');
      assert.match(vscode.workspace.textDocuments.find((d) => d.uri.toString() === sysctl)?.getText() ?? '', /^# Kernel parameters for this node/);
      const [rules] = await vscode.commands.executeCommand<string[]>('cgroupForensics.generateFix', node, 'prometheus');
      assert.equal(vscode.workspace.textDocuments.find((d) => d.uri.toString() === rules)?.languageId, 'yaml');
    } finally {
      await vscode.commands.executeCommand('cgroupForensics.removeNode', { type: 'node', nodeId: id }, { confirmed: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
