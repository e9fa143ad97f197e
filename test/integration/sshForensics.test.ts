import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { gatherFacts } from '../../src/core/facts/gatherFacts';
import { inspectCgroups } from '../../src/core/inspect/inspectCgroups';
import { takeSample } from '../../src/core/trends/sample';
import { LocalTransport } from '../../src/core/transport/local';
import { SshTransport } from '../../src/core/transport/ssh/sshTransport';
import { UID_A, v1CgroupfsHost } from '../fixtures/hosts/specs';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { makeFakeHost, type FakeHost } from '../support/fakeHost';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';
import { hostBlock, ScriptedInteraction, SshLab, sshdMissing, TestSshd } from '../support/sshd';

// The facts and process programs reach a node over SSH (a real sshd on loopback) exactly as they
// run locally: the transport changes how they travel, never what they read.
describe('ssh: forensics programs on a node', function () {
  this.timeout(120_000);
  const v2 = cgroupMounts().v2;
  let lab: SshLab | undefined;
  let sshd: TestSshd | undefined;
  let host: FakeHost | undefined;
  let box: CgroupSandbox | undefined;
  let ssh: SshTransport | undefined;

  before(async function () {
    needs(this, sshdMissing() ?? (v2 ? cgroupMissing(v2) : 'no cgroup2 mount'));
    lab = new SshLab();
    sshd = await TestSshd.start(lab, 'forensics');
    lab.write('known_hosts', `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic()}\n`);
    const cfg = lab.write('f.config', hostBlock('node', { port: sshd.port, identityFile: lab.userKey, knownHosts: lab.path('known_hosts') }));
    ssh = new SshTransport({ alias: 'node', configFile: cfg, interaction: new ScriptedInteraction() });
    const spec = v1CgroupfsHost();
    spec.files = {
      ...spec.files,
      [`var/lib/kubelet/pods/${UID_A}/x`]: '',
      "var/lib/kubelet/pods/it's $(touch pwned) \"q\"/x": '',
      'etc/containerd/config.toml': "version = 2\n# a comment with 'quotes', \\backslash and\ttab\n",
    };
    host = makeFakeHost(spec);
    box = CgroupSandbox.create(v2!, 'sshforensics');
  });

  after(async () => {
    ssh?.dispose();
    await box?.cleanup();
    host?.remove();
    await sshd?.stop();
    lab?.remove();
  });

  it('the facts program gives the same facts over SSH as locally', async () => {
    const local = await gatherFacts(new LocalTransport(), { hostRoot: host!.root });
    const remote = await gatherFacts(ssh!, { hostRoot: host!.root });
    assert.ok(local.ok && remote.ok, `${local.ok ? '' : local.error.message} ${remote.ok ? '' : remote.error.message}`);
    assert.deepEqual(remote.value.raw, local.value.raw);
    assert.ok(remote.value.kubeletPods?.has(`it's $(touch pwned) "q"`), 'a hostile directory name arrives as data');
    for (const d of [homedir(), process.cwd(), '/']) assert.equal(existsSync(join(d, 'pwned')), false, `no name ran as a command (${d})`);
    assert.match(remote.value.containerdConfig?.value ?? '', /'quotes', \\backslash and\ttab/);
  });

  it('a trend sample counts the same over SSH as locally (one round trip each)', async () => {
    box!.mkdir('kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podx.slice');
    const local = await takeSample(new LocalTransport(), { cgroupRoot: box!.root });
    const remote = await takeSample(ssh!, { cgroupRoot: box!.root });
    assert.ok(local.ok && remote.ok, `${local.ok ? '' : local.error.message} ${remote.ok ? '' : remote.error.message}`);
    assert.deepEqual(remote.value.hierarchies, local.value.hierarchies);
    assert.deepEqual(remote.value.kubepods, local.value.kubepods);
    assert.ok(remote.value.kubepods.some((k) => k.dir.endsWith('/kubepods.slice/kubepods-burstable.slice') && k.live === 2));
    assert.ok((remote.value.node?.memTotalKb ?? 0) > 0, 'node stats came too');
  });

  it('the process program lists the same processes over SSH as locally', async () => {
    const pid = await box!.spawnIn(`it's "odd" $(x)/pod`);
    const dir = `${box!.root}/it's "odd" $(x)`;
    const local = await inspectCgroups(new LocalTransport(), [dir], { recursive: true });
    const remote = await inspectCgroups(ssh!, [dir], { recursive: true });
    assert.ok(local.ok && remote.ok);
    assert.deepEqual(remote.value.processes.map((p) => [p.pid, p.cgroupDir, p.comm, p.argv]), [[pid, `${dir}/pod`, 'sleep', ['sleep', '3600']]]);
    assert.deepEqual(remote.value, local.value);
  });
});
