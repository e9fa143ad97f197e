import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { evidenceArgv } from '../../src/core/evidence/evidenceCommand';
import { parseEvidence } from '../../src/core/evidence/evidenceParser';
import { matchLogLines } from '../../src/core/analysis/logSignatures';
import { removeTree } from '../support/cgroupSandbox';
import { cgroupMissing, cgroupMounts, needs, toolMissing } from '../support/prereq';

// The evidence program against a real systemd-journald. This machine does not run systemd as
// PID 1 and keeps no journal, so the test starts journald itself in a mount namespace of its own
// (a tmpfs over /run holds the socket and the runtime journal; nothing outlives the test), logs a
// line as "kubelet.service" (a process in a cgroup of that name, which journald turns into
// _SYSTEMD_UNIT), and runs the evidence program in the same namespace: journalctl -u kubelet.
const JOURNALD = '/lib/systemd/systemd-journald';
const have = toolMissing;

const HARNESS = `set -e
mount -t tmpfs cf-run /run
mkdir -p /run/systemd/journal /run/log/journal
"$1" & J=$!
i=0; while [ ! -S /run/systemd/journal/stdout ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
# The logger lives in the kubelet.service cgroup until journald has read its lines.
sh -c 'echo $$ > "$1/cgroup.procs"; exec systemd-cat -t kubelet sh -c "printf \\"%s\\\\n%s\\\\n\\" \\"\\$0\\" \\"\\$1\\"; sleep 1.5" "$2" "$3"' sh "$2" "$3" "$4"
shift 4
"$@" || true
kill $J; wait $J 2>/dev/null || true
`;

describe('evidence program with a real journald', function () {
  this.timeout(60_000);

  it('reads kubelet lines with journalctl -u kubelet and matches the signature', async function () {
    const v2 = cgroupMounts().v2;
    needs(this, process.getuid?.() !== 0 ? 'needs root' : existsSync(JOURNALD) ? (have('unshare') ?? have('systemd-cat') ?? have('journalctl') ?? (v2 === undefined ? 'no cgroup2 mount' : cgroupMissing(v2))) : `${JOURNALD} is not installed`);
    // journald names the unit from the cgroup path: a slice of the test's own, then kubelet.service.
    const slice = join(v2!, `cf-journal-${process.pid}-${randomBytes(4).toString('hex')}.slice`);
    const unit = join(slice, 'kubelet.service');
    mkdirSync(unit, { recursive: true });
    const uid = '32828c49-a053-11e8-a528-5254eec04736';
    const orphan = `E1126 10:00:00.000000 901 kubelet_volumes.go:154] Orphaned pod "${uid}" found, but volume paths are still present on disk`;
    try {
      const child = spawn('unshare', ['-m', 'sh', '-c', HARNESS, 'sh', JOURNALD, unit, orphan, 'I1126 Started kubelet', ...evidenceArgv({ maxLines: 100 })], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      assert.equal(code, 0, err);
      const e = parseEvidence(out);
      assert.ok(e.complete, out);
      assert.ok(!e.missing.some((m) => m.key === 'journal'), JSON.stringify(e.missing));
      assert.deepEqual(e.sources.map((s) => s.source).slice(0, 4), ['journalctl -u kubelet', 'journalctl -u containerd', 'journalctl -u crio', 'journalctl -k']);
      const kubelet = e.lines.filter((l) => l.source === 'journalctl -u kubelet');
      assert.equal(kubelet.length, 1, JSON.stringify(e.lines));
      assert.match(kubelet[0]!.line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} \S+ kubelet\[\d+\]: E1126 .*Orphaned pod/);
      const [m] = matchLogLines(kubelet, { now: e.now, uptimeSeconds: e.uptimeSeconds });
      assert.equal(m?.signature, 'orphaned-pod');
      assert.deepEqual(m.podUids, [uid]);
      assert.ok(m.time !== undefined && Math.abs(m.time - e.now * 1000) < 120_000, 'the journal time is now');
    } finally {
      removeTree(slice);
    }
  });
});
