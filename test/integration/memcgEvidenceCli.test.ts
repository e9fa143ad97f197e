import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { v1CgroupfsHost, v2SystemdHost } from '../fixtures/hosts/specs';
import { makeFakeHost, type FakeHostSpec } from '../support/fakeHost';

// The dying-memcg verdict end to end: the built CLI's `evidence --json` on fake nodes read with
// --host-root (the real probe, facts and evidence programs read them). A 6.x node with 64,000 dying
// memory cgroups gets a finding about memory, not memcg IDs; a 3.10 (RHEL 7) node near 65,535
// gets the ID finding; both carry the kernel commits as sources; a failed cgroup mkdir in the
// node's log makes the 6.x finding critical.
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');

interface Json {
  findings: { kind: string; severity: string; title: string; evidence: string[] }[];
  logMatches: { signature: string }[];
  versions: Record<string, string>;
}

function evidence(spec: FakeHostSpec): { status: number | null; json: Json; stderr: string } {
  const host = makeFakeHost(spec);
  try {
    const r = spawnSync(process.execPath, [cli, 'evidence', '--host-root', host.root, '--json', '--since', '@0'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    return { status: r.status, json: JSON.parse(r.stdout || '{}') as Json, stderr: r.stderr };
  } finally {
    host.remove();
  }
}

const memoryDying = (j: Json): Json['findings'][number] => {
  const f = j.findings.find((x) => x.kind === 'dying-cgroups' && /memory cgroups/.test(x.title));
  assert.ok(f, JSON.stringify(j.findings.map((x) => x.title)));
  return f;
};

function v2With64kDying(): FakeHostSpec {
  const spec = v2SystemdHost();
  const root = spec.cgroups['/sys/fs/cgroup']!['/']!;
  root['cgroup.stat'] = root['cgroup.stat']!.replace(/nr_dying_descendants \d+/, 'nr_dying_descendants 64000');
  spec.files = { ...spec.files, 'proc/cgroups': spec.files!['proc/cgroups']!.replace(/^memory\t0\t\d+\t1$/m, 'memory\t0\t64088\t1') };
  return spec;
}

describe('evidence --json: the dying-memcg verdict follows the kernel', function () {
  this.timeout(120_000);
  before(() => {
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
  });

  it('a 6.x node with 64,000 dying memory cgroups: a memory finding, not an ID finding, with the kernel commits as sources', () => {
    const r = evidence(v2With64kDying());
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.json.versions.kernel, '6.1.0-27-amd64');
    const f = memoryDying(r.json);
    assert.equal(f.title, '64000 dying cgroup(s) in the unified hierarchy (memory cgroups: they hold memory, not memcg IDs, on this kernel, unreclaimable kernel memory 1.4% of MemTotal)');
    assert.equal(f.severity, 'warning');
    assert.ok(!f.evidence.some((e) => /headroom \d|of the kernel's 65535/.test(e)), f.evidence.join('\n'));
    assert.ok(f.evidence.includes('source: https://git.kernel.org/torvalds/c/73f576c04b94 (first in v4.7; stable 4.4.18, 4.6.6)'), f.evidence.join('\n'));
    assert.ok(f.evidence.includes('source: https://git.kernel.org/torvalds/c/11d6761218d1 (first in v5.7; stable 5.4.41, 5.6.13)'));
    assert.ok(f.evidence.some((e) => e.startsWith('/proc/meminfo: SUnreclaim 205 MiB, Percpu 24.0 MiB, Slab 598 MiB, MemTotal 15.6 GiB;')), f.evidence.join('\n'));
  });

  it('a 3.10 (RHEL 7) node near 65,535 memory cgroups: the ID finding, critical, with its sources', () => {
    const spec = v1CgroupfsHost();
    spec.files = { ...spec.files, 'proc/cgroups': spec.files!['proc/cgroups']!.replace(/^memory\t5\t4012\t1$/m, 'memory\t5\t64012\t1') };
    const r = evidence(spec);
    assert.equal(r.status, 1, r.stderr);
    const f = memoryDying(r.json);
    assert.equal(f.severity, 'critical');
    assert.equal(f.title, '64000 dying cgroup(s) in the memory hierarchy (memory cgroups: on this kernel live and dying share the 65535 memcg IDs, 1523 left)');
    assert.ok(f.evidence.some((e) => e.startsWith("memory cgroups in use (live + dying): 64012 of the kernel's 65535 memcg IDs; headroom 1523;")), f.evidence.join('\n'));
    assert.ok(f.evidence.some((e) => e.startsWith('memcg IDs: held on this kernel: kernel 3.10.0-1160.el7.x86_64 is RHEL/CentOS 7')));
    assert.ok(f.evidence.includes('source: https://git.kernel.org/torvalds/c/73f576c04b94 (first in v4.7; stable 4.4.18, 4.6.6)'));
    assert.ok(f.evidence.some((e) => e.startsWith('source: RHEL 7 backport of 73f576c04b94 unconfirmed')));
  });

  it("a failed cgroup mkdir in the node's log makes the 6.x finding critical, and the line is reported", () => {
    const spec = v2With64kDying();
    // kubernetes/kubernetes#96701's kubelet line, as syslog writes it.
    spec.files!['var/log/messages'] = 'Nov 19 10:00:00 node-v2-a kubelet[901]: E1119 10:00:00.000000 901 pod_workers.go:191] unable to ensure pod container exists: failed to create container for [kubepods besteffort podbfeaeabc-c36c-4a99-87b2-881b379de2c9] : mkdir /sys/fs/cgroup/memory/kubepods/besteffort/podbfeaeabc-c36c-4a99-87b2-881b379de2c9: cannot allocate memory\n';
    const r = evidence(spec);
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(r.json.logMatches.map((m) => m.signature), ['cgroup-mkdir-enomem']);
    const f = memoryDying(r.json);
    assert.equal(f.severity, 'critical');
    assert.ok(f.evidence.some((e) => e.startsWith('1 failed cgroup mkdir(s) in the logs (cgroup-mkdir-enomem): new memory cgroups could not be made')), f.evidence.join('\n'));
  });
});
