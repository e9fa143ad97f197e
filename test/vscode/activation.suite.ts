import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, activated } from './host';

interface Manifest {
  activationEvents: string[];
  contributes: { commands: { command: string; category?: string }[] };
}

describe('activation', () => {
  it('activates on its views and commands only, and registers every contributed command', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const manifest = ext.packageJSON as Manifest;
    assert.ok(!manifest.activationEvents.includes('*'), 'never activates on startup');
    const api = await activated();
    assert.ok(api.nodes && api.nodesTree && api.findingsTree);
    const registered = new Set(await vscode.commands.getCommands(true));
    const mine = manifest.contributes.commands.map((c) => c.command).filter((c) => c !== 'cgroupForensics.openFlameView' && c !== 'cgroupForensics.showInFlameView');
    const missing = mine.filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
    for (const c of manifest.contributes.commands) assert.equal(c.category, 'Cgroup Forensics', c.command);
  });

  it('has a title for every %key% of the manifest in package.nls.json', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const raw = readFileSync(join(ext.extensionPath, 'package.json'), 'utf8');
    const nls = JSON.parse(readFileSync(join(ext.extensionPath, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const keys = [...raw.matchAll(/"%([^"%]+)%"/g)].map((m) => m[1]!);
    assert.ok(keys.length > 20);
    assert.deepEqual(keys.filter((k) => !(k in nls)), []);
  });
});
