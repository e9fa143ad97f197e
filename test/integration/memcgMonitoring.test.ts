import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prometheusRules } from '../../src/core/fixes/monitoring';
import { prometheusText } from '../../src/core/report/prometheusText';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { v1CgroupfsHost, v2SystemdHost } from '../fixtures/hosts/specs';
import { makeFakeHost, type FakeHostSpec } from '../support/fakeHost';
import { needs, toolMissing } from '../support/prereq';

// The memcg alerts where their consumer runs them: promtool evaluates the generated rules over
// series that are exactly what `export --prometheus` wrote for fake nodes scanned by the real
// probe (one sample a minute for an hour, each node its own instance). A 6.x node with 64,000
// dying memory cgroups must not fire MemcgIdHeadroomLow; a 3.10 (RHEL 7) node near 65,535 must;
// a 6.x node whose unreclaimable kernel memory is 11% of MemTotal fires DyingMemcgKernelMemoryHigh,
// and so does the 3.10 node (6.3%).

const QUIET_MEMINFO = 'MemTotal:       16318540 kB\nSlab:             612340 kB\nSUnreclaim:       210240 kB\nPercpu:            24576 kB\n';
const HEAVY_MEMINFO = 'MemTotal:       16000000 kB\nSlab:            2600000 kB\nSUnreclaim:      1500000 kB\nPercpu:           300000 kB\n';

/** The v2 fixture node with 64,000 dying cgroups (memory among its controllers) on a 6.1 kernel. */
function v2Dying(meminfo: string): FakeHostSpec {
  const spec = v2SystemdHost();
  const root = spec.cgroups['/sys/fs/cgroup']!['/']!;
  root['cgroup.stat'] = root['cgroup.stat']!.replace(/nr_dying_descendants \d+/, 'nr_dying_descendants 64000');
  spec.files = { ...spec.files, 'proc/meminfo': meminfo, 'proc/cgroups': spec.files!['proc/cgroups']!.replace(/^memory\t0\t\d+\t1$/m, 'memory\t0\t64088\t1') };
  return spec;
}

/** The v1 fixture node (3.10.0-1160.el7) with 64,012 memory cgroups in use, 64,000 of them dying. */
function rhelNearLimit(): FakeHostSpec {
  const spec = v1CgroupfsHost();
  spec.files = { ...spec.files, 'proc/cgroups': spec.files!['proc/cgroups']!.replace(/^memory\t5\t4012\t1$/m, 'memory\t5\t64012\t1') };
  return spec;
}

/** The export of a fake node; named, it is that node (two fixture nodes share a hostname), as fix daemonset names each node. */
async function exportOf(spec: FakeHostSpec, node?: string): Promise<string> {
  const host = makeFakeHost(spec);
  try {
    const s = await takeSnapshot(new LocalTransport(), { hostRoot: host.root });
    assert.ok(s.ok, s.ok ? '' : s.error.message);
    return prometheusText(s.value, undefined, node ? { node } : {});
  } finally {
    host.remove();
  }
}

/** The export's samples as promtool input series of one instance: the same value every minute. */
function series(text: string, instance: string): { series: string; values: string }[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(l);
      assert.ok(m, l);
      const labels = [m[2], `instance="${instance}"`, 'job="node"'].filter(Boolean).join(',');
      return { series: `${m[1]}{${labels}}`, values: `${m[3]}x60` };
    });
}

describe('memcg alert rules over the export, run by promtool', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cf-memcg-rules-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the export says whether IDs are held and carries the meminfo figures; promtool check metrics accepts it', async function () {
    needs(this, toolMissing('promtool'));
    const v2 = await exportOf(v2Dying(QUIET_MEMINFO));
    assert.match(v2, /^cgroup_forensics_memcg_ids_held\{node="node-v2-a",kernel="6\.1\.0-27-amd64"\} 0$/m);
    assert.match(v2, /^cgroup_forensics_memcg_in_use\{node="node-v2-a"\} 64088$/m);
    assert.match(v2, /^cgroup_forensics_meminfo_bytes\{node="node-v2-a",field="SUnreclaim"\} 215285760$/m);
    assert.match(v2, /^cgroup_forensics_meminfo_bytes\{node="node-v2-a",field="Percpu"\} 25165824$/m);
    const rhel = await exportOf(rhelNearLimit());
    assert.match(rhel, /^cgroup_forensics_memcg_ids_held\{node="node-v1-b",kernel="3\.10\.0-1160\.el7\.x86_64"\} 1$/m);
    assert.doesNotMatch(rhel, /field="Percpu"/, '3.10 has no Percpu line');
    for (const text of [v2, rhel]) {
      const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr + text);
    }
  });

  it('MemcgIdHeadroomLow fires for the 3.10 node only; DyingMemcgKernelMemoryHigh for the 6.x node that lost 11% of its memory', async function () {
    needs(this, toolMissing('promtool'));
    const rules = join(dir, 'rules.yml');
    writeFileSync(rules, prometheusRules().content);
    const input = [...series(await exportOf(v2Dying(QUIET_MEMINFO), 'node-6x'), 'node-6x'), ...series(await exportOf(v2Dying(HEAVY_MEMINFO), 'node-6x-heavy'), 'node-6x-heavy'), ...series(await exportOf(rhelNearLimit(), 'node-rhel7'), 'node-rhel7')];
    // The annotations as Prometheus renders them (promtool compares them too).
    const idAlert = (instance: string): unknown => ({
      exp_labels: { severity: 'critical', instance, node: instance, job: 'node' },
      exp_annotations: { summary: `memory cgroup IDs nearly exhausted on ${instance}`, description: "Fewer than 10% of the kernel's 65,535 memcg IDs are free, and on this kernel dying memory cgroups hold theirs: new pods will fail to start (mkdir: no space left on device, or cannot allocate memory)." },
    });
    const memAlert = (instance: string, share: string): unknown => ({
      exp_labels: { severity: 'warning', instance, node: instance },
      exp_annotations: {
        summary: `unreclaimable kernel memory is ${share} of MemTotal on ${instance}, with many dying memory cgroups`,
        description: 'Percpu + SUnreclaim above 5% of MemTotal beside more than 1000 dying memory cgroups, which keep their per-cpu and slab memory until freed. Run cgroup-forensics evidence on the node.',
      },
    });
    const test = {
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: input,
          alert_rule_test: [
            // The 6.x node with 64,000 dying memory cgroups (64,088 in use) is not in it: its kernel gives their IDs back.
            { eval_time: '40m', alertname: 'MemcgIdHeadroomLow', exp_alerts: [idAlert('node-rhel7')] },
            // The quiet 6.x node (1.4%) is not in it; the RHEL 7 fixture's SUnreclaim is 6.3% of its MemTotal.
            { eval_time: '40m', alertname: 'DyingMemcgKernelMemoryHigh', exp_alerts: [memAlert('node-6x-heavy', '11.25%'), memAlert('node-rhel7', '6.273%')] },
            // Before its 30 minutes have passed, nothing.
            { eval_time: '20m', alertname: 'DyingMemcgKernelMemoryHigh', exp_alerts: [] },
          ],
        },
      ],
    };
    const file = join(dir, 'test.yml');
    // JSON is YAML: promtool reads it as it is.
    writeFileSync(file, JSON.stringify(test, null, 1));
    const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
  });
});
