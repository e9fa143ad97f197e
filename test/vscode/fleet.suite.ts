import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import * as vscode from 'vscode';
import { byAttention } from '../../src/core/fleet/fleetNode';
import type { CgroupForensicsApi } from '../../src/extension/extension';
import type { FleetRow } from '../../src/extension/fleet/fleetTree';
import { needs } from '../support/prereq';
import { freePort, hostBlock, SshLab, sshdMissing, TestSshd } from '../support/sshd';
import type { KubeletTree } from '../e2e/kubeletTree';
import { resetSettings, setUpTree, treeMissing } from './fixture';
import { activated, SELECTION_WAIT_MS, until } from './host';

// Scan Fleet… in the real extension host: the core's fleet runner over ssh_config aliases onto
// Debian's sshd on loopback. What is a stand-in: the three "nodes" are this machine through one
// sshd (so they walk the same cgroup tree, the kubelet-shaped one of the other suites with its
// orphaned pod, and find the same); the fourth alias names a closed port, a node that cannot be
// reached. Two more aliases (slow-*) name a listener of the test's own that accepts and never
// speaks, for a scan that is cancelled while it waits. No fleet of real machines can run here.
const ALIASES = ['fleet-a', 'fleet-b', 'fleet-c'];
const DOWN = 'fleet-down';

