import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/analysis/forensics';
import { interpretFacts } from '../../src/core/facts/nodeFacts';
import { prometheusRules } from '../../src/core/fixes/monitoring';
import { METRIC_LABELS, prometheusText } from '../../src/core/report/prometheusText';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { UID_A, v2SystemdHost } from '../fixtures/hosts/specs';
import { v2Files, makeFakeHost, type FakeHostSpec } from '../support/fakeHost';
import { needs, toolMissing } from '../support/prereq';

// The export watched by Prometheus on every node (fix daemonset): its series are bounded (per
// hierarchy and QoS class, never per pod or cgroup, so more pods make no more series), every one
// names its node, and the alert rules, run by promtool over series shaped exactly like the export
// of fake nodes scanned by the real probe, fire for a node whose dying cgroups grow and not for a
// steady one.

/** The v2 fixture node with n more burstable pods (a container each), some of them guaranteed. */
function withPods(n: number): FakeHostSpec {
  const spec = v2SystemdHost();
  const cg = spec.cgroups['/sys/fs/cgroup']!;
  for (let i = 0; i < n; i++) {
    const uid = `0000${String(i).padStart(4, '0')}_1111_2222_3333_444444444444`;
    const pod = i % 2 ? `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid}.slice` : `/kubepods.slice/kubepods-pod${uid}.slice`;
    cg[pod] = v2Files({ populated: true, descendants: 1, memory: 1_000_000, pids: 1 });
    cg[`${pod}/cri-containerd-${String(i).padStart(64, 'c')}.scope`] = v2Files({ procs: [10_000 + i], populated: true, memory: 1_000_000, pids: 1 });
  }
  return spec;
}

async function exportOf(spec: FakeHostSpec, o: { node?: string; withFindings?: boolean } = {}): Promise<string> {
  const host = makeFakeHost(spec);
  try {
    const s = await takeSnapshot(new LocalTransport(), { hostRoot: host.root });
    assert.ok(s.ok, s.ok ? '' : s.error.message);
    const report = o.withFindings ? analyze(s.value, interpretFacts({ found: [{ key: 'kubelet-pod', source: 'p', value: UID_A }, { key: 'kubelet-pods-count', source: 'p', value: '1' }], missing: [] })) : undefined;
    return prometheusText(s.value, report, { ...(o.node ? { node: o.node } : {}), scanSeconds: 0.25 });
  } finally {
    host.remove();
  }
}

/** name{labels} of every sample line. */
const seriesOf = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.slice(0, l.lastIndexOf(' ')));

