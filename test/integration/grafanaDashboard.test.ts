import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grafanaDashboard } from '../../src/core/fixes/grafanaDashboard';
import { staticFix } from '../support/staticFix';
import { METRICS } from '../../src/core/report/prometheusText';
import { needs, toolMissing } from '../support/prereq';

// The Grafana dashboard: its queries are valid PromQL (promtool parses each one as a recording
// rule; Grafana itself cannot run here) and name only metrics that export --prometheus writes.
const have = toolMissing;

interface Panel {
  title: string;
  targets: { expr: string }[];
}

describe('Grafana dashboard', () => {
  const doc = grafanaDashboard();
  const dash = JSON.parse(doc.content) as { uid: string; panels: Panel[]; templating: { list: { name: string }[] } };
  const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr));

  it('is the fix kind grafana, with a panel per metric family', () => {
    assert.deepEqual(staticFix('grafana').map((d) => d.kind), ['grafana']);
    assert.equal(dash.uid, 'cgroup-forensics');
    // Nodes are picked by the node label every series carries, not by the scrape's instance.
    assert.deepEqual(dash.templating.list.map((v) => v.name), ['datasource', 'node']);
    const known = new Set<string>(Object.values(METRICS));
    const used = new Set(exprs.flatMap((e) => e.match(/cgroup_forensics_[a-z_]+/g) ?? []));
    for (const u of used) assert.ok(known.has(u), `${u} is not an exported metric`);
    for (const k of ['cgroups', 'dying', 'memcgInUse', 'memcgIdsHeld', 'meminfo', 'findings', 'timestamp', 'kubepods', 'kubepodsDying', 'scanDuration', 'scanErrors'] as const) assert.ok(used.has(METRICS[k]), `no panel shows ${METRICS[k]}`);
  });

  it('promtool parses every query', function () {
    needs(this, have('promtool'));
    const dir = mkdtempSync(join(tmpdir(), 'cf-grafana-'));
    try {
      const rules = ['groups:', '  - name: dashboard', '    rules:', ...exprs.flatMap((e, i) => [`      - record: cf:panel_${i}`, `        expr: ${JSON.stringify(e.replace(/\$node/g, '.*'))}`])].join('\n') + '\n';
      const f = join(dir, 'rules.yml');
      writeFileSync(f, rules);
      const r = spawnSync('promtool', ['check', 'rules', f], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`SUCCESS: ${exprs.length} rules found`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
