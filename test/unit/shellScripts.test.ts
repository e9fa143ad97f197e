import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Finding } from '../../src/core/analysis/finding';
import { cleanupScript } from '../../src/core/fixes/cleanupScript';
import { staticFix } from '../support/staticFix';
import { needs, toolMissing } from '../support/prereq';
import { note } from '../../src/core/analysis/evidence';

// The shell scripts operators run (the cleanup script, the node-problem-detector check) as their
// real consumers read them: dash and busybox sh parse them (-n), shellcheck finds nothing at
// warning level. Hostile names ride in the cleanup script as the scan would give them.
const ROOT = '/sys/fs/cgroup/unified';
const hostile = ["a b", "it's", '$(touch x)', '`id`', 'semi;colon', 'glob*?[', 'tab\there', 'back\\slash', 'ÿ\xff'];
const orphan = (n: number, known?: string): Finding => ({
  kind: 'orphaned-pod-cgroup',
  severity: known ? 'info' : 'warning',
  confidence: known ? 'low' : 'high',
  title: `orphaned pod cgroup ${n} $(id)`,
  cgroups: hostile.map((h) => ({ hierarchy: 'unified', path: `/kubepods/pod-${n}/${h}`, dir: `${ROOT}/kubepods/pod-${n}/${h}` })),
  evidence: [note('no source knows it; `x` "y"')],
  ...(known ? { knownToApi: known } : {}),
  processes: 0,
});

const scripts = (): [string, string][] => [
  ['cleanup', cleanupScript([orphan(1), orphan(2, 'default/web-1'), { ...orphan(3), kind: 'failed-systemd-unit', unit: 'cri-containerd-x.scope' }], { allowedRoots: [ROOT], generatedFor: 'node-17' }).content],
  // Read below a host root (a pod's /host): the node's paths, and a chroot hint in the header.
  ['cleanup below a host root', cleanupScript([{ ...orphan(4), cgroups: orphan(4).cgroups.map((c) => ({ ...c, dir: `/host '$x${c.dir}` })) }], { allowedRoots: [`/host '$x${ROOT}`], hostRoot: "/host '$x" }).content],
  ['npd', staticFix('npd').find((d) => d.targetPath?.endsWith('.sh'))!.content],
];

describe('generated shell scripts', () => {
  for (const sh of [['dash'], ['busybox', 'sh']]) {
    it(`parse with ${sh.join(' ')} -n`, function () {
      needs(this, toolMissing(sh[0]!));
      for (const [name, text] of scripts()) {
        const r = spawnSync(sh[0]!, [...sh.slice(1), '-n'], { input: text, encoding: 'utf8' });
        assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      }
    });
  }

  it('shellcheck -S warning finds nothing', function () {
    needs(this, toolMissing('shellcheck'));
    for (const [name, text] of scripts()) {
      const r = spawnSync('shellcheck', ['-S', 'warning', '-s', 'sh', '-'], { input: text, encoding: 'utf8' });
      assert.equal(r.status, 0, `${name}:\n${r.stdout}`);
    }
  });
});
