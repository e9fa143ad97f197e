import assert from 'node:assert/strict';
import { analyze } from '../../src/core/analysis/forensics';
import type { Finding } from '../../src/core/analysis/finding';
import { gatherFacts } from '../../src/core/facts/gatherFacts';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { v1CgroupfsHost } from '../fixtures/hosts/specs';
import { makeFakeHost } from '../support/fakeHost';
import { evidenceLines } from '../../src/core/analysis/evidence';

// release_agent's severity follows who could have written it (CVE-2022-0492; the kernel fix
// 24f600856418 is in 5.17). Fake node roots only: the facts program and the probe read a
// release_agent file laid out in a temporary directory; nothing here writes a real one.

async function releaseAgentFindings(kernel: string, files: Record<string, string>, procCgroups?: string): Promise<Finding[]> {
  const spec = v1CgroupfsHost();
  spec.files = { ...spec.files, 'proc/sys/kernel/osrelease': `${kernel}\n`, 'sys/fs/cgroup/systemd/release_agent': '/lib/systemd/systemd-cgroups-agent\n', ...files };
  if (procCgroups) spec.files['proc/cgroups'] = procCgroups;
  const host = makeFakeHost(spec);
  try {
    const s = await takeSnapshot(new LocalTransport(), { hostRoot: host.root });
    const f = await gatherFacts(new LocalTransport(), { hostRoot: host.root });
    assert.ok(s.ok && f.ok);
    return analyze(s.value, f.value).findings.filter((x) => x.kind === 'release-agent-set');
  } finally {
    host.remove();
  }
}

const AGENT = 'sys/fs/cgroup/memory/release_agent';
// /proc/cgroups of the v1 fixture with rdma attached to hierarchy 12, which no host mount shows.
const WITH_RDMA = '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t3\t12\t1\ncpuacct\t3\t12\t1\nmemory\t5\t12\t1\npids\t8\t12\t1\nrdma\t12\t2\t1\n';

describe('release_agent: severity by who could have written it', function () {
  this.timeout(30_000);

  it('set on a 5.17+ kernel: info, set by the host; the fix is the source', async () => {
    for (const kernel of ['5.17.0', '6.1.0-27-amd64']) {
      const [f, ...rest] = await releaseAgentFindings(kernel, { [AGENT]: '/usr/local/sbin/cgroup-release\n' });
      assert.equal(rest.length, 0);
      assert.equal(f!.severity, 'info', kernel);
      assert.equal(f!.title, 'a cgroup v1 release_agent is set (/sys/fs/cgroup/memory/release_agent), by the host: this kernel lets no container set it');
      assert.ok(evidenceLines(f!).some((e) => e.startsWith('source: https://git.kernel.org/torvalds/c/24f600856418 (CVE-2022-0492; first in v5.17')));
      assert.ok(evidenceLines(f!).includes('not visible from the node: which process set an agent, and which containers have a v1 hierarchy mounted writable'));
    }
  });

  it('set on a kernel before 5.17: warning, a container may have set it (5.16 vs 5.17)', async () => {
    const [f] = await releaseAgentFindings('5.16.20', { [AGENT]: '/usr/local/sbin/cgroup-release\n' });
    assert.equal(f!.severity, 'warning');
    assert.ok(evidenceLines(f!).some((e) => e.startsWith('kernel 5.16.20 predates 5.17: unless it carries a stable backport of 24f600856418 (unconfirmed for this build)')), evidenceLines(f!).join('\n'));
  });

  it("an agent inside a container's filesystem: critical on any kernel, the escape's signature", async () => {
    const [f] = await releaseAgentFindings('6.1.0-27-amd64', { [AGENT]: '/var/lib/docker/overlay2/8a65cb234767/diff/cmd\n' });
    assert.equal(f!.severity, 'critical');
    assert.match(f!.title, /runs a file inside a container's filesystem .*CVE-2022-0492 escape pattern/);
  });

  it("systemd's own agent on its hierarchy is no finding", async () => {
    assert.deepEqual(await releaseAgentFindings('4.19.0-26-amd64', {}), []);
  });

  it('a v1 hierarchy attached outside the host mount table: a warning where the kernel may let a container set its agent, nothing on 5.17+', async () => {
    const [f] = await releaseAgentFindings('4.19.0-26-amd64', {}, WITH_RDMA);
    assert.equal(f!.severity, 'warning');
    assert.match(f!.title, /^a cgroup v1 hierarchy \(rdma\) is attached outside the host's mount table/);
    assert.deepEqual(await releaseAgentFindings('6.1.0-27-amd64', {}, WITH_RDMA), []);
  });
});
