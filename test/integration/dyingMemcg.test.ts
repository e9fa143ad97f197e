import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDying } from '../../src/core/analysis/dying';
import { memcgIdVerdict } from '../../src/core/analysis/memcgIds';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { evidenceLines } from '../../src/core/analysis/evidence';

// Real dying memory cgroups: a process in a v1 memory cgroup writes a file, so the page cache is
// charged to it; the process ends and the cgroup is removed, but the kernel keeps it (dying) while
// the pages it was charged for stay cached. The finding counts them from /proc/cgroups minus the
// live directories of a walk of the whole memory hierarchy, and says what they cost on this kernel.
const N = 12;

describe('dying memory cgroups on the real kernel (v1)', function () {
  this.timeout(60_000);
  const memory = cgroupMounts().v1.get('memory');
  let box: CgroupSandbox | undefined;
  let dir: string | undefined;
  after(async () => {
    await box?.cleanup();
    // Dropping the files uncharges their pages: the dying cgroups can then be freed.
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const dyingNow = async (): Promise<{ dying: number; evidence: string[] }> => {
    const r = await takeSnapshot(new LocalTransport(), { cgroupRoot: memory! });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const f = findDying(r.value).find((x) => x.title.includes('memory hierarchy'));
    return { dying: f ? Number(/^(\d+)/.exec(f.title)![1]) : 0, evidence: f ? evidenceLines(f) : [] };
  };

  it('counts the memory cgroups made dying here, with what they cost on this kernel (IDs or memory)', async function () {
    needs(this, memory ? cgroupMissing(memory) : 'no v1 memory controller mounted');
    box = CgroupSandbox.create(memory!, 'dying');
    // The file's pages (page cache, or shmem on a tmpfs) are charged to the cgroup that wrote them.
    dir = mkdtempSync(join(tmpdir(), 'cf-dying-'));
    const before = await dyingNow();
    for (let i = 0; i < N; i++) {
      const cg = join(box.root, `m${i}`);
      mkdirSync(cg);
      execFileSync('sh', ['-c', 'echo $$ > "$1/cgroup.procs" && dd if=/dev/zero of="$2" bs=64k count=4 2>/dev/null', 'sh', cg, join(dir, `f${i}`)]);
      rmdirSync(cg);
    }
    const after = await dyingNow();
    // Other work on this machine may free or make dying memory cgroups meanwhile, but not
    // free ours: their pages are still cached.
    assert.ok(after.dying - before.dying >= N - 2, `dying before ${before.dying}, after ${after.dying}, made ${N}`);
    assert.ok(after.evidence.some((e) => /^\/proc\/cgroups: memory num_cgroups \d+; live directories under .*memory: \d+$/.test(e)), after.evidence.join('\n'));
    // What they cost depends on this kernel (analysis/memcgIds.ts): memcg IDs before 4.7, memory after.
    const release = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
    const ids = memcgIdVerdict(release).ids;
    assert.ok(after.evidence.some((e) => e.startsWith(`memcg IDs: ${ids} on this kernel: kernel ${release}`)), after.evidence.join('\n'));
    if (ids === 'held') assert.ok(after.evidence.some((e) => /of the kernel's 65535 memcg IDs; headroom \d+;/.test(e)));
    else assert.ok(!after.evidence.some((e) => /headroom \d/.test(e)), 'no ID headroom where dying memcgs give their IDs back');
    // The memory they hold, from this machine's /proc/meminfo as the probe read it.
    assert.ok(after.evidence.some((e) => /^\/proc\/meminfo: SUnreclaim .* of MemTotal/.test(e)), after.evidence.join('\n'));
  });
});
