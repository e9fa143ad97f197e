import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import type { Finding } from '../../src/core/analysis/finding';
import { podSpecFix } from '../../src/core/fixes/podSpecFix';

// Pod-spec snippets: only what the findings call for, each a valid YAML pod-spec fragment.
const f = (o: Partial<Finding> & Pick<Finding, 'kind'>): Finding => ({ severity: 'warning', confidence: 'high', title: o.kind, cgroups: [], evidence: [], ...o });

function snippets(content: string): Record<string, unknown>[] {
  // Snippets are separated by blank lines; each is a YAML document of its own.
  return content
    .split('\n\n')
    .slice(1)
    .map((block) => parseAllDocuments(block)[0]!.toJS() as Record<string, unknown>);
}

describe('pod-spec snippets', () => {
  it('leftover processes: an init, preStop and a grace period, naming the pods', () => {
    const d = podSpecFix([f({ kind: 'orphaned-pod-cgroup', podUid: 'u-1', processes: 3 }), f({ kind: 'orphaned-pod-cgroup', podUid: 'u-2', processes: 0 })]);
    assert.equal(d.kind, 'podspec');
    assert.match(d.content, /# Pods: u-1\n/);
    const [s] = snippets(d.content);
    const spec = s!.spec as { terminationGracePeriodSeconds: number; containers: { lifecycle: { preStop: { exec: { command: string[] } } }; command: string[] }[] };
    assert.equal(spec.terminationGracePeriodSeconds, 60);
    assert.deepEqual(spec.containers[0]!.command, ['/usr/bin/tini', '--']);
    assert.ok(spec.containers[0]!.lifecycle.preStop.exec.command.length > 0);
  });

  it('pids pressure on a pod: resources', () => {
    const d = podSpecFix([f({ kind: 'pids-pressure', podUid: 'u-3', title: 'pod u-3 at 98% of pids.max' })]);
    const [s] = snippets(d.content);
    assert.deepEqual((s!.spec as { containers: { resources: unknown }[] }).containers[0]!.resources, { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    assert.ok(d.reasons[0]!.includes('pod u-3 at 98% of pids.max'));
  });

  it('nothing to suggest is said, not invented', () => {
    const d = podSpecFix([f({ kind: 'dying-cgroups' }), f({ kind: 'pids-pressure' })]);
    assert.match(d.content, /No finding on this node calls for a pod-spec change/);
    assert.deepEqual(snippets(d.content), []);
  });
});
