import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  it('opens the cleanup script as a read-only shell script (not untitled: closing asks nothing) that names the orphan and not the live pod', async () => {
    const [uri] = await vscode.commands.executeCommand<string[]>('cgroupForensics.generateFix', LOCAL, 'cleanup');
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    assert.ok(doc);
    // Was 'untitled' (issue 13: every generated document asked to be saved on close).
    assert.equal(doc.uri.scheme, 'cgroup-forensics-node');
    assert.equal(doc.isUntitled, false);
    assert.equal(doc.isDirty, false);
    assert.equal(doc.languageId, 'shellscript');
    const text = doc.getText();
    assert.match(text, /^#!\/bin\/sh/);
    assert.ok(text.includes(tree!.orphanPod.replace(/-/g, '_')), 'the orphan pod directory');
    assert.ok(!text.includes(tree!.livePod.replace(/-/g, '_')), 'never the live pod');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri);
  });

  it('Save As… writes the generated document where it is asked to', async () => {
    const [uri] = await vscode.commands.executeCommand<string[]>('cgroupForensics.generateFix', LOCAL, 'cleanup');
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri)!;
    const dir = mkdtempSync(join(tmpdir(), 'cf-save-as-'));
    try {
      const target = vscode.Uri.file(join(dir, 'cleanup.sh'));
      const saved = await vscode.commands.executeCommand<string>('cgroupForensics.saveDocumentAs', doc.uri, target);
      assert.equal(saved, target.toString());
      assert.equal(readFileSync(target.fsPath, 'utf8'), doc.getText());
      // That it is offered in the editor title for these documents: test/unit/saveDocumentAsMenu.test.ts.
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens with what each fix document changes, where, why and the steps; "no change needed" said plainly', async () => {
    const uris = await vscode.commands.executeCommand<string[]>('cgroupForensics.generateFix', LOCAL, 'driver');
    const header = vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'cgroup-forensics-node' && d.uri.path === '/what-the-driver-fix-does.txt').pop();
    assert.ok(header, 'the header document');
    assert.equal(header.isUntitled, false);
    const text = header.getText();
    assert.match(text, /^Cgroup driver alignment for /);
    assert.match(text, /^ {2}what: sets cgroupDriver: systemd in place of cgroupDriver: cgroupfs/m);
    assert.match(text, /^ {2}file: \S*\/config\.yaml on the node$/m);
    assert.match(text, /^ {2}why: cgroupDriver: systemd: /m);
    assert.match(text, /^ {2}then: systemctl restart kubelet$/m);
    for (const u of uris) {
      const d = vscode.workspace.textDocuments.find((x) => x.uri.toString() === u)!;
      assert.equal(d.isUntitled, false, u);
      assert.equal(d.isDirty, false, u);
    }
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
      // Was the count of untitled documents: generated documents are read-only ones now.
      const generated = (): number => vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'cgroup-forensics-node' || d.isUntitled).length;
      const opened = generated();
      const live = FIX_KINDS.filter((k) => FIX_CATALOG[k].needs.from === 'live');
      assert.ok(live.includes('containerd') && live.includes('kubelet'));
      // Each is a one-line error (the command resolves to nothing) and opens no document.
      for (const kind of live) assert.equal(await vscode.commands.executeCommand('cgroupForensics.generateFix', node, kind), undefined, kind);
      assert.equal(generated(), opened, 'no document for a fix that needs the live node');
      const [sysctl] = await vscode.commands.executeCommand<string[]>('cgroupForensics.generateFix', node, 'sysctl');
      assert.match(vscode.workspace.textDocuments.find((d) => d.uri.toString() === sysctl)?.getText() ?? '', /^# Kernel parameters for this node/);
      const [rules] = await vscode.commands.executeCommand<string[]>('cgroupForensics.generateFix', node, 'prometheus');
      assert.equal(vscode.workspace.textDocuments.find((d) => d.uri.toString() === rules)?.languageId, 'yaml');
    } finally {
      await vscode.commands.executeCommand('cgroupForensics.removeNode', { type: 'node', nodeId: id }, { confirmed: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves nothing that would ask to be saved when the window closes: no generated document is untitled or dirty', () => {
    assert.deepEqual(vscode.workspace.textDocuments.filter((d) => d.isUntitled || d.isDirty).map((d) => d.uri.toString()), []);
  });
});
