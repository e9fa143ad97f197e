import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CgroupSandbox, cgroupProcs } from '../support/cgroupSandbox';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';

// `cgroup-forensics diff` (the built CLI) on two real snapshots of a real cgroup tree taken before
// and after the test adds and removes cgroups and ends a pod's only process; and against a live scan.
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const slicePod = (uid: string): string => `kubepods-burstable-pod${uid.replace(/-/g, '_')}.slice`;

describe('cgroup-forensics diff on a real cgroup tree', function () {
  this.timeout(120_000);
  let box: CgroupSandbox | undefined;
  let dir = '';

  before(function () {
    const v2 = cgroupMounts().v2;
    needs(this, v2 === undefined ? 'no cgroup2 mount' : cgroupMissing(v2));
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
    box = CgroupSandbox.create(v2!, 'diff');
    dir = mkdtempSync(join(tmpdir(), 'cf-diff-'));
  });
  after(async () => {
    await box?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('names what was added and removed, the pods that went empty, in text and JSON; exit 1, and 0 when nothing changed', async () => {
    const b = box!;
    const top = `/${b.root.slice(b.root.lastIndexOf('/') + 1)}`;
    const burstable = '/kubepods.slice/kubepods-burstable.slice';
    const busyPod = randomUUID();
    const newPod = randomUUID();
    const ctr = `${burstable}/${slicePod(busyPod)}/cri-containerd-${randomBytes(32).toString('hex')}.scope`;
    const pid = await b.spawnIn(ctr);
    for (let i = 0; i < 3; i++) b.mkdir(`/system.slice/old-${i}.scope`);
    const oldFile = join(dir, 'old.json');
    const newFile = join(dir, 'new.json');
    let r = run(['scan', '--json', '--cgroup-root', b.root, '-o', oldFile]);
    assert.equal(r.code, 0, r.stderr);

    rmdirSync(join(b.root, 'system.slice', 'old-1.scope'));
    b.mkdir('/system.slice/new-a.scope');
    b.mkdir(`${burstable}/${slicePod(newPod)}`);
    // The busy pod's only process ends; its cgroups stay, as a leaked pod's do.
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && cgroupProcs(join(b.root, ctr)).length; i++) await new Promise((res) => setTimeout(res, 20));
    r = run(['scan', '--json', '--cgroup-root', b.root, '-o', newFile]);
    assert.equal(r.code, 0, r.stderr);

    r = run(['diff', oldFile, newFile]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^from \S+ to \S+ \(\d+ s apart\)/);
    assert.match(r.stdout, /unified \(v2\): (\d+) -> \d+ cgroups, 2 added, 1 removed/);
    assert.ok(r.stdout.includes(`  + ${top}/system.slice/new-a.scope\n`), r.stdout);
    assert.ok(r.stdout.includes(`  + ${top}${burstable}/${slicePod(newPod)}\n`), r.stdout);
    assert.ok(r.stdout.includes(`  - ${top}/system.slice/old-1.scope\n`), r.stdout);
    assert.ok(r.stdout.includes(`  unified  ${top}/system.slice  +1 -1\n`), r.stdout);
    assert.ok(r.stdout.includes(`${newPod}  new, already empty`), r.stdout);
    assert.ok(r.stdout.includes(`${busyPod}  emptied since`), r.stdout);

    r = run(['diff', oldFile, newFile, '--json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout) as { schema: string; changed: boolean; hierarchies: { hierarchy: string; added: string[]; removed: string[] }[]; newOrphanLookingPods: { podUid: string; change: string }[] };
    assert.equal(j.schema, 'cgroup-forensics/diff@1');
    assert.equal(j.changed, true);
    const u = j.hierarchies.find((h) => h.hierarchy === 'unified')!;
    assert.deepEqual(u.added, [`${top}${burstable}/${slicePod(newPod)}`, `${top}/system.slice/new-a.scope`]);
    assert.deepEqual(u.removed, [`${top}/system.slice/old-1.scope`]);
    assert.deepEqual(j.newOrphanLookingPods.map((p) => [p.podUid, p.change]).sort(), [[busyPod, 'emptied'], [newPod, 'new']].sort());

    // NEW defaults to a scan now, with the usual source options.
    b.mkdir('/system.slice/later.scope');
    r = run(['diff', oldFile, '--cgroup-root', b.root]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stdout.includes(`  + ${top}/system.slice/later.scope\n`), r.stdout);

    // A snapshot against itself: nothing changed. The extension keeps them gzip-compressed: read too.
    writeFileSync(`${newFile}.gz`, gzipSync(readFileSync(newFile)));
    r = run(['diff', newFile, `${newFile}.gz`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no cgroup was added or removed/);
  });

  it('exit 2 on bad usage, 3 when a snapshot file cannot be read', () => {
    const oldFile = join(dir, 'old.json');
    assert.equal(run(['diff']).code, 2);
    assert.equal(run(['diff', oldFile, oldFile, oldFile]).code, 2);
    assert.equal(run(['diff', oldFile, oldFile, '--cgroup-root', '/sys/fs/cgroup']).code, 2);
    assert.equal(run(['diff', oldFile, '--from', oldFile]).code, 2);
    const missing = run(['diff', join(dir, 'missing.json'), oldFile]);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /^cgroup-forensics: cannot read .*missing\.json: no such file\n$/);
    writeFileSync(join(dir, 'bad.json'), '{"schema":"x"}');
    const bad = run(['diff', oldFile, join(dir, 'bad.json')]);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /not a cgroup-forensics snapshot/);
  });
});
