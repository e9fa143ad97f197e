import assert from 'node:assert/strict';
import { cgroupLabel, shortId } from '../../src/core/model/cgroupLabel';
import { byteStringOf } from '../../src/core/model/bytes';
import { CgroupTree, STAT_NAMES } from '../../src/core/model/cgroupTree';
import { identityOfPath } from '../../src/core/model/k8sIdentity';
import { subtreeSums } from '../../src/core/model/subtreeSums';
import { procsText } from '../../src/extension/tree/cgroupPresentation';

const UID = '2c3d4e5f-6071-4a2b-9c8d-0e1f2a3b4c5d';
const UID_ = UID.replace(/-/g, '_');
const CID = '3e23e816a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c';
const SYSTEMD_POD = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`;

/** The label of the last component of a path, as the Nodes tree shows it. */
const label = (path: string, podName?: (uid: string) => string | undefined): string => cgroupLabel(identityOfPath(path), path.slice(path.lastIndexOf('/') + 1), podName);

describe('cgroup labels: kind and short identity first', () => {
  it('names a pod by its short UID and QoS class, under either cgroup driver', () => {
    assert.equal(label(SYSTEMD_POD), 'pod 2c3d4e5f… burstable');
    assert.equal(label(`/kubepods.slice/kubepods-pod${UID_}.slice`), 'pod 2c3d4e5f… guaranteed');
    assert.equal(label(`/kubepods/besteffort/pod${UID}`), 'pod 2c3d4e5f… besteffort');
    assert.equal(label(`/kubepods/pod${UID}`), 'pod 2c3d4e5f… guaranteed');
  });

  it("names a pod by the Kubernetes API's namespace/name where it gives one", () => {
    const names = (uid: string): string | undefined => (uid === UID ? 'shop/web-7f9c-abcde' : undefined);
    assert.equal(label(SYSTEMD_POD, names), 'pod shop/web-7f9c-abcde burstable');
    assert.equal(label(`/kubepods/burstable/pod${UID}`, names), 'pod shop/web-7f9c-abcde burstable');
    assert.equal(label(`/kubepods/burstable/pod${UID.replace('2c3d', 'ffff')}`, names), 'pod ffff4e5f… burstable');
  });

  it('names a container by its runtime and short ID: containerd, CRI-O, conmon, docker, a bare cgroupfs ID', () => {
    assert.equal(label(`${SYSTEMD_POD}/cri-containerd-${CID}.scope`), 'containerd 3e23e816…');
    assert.equal(label(`${SYSTEMD_POD}/crio-${CID}.scope`), 'cri-o 3e23e816…');
    assert.equal(label(`${SYSTEMD_POD}/crio-conmon-${CID}.scope`), 'conmon 3e23e816…');
    assert.equal(label(`${SYSTEMD_POD}/docker-${CID}.scope`), 'docker 3e23e816…');
    // cgroup v1 with the cgroupfs driver (the memory hierarchy's path is the same shape).
    assert.equal(label(`/kubepods/burstable/pod${UID}/${CID}`), 'container 3e23e816…');
  });

  it('names the QoS level by its class and keeps kubepods, systemd units and unknown names unchanged', () => {
    assert.equal(label('/kubepods.slice/kubepods-burstable.slice'), 'burstable pods');
    assert.equal(label('/kubepods/besteffort'), 'besteffort pods');
    assert.equal(label('/kubepods.slice'), 'kubepods.slice');
    assert.equal(label('/kubepods'), 'kubepods');
    assert.equal(label('/system.slice/containerd.service'), 'containerd.service');
    assert.equal(label('/user.slice/user-1000.slice/session-3.scope'), 'session-3.scope');
    assert.equal(label('/system.slice/run-r1234abcd.scope'), 'run-r1234abcd.scope');
    // Inside a container: a workload's own cgroup keeps its name.
    assert.equal(label(`${SYSTEMD_POD}/cri-containerd-${CID}.scope/nested`), 'nested');
    // Not a UID: no pod.
    assert.equal(label('/kubepods/podnot-a-uid'), 'podnot-a-uid');
  });

  it('renders untrusted bytes with displayOf (control bytes and invalid UTF-8 escaped)', () => {
    assert.equal(label('/evil\n\xff\x1b[31m'), 'evil\\n\\xff\\x1b[31m');
    assert.equal(label(`/${byteStringOf('café.slice')}`), 'café.slice');
  });

  it('shortens IDs to their first eight digits', () => {
    assert.equal(shortId(CID), '3e23e816…');
    assert.equal(shortId('abc'), 'abc');
  });
});

describe('processes over a subtree', () => {
  const procsAt = STAT_NAMES.indexOf('procs');
  const values = (procs: number): number[] => STAT_NAMES.map((_, k) => (k === procsAt ? procs : NaN));

  it('sums each cgroup with its descendants; an unread value counts as none', () => {
    const t = new CgroupTree(2);
    t.add('/', values(3));
    t.add('/kubepods', values(0));
    t.add('/kubepods/pod', values(0));
    t.add('/kubepods/pod/c1', values(1));
    t.add('/kubepods/pod/c2', values(2));
    t.add('/kubepods/other/deep', values(4)); // "other" is only implied by its child: NaN
    t.add('/empty', values(NaN));
    const sums = subtreeSums(t, 'procs');
    const at = (p: string): number => sums[t.find(p)!]!;
    assert.equal(at('/kubepods/pod/c1'), 1);
    assert.equal(at('/kubepods/pod'), 3);
    assert.equal(at('/kubepods/other'), 4);
    assert.equal(at('/kubepods'), 7);
    assert.equal(at('/'), 10);
    assert.ok(Number.isNaN(at('/empty')));
  });

  it('says how many are here and how many below', () => {
    assert.equal(procsText(0, 1), '0 procs here · 1 below');
    assert.equal(procsText(1, 3), '1 proc here · 2 below');
    assert.equal(procsText(1, 1), '1 proc');
    assert.equal(procsText(0, 0), '0 procs');
    assert.equal(procsText(2), '2 procs');
    assert.equal(procsText(NaN, 2), '2 procs below');
    assert.equal(procsText(NaN, NaN), '');
  });
});
