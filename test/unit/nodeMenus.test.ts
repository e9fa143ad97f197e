import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeContextValue, type NodeFlag, type NodeKind, type NodeStatus } from '../../src/extension/tree/nodeContextValue';

// The Nodes view's context menu as VS Code would show it: package.json's `when` clauses evaluated
// against the context values the tree gives each node state (tree/nodeContextValue.ts).
interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { contributes: { menus: Record<string, MenuItem[]> } };

/** The clause language our menus use: `a && b`, `view == x`, `viewItem =~ /re/`, `isWorkspaceTrusted`. */
function holds(when: string, ctx: { view: string; viewItem: string; trusted: boolean }): boolean {
  return when.split('&&').every((raw) => {
    const term = raw.trim();
    let m = /^view == (\S+)$/.exec(term);
    if (m) return ctx.view === m[1];
    m = /^viewItem == (\S+)$/.exec(term);
    if (m) return ctx.viewItem === m[1];
    m = /^viewItem =~ \/(.*)\/([a-z]*)$/.exec(term);
    if (m) return new RegExp(m[1]!, m[2]).test(ctx.viewItem);
    if (term === 'isWorkspaceTrusted') return ctx.trusted;
    throw new Error(`a clause this test does not read: ${term} (in ${when})`);
  });
}

/** The commands of a node row's context menu (inline: its buttons), without the common prefix. */
function menu(contextValue: string, inline = false, trusted = true): string[] {
  return manifest.contributes.menus['view/item/context']!
    .filter((m) => (m.group ?? '').startsWith('inline') === inline)
    .filter((m) => holds(m.when ?? 'true', { view: 'cgroupForensics.nodes', viewItem: contextValue, trusted }))
    .map((m) => m.command.replace(/^cgroupForensics\./, ''))
    .sort();
}

const cv = (kind: NodeKind, status: NodeStatus, flags: NodeFlag[] = [], removable = kind !== 'local'): string => nodeContextValue(kind, status, new Set(flags), removable);

describe('the Nodes view menus follow the node state', () => {
  it('builds the context value in a fixed order, flags only when true', () => {
    assert.equal(cv('local', 'connected'), 'node+local+connected');
    assert.equal(cv('ssh', 'failed'), 'node+ssh+failed+removable');
    assert.equal(cv('ssh', 'connected', ['snapshots', 'sampling']), 'node+ssh+connected+sampling+snapshots+removable');
    assert.equal(cv('snapshot', 'disconnected'), 'node+snapshot+disconnected+removable');
  });

  it('a disconnected live node offers Connect, not Disconnect, Refresh or sampling', () => {
    const m = menu(cv('ssh', 'disconnected'));
    assert.deepEqual(m, ['connect', 'detectOrphans', 'gatherEvidence', 'removeNode', 'showTrends', 'traceChurn']);
    assert.deepEqual(menu(cv('ssh', 'disconnected'), true), ['connect']);
    assert.deepEqual(menu(cv('local', 'disconnected')), ['connect', 'detectOrphans', 'gatherEvidence', 'showTrends', 'traceChurn']);
  });

  it('a connected live node offers Disconnect and Start Trend Sampling, not Connect or Stop', () => {
    const m = menu(cv('local', 'connected'));
    assert.deepEqual(m, ['detectOrphans', 'disconnect', 'exportReport', 'gatherEvidence', 'generateFix', 'openFlameView', 'refresh', 'runCleanup', 'showTrends', 'startTrendSampling', 'traceChurn']);
    assert.deepEqual(menu(cv('local', 'connected'), true), ['refresh']);
    // Run Cleanup Script only in a trusted workspace.
    assert.ok(!menu(cv('local', 'connected'), false, false).includes('runCleanup'));
  });

  it('while sampling it offers Stop Trend Sampling instead of Start', () => {
    const m = menu(cv('ssh', 'connected', ['sampling']));
    assert.ok(m.includes('stopTrendSampling') && !m.includes('startTrendSampling'), m.join(' '));
  });

  it('Compare and Delete Kept Snapshots only with kept snapshots', () => {
    for (const status of ['disconnected', 'connected'] as const) {
      assert.ok(!menu(cv('ssh', status)).includes('compareWithSnapshot'), status);
      const m = menu(cv('ssh', status, ['snapshots']));
      assert.ok(m.includes('compareWithSnapshot') && m.includes('deleteSnapshots'), `${status}: ${m.join(' ')}`);
    }
  });

  it('a connecting node offers Disconnect (to stop it) and nothing that needs its snapshot', () => {
    assert.deepEqual(menu(cv('ssh', 'connecting')), ['detectOrphans', 'disconnect', 'gatherEvidence', 'removeNode', 'showTrends', 'traceChurn']);
  });

  it('a failed node offers Connect (retry) and Disconnect (forget the error)', () => {
    assert.deepEqual(menu(cv('ssh', 'failed')), ['connect', 'detectOrphans', 'disconnect', 'gatherEvidence', 'removeNode', 'showTrends', 'traceChurn']);
  });

  it('a Kubernetes node (cluster entry) offers what its pod can read, not the cleanup nor a churn trace', () => {
    // Never added by the user (the cluster entry lists it): not removable.
    assert.equal(cv('kube', 'connected', [], false), 'node+kube+connected');
    assert.deepEqual(menu(cv('kube', 'disconnected', [], false)), ['connect', 'detectOrphans', 'gatherEvidence', 'showTrends']);
    assert.deepEqual(menu(cv('kube', 'connected', [], false)), ['detectOrphans', 'disconnect', 'exportReport', 'gatherEvidence', 'generateFix', 'openFlameView', 'refresh', 'showTrends', 'startTrendSampling']);
    const m = menu(cv('kube', 'connected', ['sampling', 'snapshots'], false));
    assert.ok(m.includes('stopTrendSampling') && m.includes('compareWithSnapshot') && m.includes('deleteSnapshots'), m.join(' '));
  });

  it('a snapshot file offers no live-node actions (evidence, churn, trends, sampling, cleanup)', () => {
    assert.deepEqual(menu(cv('snapshot', 'connected')), ['detectOrphans', 'disconnect', 'exportReport', 'generateFix', 'openFlameView', 'refresh', 'removeNode']);
    assert.deepEqual(menu(cv('snapshot', 'disconnected')), ['connect', 'detectOrphans', 'removeNode']);
  });
});
