import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/analysis/forensics';
import { interpretFacts } from '../../src/core/facts/nodeFacts';
import { cleanupScript } from '../../src/core/fixes/cleanupScript';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { CgroupSandbox, cgroupProcs } from '../support/cgroupSandbox';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';

// The cleanup script's systemd branch. systemd cannot run on this machine (PID 1 is not systemd),
// so this is the one place with a stand-in: a stub `systemctl` that knows a list of units and, on
// `stop`, removes the unit's cgroup as systemd would; the script sees /run/systemd/system in a
// mount namespace of its own. The cgroups, the process in one of them and the script are real.
const POD_EMPTY = '01234567-89ab-4cde-8f01-23456789abcd';
const POD_BUSY = 'fedcba98-7654-4321-8fed-cba987654321';
const slice = (uid: string): string => `kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid.replace(/-/g, '_')}.slice`;
const scope = `cri-containerd-${'c'.repeat(64)}.scope`;

const STUB = `#!/bin/sh
# Stand-in for systemctl (see the test): list-units, stop, reset-failed.
cmd=$1; shift
while [ "$1" != -- ] && [ $# -gt 0 ]; do shift; done
[ "$1" = -- ] && shift
unit=$1
case $cmd in
list-units) grep -qxF -- "$unit" "$CF_UNITS" && echo "$unit loaded active active" ;;
stop) echo "stop $unit" >>"$CF_LOG"; find "$CF_SANDBOX" -depth -type d -path "*/$unit*" -exec rmdir {} + 2>/dev/null; find "$CF_SANDBOX" -depth -type d -name "$unit" -exec rmdir {} + ;;
reset-failed) echo "reset-failed $unit" >>"$CF_LOG" ;;
esac
`;

describe('cleanup script: systemd-owned units', function () {
  this.timeout(60_000);
  const v2 = cgroupMounts().v2;
  let box: CgroupSandbox | undefined;
  let dir: string | undefined;
  after(async () => {
    await box?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stops and resets an empty unit systemd knows, and leaves one with a process alone', async function () {
    needs(this, v2 ? cgroupMissing(v2) : 'no cgroup2 mount');
    needs(this, spawnSync('unshare', ['-m', 'true']).status === 0 ? undefined : 'unshare -m is not possible here');
    const runSystemdBefore = existsSync('/run/systemd/system');
    box = CgroupSandbox.create(v2!, 'units');
    box.mkdir(`${slice(POD_EMPTY)}/${scope}`);
    box.mkdir(slice(POD_BUSY));
    const pid = await box.spawnIn(`${slice(POD_BUSY)}/${scope}`);
    const hourAgo = Date.now() / 1000 - 3600;
    for (const rel of [slice(POD_EMPTY), `${slice(POD_EMPTY)}/${scope}`]) utimesSync(join(box.root, rel), hourAgo, hourAgo);

    const s = await takeSnapshot(new LocalTransport(), { cgroupRoot: box.root });
    assert.ok(s.ok, s.ok ? '' : s.error.message);
    const facts = interpretFacts({ found: [{ key: 'ctr-reachable', source: 'ctr', value: 'yes' }], missing: [] });
    const findings = analyze(s.value, facts).findings.filter((f) => f.kind === 'orphaned-pod-cgroup');
    assert.deepEqual(findings.map((f) => f.podUid).sort(), [POD_EMPTY, POD_BUSY].sort());

    dir = mkdtempSync(join(tmpdir(), 'cf-units-'));
    const unitName = (uid: string): string => slice(uid).split('/').pop()!;
    writeFileSync(join(dir, 'units'), `${unitName(POD_EMPTY)}\n${unitName(POD_BUSY)}\n`);
    writeFileSync(join(dir, 'systemctl'), STUB);
    chmodSync(join(dir, 'systemctl'), 0o755);
    const script = join(dir, 'cleanup.sh');
    writeFileSync(script, cleanupScript(findings, { allowedRoots: [v2!] }).content);
    const run = (...args: string[]): { status: number | null; out: string } => {
      const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs cf-run /run && mkdir -p /run/systemd/system && exec sh "$@"', 'sh', script, ...args], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${dir!}:${process.env.PATH ?? ''}`, CF_UNITS: join(dir!, 'units'), CF_LOG: join(dir!, 'log'), CF_SANDBOX: box!.root },
      });
      return { status: r.status, out: r.stdout + r.stderr };
    };
    const dry = run();
    assert.match(dry.out, new RegExp(`would run: systemctl stop ${unitName(POD_EMPTY)}`));
    assert.equal(existsSync(join(dir, 'log')), false, 'a dry run calls no systemctl stop or reset-failed');

    const applied = run('--apply');
    assert.equal(applied.status, 1, applied.out);
    const log = readFileSync(join(dir, 'log'), 'utf8');
    assert.equal(log, `stop ${unitName(POD_EMPTY)}\nreset-failed ${unitName(POD_EMPTY)}\n`);
    assert.match(applied.out, new RegExp(`SKIP \\(unit has processes\\): ${unitName(POD_BUSY)}`));
    // The dry run foretold it line for line (cgroups go before their units are stopped, so what
    // systemctl stop would remove never makes the two runs differ); only the verbs differ.
    const verbs = (out: string): string[] =>
      out
        .trim()
        .split('\n')
        .map((l) =>
          l
            .replace(/^would rmdir: /, 'removed: ')
            .replace(/^would run: systemctl stop (\S+); systemctl reset-failed \S+$/, 'stopped: $1')
            .replace(/^would stop (\d+) unit\(s\), would remove (\d+) cgroup\(s\); (\d+) skipped\..*$/, 'stopped $1 unit(s), removed $2 cgroup(s); $3 skipped, 0 failed.'),
        );
    assert.deepEqual(verbs(dry.out), verbs(applied.out));
    assert.equal(existsSync(join(box.root, slice(POD_EMPTY))), false, 'the stopped unit took its cgroup');
    assert.ok(existsSync(join(box.root, slice(POD_BUSY), scope)));
    assert.deepEqual(cgroupProcs(join(box.root, slice(POD_BUSY), scope)), [pid]);
    assert.equal(existsSync('/run/systemd/system'), runSystemdBefore, 'the machine\'s own /run is untouched');
  });
});
