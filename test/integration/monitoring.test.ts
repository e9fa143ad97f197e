import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { analyze } from '../../src/core/analysis/forensics';
import { interpretFacts } from '../../src/core/facts/nodeFacts';
import { bpftraceScript, npdPlugin, prometheusRules } from '../../src/core/fixes/monitoring';
import { prometheusText } from '../../src/core/report/prometheusText';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { UID_A, UID_B, UID_C, v2SystemdHost } from '../fixtures/hosts/specs';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { makeFakeHost } from '../support/fakeHost';
import { cgroupMounts, needs, toolMissing } from '../support/prereq';

// The monitoring documents checked by the programs that consume them: Prometheus' promtool for
// the rules and the textfile metrics, bpftrace on the real cgroup tracepoints, and the NPD check
// script run as NPD would run it (node-problem-detector itself is not packaged for Debian: its
// exit-status protocol is what is checked).
const ROOT = join(__dirname, '..', '..');
const have = toolMissing;

describe('monitoring documents, checked by their consumers', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cf-monitoring-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('promtool accepts the alert rules', function () {
    needs(this, have('promtool'));
    const f = join(dir, 'rules.yml');
    writeFileSync(f, prometheusRules().content);
    const r = spawnSync('promtool', ['check', 'rules', f], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS: 7 rules found/);
  });

  it('promtool accepts the exported metrics, which carry the counts of a scanned node', async function () {
    needs(this, have('promtool'));
    const host = makeFakeHost(v2SystemdHost());
    try {
      const s = await takeSnapshot(new LocalTransport(), { hostRoot: host.root });
      assert.ok(s.ok);
      const report = analyze(s.value, interpretFacts({ found: [{ key: 'kubelet-pod', source: 'p', value: UID_A }, { key: 'kubelet-pods-count', source: 'p', value: '1' }], missing: [] }));
      const text = prometheusText(s.value, report);
      const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr + text);
      // Every series names its node (the fixture's /etc/hostname when no --node-name is given).
      assert.match(text, /^cgroup_forensics_dying_cgroups\{node="node-v2-a",hierarchy="unified"\} 57$/m);
      assert.match(text, /^cgroup_forensics_memcg_in_use\{node="node-v2-a"\} 88$/m);
      assert.match(text, /^cgroup_forensics_findings\{node="node-v2-a",kind="orphaned-pod-cgroup",severity="critical"\} 1$/m);
      assert.match(text, /^cgroup_forensics_orphans_undetermined\{node="node-v2-a"\} 0$/m);
      // The same verdict as orphans and fix cleanup: an orphan-looking pod the API knows is not counted.
      const known = { ...report, findings: report.findings.map((f) => (f.kind === 'orphaned-pod-cgroup' ? { ...f, knownToApi: 'default/web-1' } : f)) };
      assert.doesNotMatch(prometheusText(s.value, known), /^cgroup_forensics_findings\{node="node-v2-a",kind="orphaned-pod-cgroup"/m);
    } finally {
      host.remove();
    }
  });

  it('the NPD check maps orphans onto NPD\'s exit protocol (0 ok, 1 problem, 2 unknown)', function () {
    // The real CLI (from source) stands in for the installed cgroup-forensics binary.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'cgroup-forensics'), `#!/bin/sh\nexec node -r ${ROOT}/node_modules/tsx/dist/cjs/index.cjs -r ${ROOT}/test/setup/textLoader.cjs ${ROOT}/src/cli/main.ts "$@"\n`);
    chmodSync(join(bin, 'cgroup-forensics'), 0o755);
    const [config, script] = npdPlugin();
    const check = join(dir, 'check.sh');
    writeFileSync(check, script!.content);
    const cfg = JSON.parse(config!.content) as { rules: { path: string }[] };
    assert.equal(cfg.rules[0]!.path, '/config/plugin/check_cgroup_leaks.sh');
    const runCheck = (hostRoot: string): { status: number | null; out: string } => {
      const r = spawnSync('sh', [check], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, CF_HOST_ROOT: hostRoot } });
      return { status: r.status, out: r.stdout };
    };
    const spec = v2SystemdHost();
    const unknown = makeFakeHost(spec);
    spec.files = { ...spec.files, [`var/lib/kubelet/pods/${UID_A}/etc-hosts`]: '' };
    const known = makeFakeHost(spec);
    const guaranteed = UID_B.replace('1111', 'aaaa');
    for (const uid of [UID_B, UID_C, guaranteed]) spec.files[`var/lib/kubelet/pods/${uid}/etc-hosts`] = '';
    const clean = makeFakeHost(spec);
    try {
      const c = runCheck(clean.root);
      assert.equal(c.status, 0, c.out);
      assert.equal(c.out, 'no leaked cgroups\n');
      const u = runCheck(unknown.root);
      assert.equal(u.status, 2, u.out);
      assert.match(u.out, /^cannot tell/);
      const k = runCheck(known.root);
      assert.equal(k.status, 1, k.out);
      assert.ok(k.out.length <= 81, 'one short line, as NPD shows it');
    } finally {
      unknown.remove();
      known.remove();
      clean.remove();
    }
  });

  it('bpftrace runs the script on the real cgroup tracepoints and sees a cgroup made and removed', async function () {
    needs(this, process.getuid?.() === 0 ? have('bpftrace') ?? have('unshare') : 'needs root for bpftrace');
    const v2 = cgroupMounts().v2;
    needs(this, v2 ? undefined : 'no cgroup2 mount');
    const bt = join(dir, 'churn.bt');
    // The same script, ending itself after a few seconds (bpftrace prints its maps on exit).
    writeFileSync(bt, bpftraceScript().content + '\ninterval:s:4 { exit(); }\n');
    // tracefs is mounted in a mount namespace of the test's own, so the machine is left as it was.
    const child = spawn('unshare', ['-m', 'sh', '-c', 'mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing; exec bpftrace "$1"', 'sh', bt], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BPFTRACE_STRLEN: '200' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    let box: CgroupSandbox | undefined;
    let name = '';
    try {
      for (let i = 0; i < 100 && !out.includes('Attaching'); i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      // Made and removed while traced: a sandbox of the test's own in the v2 root.
      box = CgroupSandbox.create(v2!, 'bpftrace');
      name = basename(box.root);
      await box.cleanup();
      box = undefined;
      await new Promise((r) => child.once('exit', r));
    } finally {
      await box?.cleanup();
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    assert.match(out, new RegExp(`@mkdir\\[\\d+, /${name}\\]: 1`), out);
    assert.match(out, new RegExp(`@rmdir\\[\\d+, /${name}\\]: 1`), out);
    assert.match(out, /@released: \d+/);
  });
});

