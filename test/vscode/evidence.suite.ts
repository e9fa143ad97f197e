import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, rmdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import type { CgroupForensicsApi } from '../../src/extension/extension';
import type { FindingsElement } from '../../src/extension/findings/findingsTree';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { cgroupMounts, needs } from '../support/prereq';
import type { KubeletTree } from '../e2e/kubeletTree';
import { resetSettings, setUpTree, treeMissing } from './fixture';
import { activated, until } from './host';

type FindingEl = Extract<FindingsElement, { type: 'finding' }>;
type EvidenceEl = Extract<FindingsElement, { type: 'evidence' }>;

/**
 * Gather Evidence and Trace Cgroup Churn on This machine, inside the real extension host. The
 * evidence is what this machine really gives: this host process holds the orphan pod's cgroup
 * directory open (an fd on a cgroup, as `lsof | grep cgroup` would show) and a removed cgroup of
 * the sandbox too (a removed cgroup kept dying by an open fd), and the node's runc and containerd
 * versions meet the advisory table. (This machine keeps no journal and no syslog: log lines are
 * attached and shown in the unit test and against a real journald in test/integration.)
 */
describe('evidence and churn on this machine', function () {
  let api: CgroupForensicsApi;
  let tree: (KubeletTree & { wide: string }) | undefined;
  const fds: number[] = [];
  const LOCAL = { type: 'node', nodeId: 'local' };

  before(async function () {
    needs(this, treeMissing());
    api = await activated();
    tree = await setUpTree();
    await vscode.commands.executeCommand('cgroupForensics.detectOrphans', LOCAL);
  });

  after(async () => {
    for (const fd of fds.splice(0)) closeSync(fd);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await tree?.cleanup();
    await resetSettings();
  });

  const findings = (): FindingEl[] => api.findingsTree.getChildren({ type: 'node', nodeId: 'local' }) as FindingEl[];
  const evidenceOf = (f: FindingEl): EvidenceEl[] => api.findingsTree.getChildren(f).filter((c): c is EvidenceEl => c.type === 'evidence');

  it('Gather Evidence attaches open fds to the orphan, adds pinned-cgroup and advisory findings, and opens the report', async () => {
    const orphanDir = join(tree!.sandbox.root, tree!.paths.orphanPod);
    fds.push(openSync(orphanDir, 'r'));
    const pinnedDir = tree!.sandbox.mkdir('/pinned.scope');
    fds.push(openSync(pinnedDir, 'r'));
    rmdirSync(pinnedDir);

    const r = await vscode.commands.executeCommand<{ uri: string; logMatches: number; attached: number; added: number; nothing: boolean }>('cgroupForensics.gatherEvidence', LOCAL, { since: '2h' });
    assert.ok(r, 'the command ran (see the log for its error)');
    assert.equal(r.nothing, false);
    assert.ok(r.added >= 1, JSON.stringify(r));

    const orphan = findings().find((f) => f.finding.core.podUid === tree!.orphanPod);
    assert.ok(orphan, 'the orphan is still a finding');
    const fdItems = evidenceOf(orphan).filter((e) => e.item.kind === 'fd');
    assert.ok(fdItems.some((e) => e.item.label.includes(`pid ${process.pid}`) && e.item.label.includes(orphanDir)), JSON.stringify(evidenceOf(orphan).map((e) => e.item.label)));
    const item = api.findingsTree.getTreeItem(fdItems[0]!);
    assert.equal(typeof item.tooltip, 'string', 'evidence is plain text, never markdown');
    assert.match(String(item.contextValue), /^findingEvidence\+fd$/);

    const pinned = findings().find((f) => f.finding.kind === 'cgroup-fd-pinned' && f.finding.detail.includes('pinned.scope'));
    assert.ok(pinned, `a removed cgroup held open is a finding: ${JSON.stringify(findings().map((f) => [f.finding.kind, f.finding.title]))}`);
    // runc 1.1.5 / containerd 1.6.20 here: the runc rows below 1.1.6 and 1.1.8 need the systemd
    // driver, which this machine's containerd does not use, so no advisory must be claimed; any
    // advisory that is shown lists its evidence (bounds and sources), and the version is reported.
    for (const a of findings().filter((f) => f.finding.kind === 'version-advisory')) assert.ok(evidenceOf(a).length >= 1, 'an advisory lists its evidence');
    // Log lines, where this machine has any that match, are shown as lines with their time.
    for (const f of findings()) for (const e of evidenceOf(f)) if (e.item.kind === 'log') assert.match(e.item.description ?? '', /^(\d{4}-\d\d-\d\dT\S+|time unknown) · /);

    const doc = vscode.window.activeTextEditor?.document;
    assert.equal(doc?.uri.toString(), r.uri);
    assert.equal(doc.uri.scheme, 'cgroup-forensics-node', 'a read-only virtual document');
    // A short tab title: what, which node, when.
    assert.equal(vscode.window.tabGroups.activeTabGroup.activeTab?.label.match(/^evidence-This-machine-\d\d-\d\d$/)?.length, 1, vscode.window.tabGroups.activeTabGroup.activeTab?.label);
    const text = doc.getText();
    assert.match(text, /^evidence — This machine \d\d:\d\d\nEvidence on This machine: logs since \S+, gathered \S+\n\n/);
    for (const part of ['Logs read:', 'Versions:', 'Daemons:', 'Open fds on cgroups:', 'Pods without limits']) assert.ok(text.includes(part), part);
    assert.ok(text.includes(orphanDir), 'the open fd on the orphan is in the report');
    if (spawnSync('runc', ['--version']).status === 0) assert.match(text, /runc/, 'the runc version is judged and shown under Versions');
  });

  it('the evidence stays attached to the findings after a refresh', async () => {
    await vscode.commands.executeCommand('cgroupForensics.refresh', LOCAL);
    await until('the refresh to finish', () => api.nodes.state('local').status === 'connected' || undefined, 60_000);
    const orphan = findings().find((f) => f.finding.core.podUid === tree!.orphanPod);
    assert.ok(orphan && evidenceOf(orphan).some((e) => e.item.kind === 'fd'));
    assert.ok(findings().some((f) => f.finding.kind === 'cgroup-fd-pinned'));
  });

  it('Trace Cgroup Churn names the parent the test churns, and refuses a duration out of bounds', async () => {
    const box = CgroupSandbox.create(cgroupMounts().v2!, 'churn');
    for (let i = 0; i < 40; i++) box.mkdir(`/old${i}`);
    let i = 0;
    const timer = setInterval(() => {
      box.mkdir(`/new${i}`);
      if (i < 40) rmdirSync(join(box.root, `old${i}`));
      i++;
    }, 150);
    try {
      const r = await vscode.commands.executeCommand<{ uri: string; method: string; parents: number }>('cgroupForensics.traceChurn', LOCAL, { seconds: 5 });
      clearInterval(timer);
      assert.ok(r, 'the command ran (see the log for its error)');
      assert.ok(r.parents >= 1);
      const doc = vscode.window.activeTextEditor?.document;
      assert.equal(doc?.uri.toString(), r.uri);
      assert.equal(doc.uri.scheme, 'cgroup-forensics-node');
      const text = doc.getText();
      assert.match(text, /^churn — This machine \d\d:\d\d\nCgroup churn on This machine, from \S+\n\n/);
      const parent = `/${basename(box.root)}`;
      const row = text.split('\n').find((l) => l.includes(`${parent} `) || l.endsWith(parent));
      assert.ok(row, `the sandbox parent is named:\n${text.slice(0, 2000)}`);
      if (r.method === 'snapshots') assert.match(row, /\+\d+ -\d+ {2}\(\d+\.\d\d\/s made, \d+\.\d\d\/s removed\)/);
      assert.match(text, /by process/);
    } finally {
      clearInterval(timer);
      await box.cleanup();
    }
    assert.equal(await vscode.commands.executeCommand('cgroupForensics.traceChurn', LOCAL, { seconds: 3 }), undefined, 'below 5 s is refused');
  });
});
