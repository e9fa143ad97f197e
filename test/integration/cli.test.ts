import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HOSTS } from '../fixtures/hosts/specs';
import { makeFakeHost } from '../support/fakeHost';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';

// The built CLI (dist/cli.js, as `npm test` builds it first) run as a user runs it.
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cgroup-forensics CLI', function () {
  this.timeout(60_000);
  before(() => {
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
  });

  it('scans this node with no set-up and prints a summary', () => {
    const r = run(['scan']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Node .+/);
    assert.match(r.stdout, /Cgroup layout: (hybrid|cgroup v2|cgroup v1)/);
    assert.match(r.stdout, /HIERARCHY +KIND +CGROUPS +DYING/);
    // Not a terminal: no progress line, no escape codes.
    assert.doesNotMatch(r.stderr, /\x1b/);
  });

  it('writes a snapshot as JSON that tree --from reads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cf-cli-'));
    try {
      const file = join(dir, 'node.json');
      const r = run(['scan', '--json', '-o', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      const j = JSON.parse(readFileSync(file, 'utf8')) as { schema: string; hierarchies: unknown[] };
      assert.equal(j.schema, 'cgroup-forensics/snapshot@1');
      assert.ok(j.hierarchies.length > 0);
      const t = run(['tree', '--from', file, '--depth', '1']);
      assert.equal(t.code, 0, t.stderr);
      assert.match(t.stdout, /^\/sys\/fs\/cgroup/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows a node filesystem under --host-root with Kubernetes names and escaped hostile names', () => {
    const host = makeFakeHost(HOSTS['v2-systemd']!());
    try {
      const r = run(['scan', '--host-root', host.root]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Node node-v2-a, kernel 6\.1\.0-27-amd64/);
      assert.match(r.stdout, /pods: 4 \(guaranteed 1, burstable 2, besteffort 1\)/);
      assert.match(r.stdout, /Transient mount scopes \(run-\*\.scope\): 2/);
      const t = run(['tree', '/hostile', '--host-root', host.root]);
      assert.equal(t.code, 0, t.stderr);
      assert.match(t.stdout, /├─new\\nline/);
      assert.match(t.stdout, /esc\\x1b\[31mred/);
      assert.match(t.stdout, /bad\\xff\\xfeutf8/);
      // No raw control byte reaches the terminal.
      assert.doesNotMatch(t.stdout.replace(/\n/g, ''), /[\x00-\x08\x0b-\x1f\x7f]/);
      const k = run(['tree', '/kubepods.slice', '--host-root', host.root, '--depth', '1']);
      assert.match(k.stdout, /kubepods-burstable\.slice .*<burstable pods>/);
    } finally {
      host.remove();
    }
  });

  it('walks a real sub-tree with --cgroup-root and prints it as a tree', async function () {
    const { v2 } = cgroupMounts();
    needs(this, v2 ? cgroupMissing(v2) : 'no cgroup2 mount');
    const box = CgroupSandbox.create(v2!, 'cli');
    try {
      const u = randomBytes(16).toString('hex');
      const uid = `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20)}`;
      box.mkdir(`kubepods/burstable/pod${uid}/${'c'.repeat(64)}`);
      await box.spawnIn(`kubepods/burstable/pod${uid}/${'c'.repeat(64)}`);
      const r = run(['tree', '--cgroup-root', box.root]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`pod${uid} .*<pod ${uid} \\(burstable\\)>`));
      assert.match(r.stdout, /cccccccccccc.*procs 1.*<container cccccccccccc \(unknown\)/);
      const s = run(['scan', '--cgroup-root', box.root]);
      assert.match(s.stdout, /pods: 1 \(guaranteed 0, burstable 1, besteffort 0\)/);
    } finally {
      await box.cleanup();
    }
  });

  it('walks a --cgroup-root below a --host-root: the node\'s mount table places it as the node sees it', async function () {
    const { v2 } = cgroupMounts();
    needs(this, v2 ? cgroupMissing(v2) : 'no cgroup2 mount');
    const box = CgroupSandbox.create(v2!, 'hostcg');
    const dir = mkdtempSync(join(tmpdir(), 'cf-hostcg-'));
    try {
      box.mkdir('a/b');
      // The node's / seen at DIR/host, as a pod sees it at /host: bound in a mount namespace of the
      // test's own (private, so nothing of it reaches this machine's mounts).
      const host = join(dir, 'host');
      const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mkdir -p "$1" && mount --rbind / "$1" && shift && exec "$@"', 'sh', host, process.execPath, cli, 'tree', '--host-root', host, '--cgroup-root', join(host, box.root)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^\S*a\b[^\n]*\n\S*\s+\S*b\b/m, r.stdout);
    } finally {
      // Never recursive: were the bind mount visible here, rmdir fails (busy, not empty) instead of
      // walking into this machine's /.
      rmdirSync(join(dir, 'host'), { recursive: false });
      rmdirSync(dir);
      await box.cleanup();
    }
  });

  it('fix cleanup read below a --host-root names the node\'s paths, and `chroot HOST sh` runs it there: the dry run foretells, --apply removes the orphan', async function () {
    const { v2 } = cgroupMounts();
    needs(this, v2 ? cgroupMissing(v2) : 'no cgroup2 mount');
    const box = CgroupSandbox.create(v2!, 'hostclean');
    const dir = mkdtempSync(join(tmpdir(), 'cf-hostclean-'));
    const host = join(dir, 'host');
    try {
      const u = randomBytes(16).toString('hex');
      const uid = `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20)}`;
      const orphan = box.mkdir(`kubepods/besteffort/pod${uid}`);
      const live = `${'d'.repeat(8)}-1111-2222-3333-444444444444`;
      await box.spawnIn(`kubepods/besteffort/pod${live}/c`); // a pod with a process: never removed
      mkdirSync(join(dir, 'kubelet', 'pods'), { recursive: true }); // kubelet knows no pod here
      writeFileSync(join(dir, 'containerd.sock'), ''); // no containerd: refused at once
      // The node's / at DIR/host, as a pod sees it at /host, in a mount namespace of the test's own
      // (private: nothing of it reaches this machine's mounts); the same namespace runs the script
      // as the document says, chroot'ed into that host root.
      const inHost = (...argv: string[]) => spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mkdir -p "$1" && mount --rbind / "$1" && shift && exec "$@"', 'sh', host, ...argv], { encoding: 'utf8' });
      const fix = inHost(process.execPath, cli, 'fix', 'cleanup', '--no-kube', '--host-root', host, '--cgroup-root', join(host, box.root), '--kubelet-dir', join(dir, 'kubelet'), '--containerd-address', join(dir, 'containerd.sock'), '--grace', '0');
      assert.equal(fix.status, 0, fix.stderr);
      // The node's paths: the empty orphan, and the live-looking pod (kubelet knows no pod here)
      // whose cgroup holds a process, so the script skips it when it runs.
      const rm = fix.stdout.split('\n').filter((l) => l.startsWith('rm_cgroup '));
      assert.ok(rm.includes(`rm_cgroup ${orphan} ${orphan}`), fix.stdout);
      assert.equal(rm.length, 3, fix.stdout);
      assert.ok(rm.every((l) => l.startsWith(`rm_cgroup ${box.root}/`)), fix.stdout);
      // (The evidence comments say where the node was read: they may name the host root.)
      const code = fix.stdout.split('\n').filter((l) => !l.startsWith('#'));
      assert.deepEqual(code.filter((l) => l.includes(`${host}/`)), [], 'no command names the pod\'s view of the node');
      assert.match(fix.stdout, new RegExp(`chroot ${host} sh cleanup.sh`));
      const script = join(dir, 'cleanup.sh');
      writeFileSync(script, fix.stdout);
      const dry = inHost('chroot', host, 'sh', script);
      assert.match(dry.stdout, /would stop 0 unit\(s\), would remove 1 cgroup\(s\); 2 skipped/, dry.stdout + dry.stderr);
      assert.ok(existsSync(orphan), 'a dry run removes nothing');
      const applied = inHost('chroot', host, 'sh', script, '--apply');
      assert.match(applied.stdout, /stopped 0 unit\(s\), removed 1 cgroup\(s\); 2 skipped, 0 failed/, applied.stdout + applied.stderr);
      assert.equal(applied.status, 1, 'a skipped cgroup is not a clean run');
      assert.ok(!existsSync(orphan), 'the orphan is gone from the real cgroup tree');
      assert.ok(existsSync(join(box.root, `kubepods/besteffort/pod${live}/c`)), 'the pod with a process stays');
    } finally {
      // Never recursive into the host: were the bind mount visible here, rmdir fails (busy).
      if (existsSync(host)) rmdirSync(host, { recursive: false });
      rmSync(dir, { recursive: true, force: true });
      await box.cleanup();
    }
  });

  it('fails with one clear line and a documented status on bad input', () => {
    const notCgroup = run(['scan', '--cgroup-root', tmpdir()]);
    assert.equal(notCgroup.code, 3);
    assert.equal(notCgroup.stderr, `cgroup-forensics: ${tmpdir()}: not on a cgroup filesystem\n`);
    const missing = run(['scan', '--cgroup-root', '/nonexistent/dir']);
    assert.equal(missing.code, 3);
    assert.equal(missing.stderr, 'cgroup-forensics: /nonexistent/dir: no such directory\n');
    const file = run(['scan', '--cgroup-root', '/proc/cmdline']);
    assert.equal(file.code, 3);
    assert.equal(file.stderr, 'cgroup-forensics: /proc/cmdline: not a directory\n');
    const noHost = run(['scan', '--host-root', '/nonexistent/host']);
    assert.equal(noHost.code, 3);
    assert.equal(noHost.stderr, 'cgroup-forensics: /nonexistent/host: cannot read the mount table (/proc/self/mountinfo)\n');
    const dir = mkdtempSync(join(tmpdir(), 'cf-cli-'));
    try {
      writeFileSync(join(dir, 'x.json'), '{"schema":"other"}');
      const wrong = run(['tree', '--from', join(dir, 'x.json')]);
      assert.equal(wrong.code, 3);
      assert.match(wrong.stderr, /not a cgroup-forensics snapshot/);
      assert.equal(run(['tree', '--from', join(dir, 'absent.json')]).code, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(run(['tree', '/no/such/cgroup']).code, 3);
  });

  it('says "permission denied" when the user may not read the directory', async function () {
    const { v2 } = cgroupMounts();
    needs(this, v2 ? cgroupMissing(v2) : 'no cgroup2 mount');
    const box = CgroupSandbox.create(v2!, 'perm');
    try {
      box.mkdir('locked/inner');
      chmodSync(join(box.root, 'locked'), 0o700);
      // As nobody (uid 65534), who cannot enter a root-owned 0700 directory.
      const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, 'scan', '--cgroup-root', join(box.root, 'locked')], { encoding: 'utf8' });
      assert.equal(r.status, 3, r.stderr);
      assert.equal(r.stderr, `cgroup-forensics: ${join(box.root, 'locked')}: permission denied\n`);
      // Below a directory the user may not search, a path is hidden, not missing.
      const below = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, 'scan', '--cgroup-root', join(box.root, 'locked', 'inner')], { encoding: 'utf8' });
      assert.equal(below.status, 3, below.stderr);
      assert.equal(below.stderr, `cgroup-forensics: ${join(box.root, 'locked', 'inner')}: permission denied\n`);
      const absent = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, 'scan', '--cgroup-root', join(box.root, 'absent', 'x')], { encoding: 'utf8' });
      assert.equal(absent.stderr, `cgroup-forensics: ${join(box.root, 'absent', 'x')}: no such directory\n`);
      // Scanning its parent works, and the unreadable part is a warning, not a failure.
      const p = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, 'scan', '--cgroup-root', box.root], { encoding: 'utf8' });
      assert.equal(p.status, 0, `${p.stderr} (the sandbox's mode: ${(statSync(box.root).mode & 0o7777).toString(8)})`);
      assert.match(p.stdout, /warning: 1 directory could not be read: permission denied/);
    } finally {
      await box.cleanup();
    }
  });

  it('refuses bad usage with status 2 and points to --help', () => {
    for (const args of [[], ['frobnicate'], ['scan', '--nope'], ['tree', '--depth', 'abc'], ['scan', 'extra'], ['tree', '--hierarchy', 'nope']]) {
      const r = run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      // One line, naming where help is, with quotes that pair.
      assert.match(r.stderr, /^cgroup-forensics: [^\n]+ \(see 'cgroup-forensics (\w+ )?--help'\)\n$/);
      assert.equal((r.stderr.match(/'/g) ?? []).length % 2, 0, r.stderr);
    }
    const h = run(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Usage: cgroup-forensics COMMAND/);
    assert.match(run(['tree', '--help']).stdout, /--hierarchy NAME/);
    assert.match(run(['--version']).stdout, /^cgroup-forensics \d+\.\d+\.\d+\n$/);
  });
});