describe('node metrics for the DaemonSet: bounded, named by node, alerting on a leaking node', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cf-leak-alerts-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('every series names its node and only bounded labels; more pods make no more series', async function () {
    const few = await exportOf(withPods(2), { withFindings: true });
    const many = await exportOf(withPods(40), { withFindings: true });
    assert.deepEqual(seriesOf(many), seriesOf(few), 'the series of a node with 40 more pods are those of one with 2 more');
    // The values move, the labels do not: 40 pods (20 of them guaranteed) with a container each, and the fixture's own.
    assert.match(many, /^cgroup_forensics_kubepods_cgroups\{node="node-v2-a",hierarchy="unified",qos="guaranteed"\} 42$/m);
    assert.match(many, /^cgroup_forensics_kubepods_cgroups\{node="node-v2-a",hierarchy="unified",qos="burstable"\} 45$/m);
    assert.match(many, /^cgroup_forensics_kubepods_cgroups\{node="node-v2-a",hierarchy="unified",qos="besteffort"\} 1$/m);
    // cgroup.stat of kubepods.slice says 50 dying; the burstable and besteffort slices none: they are the guaranteed pods'.
    assert.match(many, /^cgroup_forensics_kubepods_dying_cgroups\{node="node-v2-a",hierarchy="unified",qos="guaranteed"\} 50$/m);
    assert.match(many, /^cgroup_forensics_scan_duration_seconds\{node="node-v2-a"\} 0\.25$/m);
    // The fixture's walk met one cgroup that vanished mid-walk.
    assert.match(many, /^cgroup_forensics_scan_errors\{node="node-v2-a",stage="walk"\} 1$/m);
    assert.match(many, /^cgroup_forensics_scan_errors\{node="node-v2-a",stage="checks"\} 0$/m);
    assert.match(many, /^cgroup_forensics_last_run_timestamp_seconds\{node="node-v2-a"\} \d{10}$/m);
    const allowed = new Set<string>(METRIC_LABELS);
    for (const s of seriesOf(many)) {
      const labels = [...s.matchAll(/([a-z_]+)="(?:[^"\\]|\\.)*"/g)].map((m) => m[1]!);
      assert.equal(labels[0], 'node', s);
      for (const l of labels) assert.ok(allowed.has(l), `${s}: label ${l} is not one of the bounded labels`);
      assert.doesNotMatch(s, /pod[0-9a-f]{8}|[0-9a-f]{64}/, `${s}: a pod or container in a label`);
    }
    assert.ok(seriesOf(many).length <= 40, `${seriesOf(many).length} series for a one-hierarchy node`);
  });

  it('a named node (the Kubernetes node name) is the node label; promtool check metrics accepts the export', async function () {
    needs(this, toolMissing('promtool'));
    const text = await exportOf(withPods(3), { node: 'ip-10-0-1-7.eu-west-1.compute.internal', withFindings: true });
    assert.match(text, /^cgroup_forensics_cgroups\{node="ip-10-0-1-7\.eu-west-1\.compute\.internal",hierarchy="unified"\} \d+$/m);
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr + text);
  });

  it('promtool: DyingCgroupsGrowing fires for the node whose dying cgroups grow, not for the steady one, and names the node', async function () {
    needs(this, toolMissing('promtool'));
    const rules = join(dir, 'rules.yml');
    writeFileSync(rules, prometheusRules().content);
    // As Prometheus scrapes them: node_exporter's instance and job beside the export's own labels.
    // The growing node gains 10 dying cgroups a minute (14,400 a day); the steady one holds 57.
    const input = (text: string, instance: string, grow: boolean): { series: string; values: string }[] =>
      text
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'))
        .map((l) => {
          const m = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(l);
          assert.ok(m, l);
          const growing = grow && m[1] === 'cgroup_forensics_dying_cgroups';
          return { series: `${m[1]}{${m[2]},instance="${instance}",job="node-exporter"}`, values: growing ? `${m[3]}+10x480` : `${m[3]}x480` };
        });
    const series = [...input(await exportOf(withPods(2), { node: 'worker-leaking' }), '10.0.0.11:9100', true), ...input(await exportOf(withPods(2), { node: 'worker-steady' }), '10.0.0.12:9100', false)];
    const test = {
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: series,
          alert_rule_test: [
            {
              eval_time: '8h',
              alertname: 'DyingCgroupsGrowing',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', node: 'worker-leaking', hierarchy: 'unified', instance: '10.0.0.11:9100', job: 'node-exporter' },
                  exp_annotations: {
                    summary: 'dying cgroups keep growing on worker-leaking (unified)',
                    description: '3600 more dying cgroups in 6 hours: removed cgroups the kernel does not free. Run cgroup-forensics evidence on the node; cgroup-forensics fix bpftrace shows who makes them.',
                  },
                },
              ],
            },
            // Not before its hour has passed: 1000 more are reached after 100 minutes.
            { eval_time: '2h', alertname: 'DyingCgroupsGrowing', exp_alerts: [] },
            // Neither node has 10,000 yet (the leaking one: 57 + 4,800), nor stopped writing.
            { eval_time: '8h', alertname: 'DyingCgroupsHigh', exp_alerts: [] },
            { eval_time: '8h', alertname: 'CgroupCountGrowing', exp_alerts: [] },
          ],
        },
      ],
    };
    const file = join(dir, 'test.yml');
    writeFileSync(file, JSON.stringify(test, null, 1));
    const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
  });
});
