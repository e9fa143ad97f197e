import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { FindingJson } from '../../src/core/report/findingsJson';
import { analyze } from '../../src/core/analysis/forensics';
import { gatherFacts } from '../../src/core/facts/gatherFacts';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { v2SystemdHost } from '../fixtures/hosts/specs';
import { makeFakeHost, type FakeHost, type FakeHostSpec } from '../support/fakeHost';
import { needs } from '../support/prereq';
import { evidenceLines } from '../../src/core/analysis/evidence';

// Version advisories end to end: the built CLI's `evidence --json --host-root` on fake nodes whose
// crio and runc are small programs that print a version. The facts program runs them as it runs
// the real ones on a node (through `chroot HOST_ROOT`), so the node root holds a static busybox as
// /bin/sh for them. Needs root (chroot) and /bin/busybox.
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');

interface EvidenceJson {
  findings: FindingJson[];
  versions: Record<string, string>;
  logMatches: { signature: string }[];
}

function evidence(root: string): EvidenceJson {
  const r = spawnSync(process.execPath, [cli, 'evidence', '--json', '--since', '@0', '--host-root', root], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as EvidenceJson;
}

/** A v2 systemd node with crio (and optionally runc) binaries that print the given versions. */
function node(o: { crio: string; crioConf: Record<string, string>; runc?: string; files?: Record<string, string> }): FakeHost {
  const spec: FakeHostSpec = v2SystemdHost();
  spec.files = { ...spec.files, ...o.crioConf, ...o.files, 'usr/bin/crio': `#!/bin/sh\nprintf 'crio version ${o.crio}\\n'\n` };
  if (o.runc) spec.files['usr/bin/runc'] = `#!/bin/sh\nprintf 'runc version ${o.runc}\\ncommit: v${o.runc}-0-g0000000\\nspec: 1.0.2-dev\\n'\n`;
  const host = makeFakeHost(spec);
  mkdirSync(join(host.root, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(host.root, 'bin', 'busybox'));
  chmodSync(join(host.root, 'bin', 'busybox'), 0o755);
  symlinkSync('busybox', join(host.root, 'bin', 'sh'));
  chmodSync(join(host.root, 'usr', 'bin', 'crio'), 0o755);
  if (o.runc) chmodSync(join(host.root, 'usr', 'bin', 'runc'), 0o755);
  return host;
}

const advisory = (j: EvidenceJson, id: string): FindingJson | undefined => j.findings.find((f) => f.kind === 'version-advisory' && f.title.includes(` ${id}:`));
const SYSTEMD_CONF = { 'etc/crio/crio.conf': '[crio]\n[crio.runtime]\ncgroup_manager = "systemd"\n' };

describe('version advisories through the CLI on fake nodes', function () {
  this.timeout(120_000);
  before(function () {
    needs(this, process.getuid?.() !== 0 ? 'not root: the facts program runs node binaries through chroot' : existsSync('/bin/busybox') ? undefined : '/bin/busybox is not installed');
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
  });

  it('CRI-O 1.26.1 with cgroup_manager systemd is affected by the sandbox cgroup leak, with the 1.26 backport and its release as sources', () => {
    const host = node({ crio: '1.26.1', crioConf: SYSTEMD_CONF });
    try {
      const j = evidence(host.root);
      assert.equal(j.versions.crio, '1.26.1', 'crio --version was run on the node');
      const f = advisory(j, 'crio-sandbox-cgroup-leak');
      assert.ok(f, JSON.stringify(j.findings.map((x) => x.title)));
      assert.equal(f.severity, 'warning');
      assert.equal(f.confidence, 'high', f.evidence.join('\n'));
      assert.ok(f.evidence.includes('crio version 1.26.1: 1.26.1 is on the 1.26 line, fixed there in 1.26.2: below it'), f.evidence.join('\n'));
      assert.ok(f.evidence.includes('condition met: CRI-O cgroup_manager = "systemd": "systemd" (/etc/crio/crio.conf cgroup_manager)'), f.evidence.join('\n'));
      // Not set in the file: CRI-O's default for 1.26 (drop the infra container) is what decides.
      assert.ok(f.evidence.some((e) => e.startsWith('condition met: CRI-O drops the infra container') && e.includes('the default of CRI-O 1.26.1')), f.evidence.join('\n'));
      assert.ok(f.evidence.includes('source: https://github.com/cri-o/cri-o/pull/6679'));
      assert.ok(f.evidence.includes('source: https://github.com/cri-o/cri-o/releases/tag/v1.26.2'));
      // 1.26.1 is past 1.25.0: the --systemd-cgroup leak (cri-o#6153) is not claimed.
      assert.equal(advisory(j, 'crio-systemd-scope-leak'), undefined);
    } finally {
      host.remove();
    }
  });

  it('CRI-O 1.26.2 (the 1.26 backport) is not affected', () => {
    const host = node({ crio: '1.26.2', crioConf: SYSTEMD_CONF });
    try {
      const j = evidence(host.root);
      assert.equal(j.versions.crio, '1.26.2');
      assert.equal(advisory(j, 'crio-sandbox-cgroup-leak'), undefined, JSON.stringify(j.findings.map((x) => x.title)));
    } finally {
      host.remove();
    }
  });

  it('CRI-O 1.26.1 with cgroup_manager cgroupfs (a drop-in overriding crio.conf) is not affected', () => {
    const host = node({ crio: '1.26.1', crioConf: { ...SYSTEMD_CONF, 'etc/crio/crio.conf.d/10-cgroupfs.conf': '[crio.runtime]\ncgroup_manager = "cgroupfs"\nconmon_cgroup = "pod"\n' } });
    try {
      const j = evidence(host.root);
      assert.equal(j.versions.crio, '1.26.1');
      assert.equal(advisory(j, 'crio-sandbox-cgroup-leak'), undefined, JSON.stringify(j.findings.map((x) => x.title)));
    } finally {
      host.remove();
    }
  });

  it('CRI-O 1.24.6 with systemd: the scope leak (no 1.24 backport) but not the sandbox leak (fixed in 1.24.5); runc 1.1.7 run by it leaves failed units', () => {
    const host = node({ crio: '1.24.6', crioConf: SYSTEMD_CONF, runc: '1.1.7' });
    try {
      const j = evidence(host.root);
      assert.equal(j.versions.runc, '1.1.7');
      assert.ok(advisory(j, 'crio-systemd-scope-leak'));
      assert.equal(advisory(j, 'crio-sandbox-cgroup-leak'), undefined);
      const r = advisory(j, 'runc-failed-unit-not-reset');
      assert.ok(r, JSON.stringify(j.findings.map((x) => x.title)));
      assert.ok(r.evidence.includes('condition met: runc uses the systemd cgroup driver: "systemd" (/etc/crio/crio.conf cgroup_manager = "systemd")'), r.evidence.join('\n'));
      assert.ok(r.evidence.includes('source: https://github.com/opencontainers/runc/pull/3932'));
      // 1.1.7 is past 1.1.6: the UnitExists fix is there; v2 node: the kmem row does not apply.
      assert.equal(advisory(j, 'runc-systemd-unit-exists'), undefined);
      assert.equal(advisory(j, 'runc-kmem-limits-v1'), undefined);
    } finally {
      host.remove();
    }
  });

  it("kubelet's 'Unit ... already exists' and QOS cgroup failures in the node's logs are matched", () => {
    const host = node({
      crio: '1.28.1',
      crioConf: SYSTEMD_CONF,
      files: {
        'var/log/messages': [
          'Nov 26 09:00:00 node-v2-a kubelet[901]: E1126 09:00:00.000000     901 pod_workers.go:190] "Error syncing pod, skipping" err="failed to ensure that the pod: 5ac83c3f-0b16-4cf2-a3cb-f67c19cd0e16 cgroups exist and are correctly applied: failed to create container for [kubepods burstable pod5ac83c3f-0b16-4cf2-a3cb-f67c19cd0e16] : Unit kubepods-burstable-pod5ac83c3f_0b16_4cf2_a3cb_f67c19cd0e16.slice already exists." podUID=5ac83c3f-0b16-4cf2-a3cb-f67c19cd0e16',
          'Nov 26 09:00:01 node-v2-a kubelet[901]: E1126 09:00:01.000000     901 kubelet.go:1559] "Failed to start ContainerManager" err="failed to initialize top level QOS containers: root container [kubepods] doesn\'t exist"',
          '',
        ].join('\n'),
      },
    });
    try {
      const j = evidence(host.root);
      assert.deepEqual(j.logMatches.map((m) => m.signature).sort(), ['kubelet-qos-cgroups-failed', 'systemd-unit-already-exists']);
      assert.ok(j.findings.some((f) => f.kind === 'log-signature' && f.severity === 'critical' && f.title.startsWith("kubelet's container manager could not set up the top level QOS cgroups")));
    } finally {
      host.remove();
    }
  });

  it('the empty run-*.scope rule cites the scope leak (kubernetes#64137, #70324), not the .mount bug', async () => {
    const host = makeFakeHost(v2SystemdHost());
    try {
      const local = new LocalTransport();
      const s = await takeSnapshot(local, { hostRoot: host.root });
      const f = await gatherFacts(local, { hostRoot: host.root });
      assert.ok(s.ok && f.ok);
      const t = analyze(s.value, f.value, { transientScopeThreshold: 2 }).findings.find((x) => x.kind === 'transient-mount-scope-leak');
      assert.ok(t, 'the fixture node has two empty run-*.scope cgroups');
      assert.ok(evidenceLines(t).some((e) => e.includes('kubernetes/kubernetes/issues/64137') && e.includes('kubernetes/kubernetes/issues/70324')), evidenceLines(t).join('\n'));
      assert.ok(!evidenceLines(t).some((e) => e.includes('57345')));
    } finally {
      host.remove();
    }
  });
});