describe('the Fleet view over ssh_config aliases (a real sshd, one alias unreachable)', function () {
  let api: CgroupForensicsApi;
  let lab: SshLab | undefined;
  let sshd: TestSshd | undefined;
  let tree: (KubeletTree & { wide: string }) | undefined;
  let silent: Server | undefined;
  const sockets: Socket[] = [];

  before(async function () {
    needs(this, sshdMissing() ?? treeMissing());
    api = await activated();
    lab = new SshLab();
    mkdirSync(lab.path('home'), { recursive: true });
    // Sessions get a HOME of the test's own (root's ~/.bashrc here runs pyenv: see sshScan.test.ts).
    sshd = await TestSshd.start(lab, 'fleetview', { config: [`SetEnv HOME=${lab.path('home')}`, 'MaxStartups 100'] });
    const known = lab.write('known_hosts', `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic()}\n`);
    const closed = await freePort();
    silent = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.resume();
    });
    await new Promise<void>((r) => silent!.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as { port: number }).port;
    const cfg = lab.write(
      'fleet.config',
      [
        ...ALIASES.map((a) => hostBlock(a, { port: sshd!.port, identityFile: lab!.userKey, knownHosts: known })),
        hostBlock(DOWN, { port: closed, identityFile: lab.userKey, knownHosts: known }),
        hostBlock('slow-1', { port: silentPort, identityFile: lab.userKey, knownHosts: known }),
        hostBlock('slow-2', { port: silentPort, identityFile: lab.userKey, knownHosts: known }),
        // Does not match the pattern: never scanned.
        hostBlock('other-host', { port: sshd.port, identityFile: lab.userKey, knownHosts: known }),
      ].join('\n'),
    );
    tree = await setUpTree();
    const c = vscode.workspace.getConfiguration('cgroupForensics');
    await c.update('ssh.configPath', cfg, vscode.ConfigurationTarget.Global);
    await c.update('fleet.concurrency', 2, vscode.ConfigurationTarget.Global);
    await until('the settings to reach the extension host', () => (vscode.workspace.getConfiguration('cgroupForensics').get('ssh.configPath') === cfg && vscode.workspace.getConfiguration('cgroupForensics').get('fleet.concurrency') === 2) || undefined, 10_000);
  });

  after(async () => {
    for (const a of [...ALIASES, DOWN]) if (api) await vscode.commands.executeCommand('cgroupForensics.disconnect', { nodeId: `ssh:${a}` });
    const c = vscode.workspace.getConfiguration('cgroupForensics');
    for (const k of ['ssh.configPath', 'fleet.concurrency']) await c.update(k, undefined, vscode.ConfigurationTarget.Global);
    await tree?.cleanup();
    await resetSettings();
    await sshd?.stop();
    for (const s of sockets) s.destroy();
    await new Promise((r) => (silent ? silent.close(r) : r(undefined)));
    lab?.remove();
  });

  const item = (name: string): vscode.TreeItem => api.fleetTree.getTreeItem({ type: 'fleetNode', name });
  const shown = (): string[] => api.fleetTree.getChildren().map((r) => r.name);

  it('Scan Fleet… lists every matching alias, one row each, in the core order of attention', async () => {
    const names = await vscode.commands.executeCommand<string[]>('cgroupForensics.scanFleet', { sshPattern: 'fleet-*' });
    assert.deepEqual([...names].sort(), [...ALIASES, DOWN].sort(), 'other-host does not match fleet-*');
    assert.deepEqual(shown(), names);
    const nodes = api.fleetTree.rows();
    // The view's order is the core's (byAttention), the CLI table's: no order of its own.
    assert.deepEqual(shown(), [...nodes].sort(byAttention).map((n) => n.name));
    for (const a of ALIASES) {
      const n = api.fleetTree.node(a)!;
      assert.equal(n.status, 'investigated', `${a}: ${n.error ?? ''}`);
      // Each finds the tree's orphaned pod, so each needs attention before the node not reached.
      assert.equal(n.verdict, 'actionable', `${a}: ${JSON.stringify(n.summary)}`);
      assert.match(String(item(a).description), new RegExp(`^(v1|v2|hybrid) · \\d+ cgroups · (\\d+|-) dying · [1-9]\\d* orphans · (critical|warning|info) [\\w-]+ · ssh root@127\\.0\\.0\\.1:${sshd!.port}$`));
      assert.equal((item(a).iconPath as vscode.ThemeIcon).id, 'warning');
    }
    assert.deepEqual(shown(), [...ALIASES, DOWN], 'the three with findings (equal, so by name), then the one not reached');
    assert.match(String(api.fleetView.message), /^ssh_config hosts matching fleet-\*: 4 nodes: 3 with findings, 1 not investigated \(1 unreachable\), 0 clear\. Sorted by what needs attention first\.$/);
  });

  it('the node that could not be reached is a row saying why', () => {
    const n = api.fleetTree.node(DOWN)!;
    assert.equal(n.status, 'unreachable');
    assert.match(String(item(DOWN).description), /^unreachable: .*connection refused by 127\.0\.0\.1:\d+ \(ssh root@127\.0\.0\.1:\d+\)$/);
    assert.equal((item(DOWN).iconPath as vscode.ThemeIcon).id, 'error');
    assert.equal(item(DOWN).contextValue, 'fleetNode+unreachable');
  });

  it('Sort by… orders by a column, ties in the order of attention, and back', async () => {
    assert.deepEqual(await vscode.commands.executeCommand('cgroupForensics.sortFleet', 'name'), [...ALIASES, DOWN].sort());
    assert.match(String(api.fleetView.message), /Sorted by node name\.$/);
    // The node not reached has no count: after those that have one.
    assert.equal((await vscode.commands.executeCommand<string[]>('cgroupForensics.sortFleet', 'orphans')).at(-1), DOWN);
    assert.deepEqual(await vscode.commands.executeCommand('cgroupForensics.sortFleet', 'attention'), [...ALIASES, DOWN]);
  });

  it('a click on a row selects the node in the Nodes view and shows its findings', async () => {
    const row: FleetRow = { type: 'fleetNode', name: 'fleet-b' };
    const click = item(row.name).command!;
    assert.equal(click.command, 'cgroupForensics.openFleetNode');
    assert.deepEqual(click.arguments, [row]);
    const id = await vscode.commands.executeCommand<string>(click.command, ...click.arguments!);
    assert.equal(id, 'ssh:fleet-b');
    const state = api.nodes.state(id);
    assert.equal(state.status, 'connected', state.status === 'failed' ? state.reason : state.status);
    const selected = await until('the node selected in the Nodes view', () => (api.nodesView.selection.some((e) => e.type === 'node' && e.nodeId === id) ? true : undefined), SELECTION_WAIT_MS).catch(async (e: unknown) => {
      const again = await api.nodesView.reveal({ type: 'node', nodeId: id }, { select: true }).then(
        () => 'revealed again',
        (r: unknown) => String(r),
      );
      return `${String(e)}; selection ${JSON.stringify(api.nodesView.selection)}; visible ${api.nodesView.visible}; ssh group ${JSON.stringify(await api.nodesTree.getChildren({ type: 'sshConfig' }))}; ${again}; then ${JSON.stringify(api.nodesView.selection)}`;
    });
    assert.equal(selected, true);
    assert.deepEqual(api.nodesView.selection, [{ type: 'node', nodeId: id }]);
    // Under the ssh config's group, as the alias is listed there.
    assert.deepEqual(api.nodesTree.getParent({ type: 'node', nodeId: id }), { type: 'sshConfig' });
    // Its findings are in the Findings view: the orphaned pod the fleet counted.
    assert.ok(state.status === 'connected' && state.findings.some((f) => f.cgroups.some((c) => c.path.includes(tree!.top))), 'the sandbox orphan among the findings');
    const findingsRoots = await api.findingsTree.getChildren();
    assert.ok(findingsRoots.length > 0, 'the Findings view shows them');
  });

  it('a click on the row of the node not reached selects it too, failed with the reason', async () => {
    const id = await vscode.commands.executeCommand<string>('cgroupForensics.openFleetNode', { type: 'fleetNode', name: DOWN });
    assert.equal(id, `ssh:${DOWN}`);
    const state = api.nodes.state(id);
    assert.equal(state.status, 'failed');
    assert.match(state.status === 'failed' ? state.reason : '', /connection refused by 127\.0\.0\.1:\d+/);
    await until('the node selected in the Nodes view', () => (api.nodesView.selection.some((e) => e.type === 'node' && e.nodeId === id) ? true : undefined), SELECTION_WAIT_MS);
  });

  it('cancelling a scan stops every node; the rows say they were interrupted', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const timer = setTimeout(() => ac.abort(), 2000);
    try {
      // Both nodes wait on an SSH handshake that never comes (its own bound is 20 s, the node's 120 s).
      const names = await vscode.commands.executeCommand<string[]>('cgroupForensics.scanFleet', { sshPattern: 'slow-*', signal: ac.signal });
      assert.ok(Date.now() - started < 12_000, `stopped at once, not at a bound: ${Date.now() - started} ms`);
      assert.deepEqual([...names].sort(), ['slow-1', 'slow-2']);
      for (const n of names) {
        assert.equal(api.fleetTree.node(n)!.status, 'cancelled');
        assert.match(String(item(n).description), /^interrupted: interrupted \(ssh root@127\.0\.0\.1:\d+\)$/);
      }
      assert.match(String(api.fleetView.message), /^Interrupted: ssh_config hosts matching slow-\*: 2 nodes: 0 with findings, 2 not investigated \(2 interrupted\), 0 clear\./);
    } finally {
      clearTimeout(timer);
    }
  });
});
