import assert from 'node:assert/strict';
import { describeIdentity, identityOfPath, normalisePodUid } from '../../src/core/model/k8sIdentity';

const UID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const UID_ = UID.replace(/-/g, '_');
const CID = 'a'.repeat(64);

describe('Kubernetes identity of a cgroup path', () => {
  it('reads the cgroupfs driver layout for every QoS class', () => {
    assert.deepEqual(identityOfPath('/kubepods').k8s, { role: 'kubepods', driver: 'cgroupfs' });
    assert.deepEqual(identityOfPath('/kubepods/burstable').k8s, { role: 'qos', driver: 'cgroupfs', qos: 'burstable' });
    assert.deepEqual(identityOfPath(`/kubepods/besteffort/pod${UID}`).k8s, { role: 'pod', driver: 'cgroupfs', qos: 'besteffort', podUid: UID });
    assert.deepEqual(identityOfPath(`/kubepods/pod${UID}`).k8s, { role: 'pod', driver: 'cgroupfs', qos: 'guaranteed', podUid: UID });
    assert.deepEqual(identityOfPath(`/kubepods/burstable/pod${UID}/${CID}`).k8s, {
      role: 'container',
      driver: 'cgroupfs',
      qos: 'burstable',
      podUid: UID,
      containerId: CID,
      runtime: 'unknown',
    });
  });

  it('reads the systemd driver layout and normalises underscored UIDs', () => {
    const pod = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`;
    assert.deepEqual(identityOfPath(pod).k8s, { role: 'pod', driver: 'systemd', qos: 'burstable', podUid: UID });
    assert.equal(identityOfPath(`/kubepods.slice/kubepods-pod${UID_}.slice`).k8s?.qos, 'guaranteed');
    assert.equal(identityOfPath(`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice`).k8s?.qos, 'besteffort');
    const c = identityOfPath(`${pod}/cri-containerd-${CID}.scope`);
    assert.deepEqual(c.k8s, { role: 'container', driver: 'systemd', qos: 'burstable', podUid: UID, containerId: CID, runtime: 'containerd' });
    assert.equal(c.unitType, 'scope');
  });

  it('names the runtime from the scope prefix', () => {
    const pod = `/kubepods.slice/kubepods-pod${UID_}.slice`;
    assert.equal(identityOfPath(`${pod}/crio-${CID}.scope`).k8s?.runtime, 'cri-o');
    assert.equal(identityOfPath(`${pod}/docker-${CID}.scope`).k8s?.runtime, 'docker');
    const conmon = identityOfPath(`${pod}/crio-conmon-${CID}.scope`).k8s;
    assert.equal(conmon?.runtime, 'cri-o');
    assert.equal(conmon?.conmon, true);
    assert.equal(identityOfPath(`/kubepods/pod${UID}/crio-${CID}`).k8s?.runtime, 'cri-o');
  });

  it('finds kubepods below another root (kind, --cgroup-root) and nothing outside it', () => {
    assert.equal(identityOfPath(`/kubelet/kubepods/burstable/pod${UID}`).k8s?.podUid, UID);
    assert.equal(identityOfPath(`/docker/${CID}/kubepods/pod${UID}`).k8s?.role, 'pod');
    assert.equal(identityOfPath('/system.slice/containerd.service').k8s, undefined);
    assert.equal(identityOfPath(`/pod${UID}`).k8s, undefined);
  });

  it('does not take look-alikes for pods or containers', () => {
    assert.equal(identityOfPath('/kubepods/burstable/pod1234').k8s, undefined);
    assert.equal(identityOfPath(`/kubepods/burstable/pod${UID}x`).k8s, undefined);
    assert.equal(identityOfPath(`/kubepods/pod${UID}/${'a'.repeat(63)}`).k8s?.role, 'pod-other');
    assert.equal(identityOfPath(`/kubepods/pod${UID}/${CID}/nested`).k8s?.role, 'pod-other');
    assert.equal(identityOfPath(`/kubepods/pod${UID}/${CID}/nested`).k8s?.podUid, UID);
  });

  it('marks systemd unit types and transient mount scopes', () => {
    assert.equal(identityOfPath('/system.slice/run-r3c8f4a0d5e2b4b8f9a3c7d1e2f3a4b5c.scope').transientMount, true);
    assert.equal(identityOfPath('/system.slice/run-r3c8.mount').transientMount, undefined);
    assert.equal(identityOfPath('/system.slice/kubelet.service').unitType, 'service');
  });

  it('normalises UIDs and describes identities in words', () => {
    assert.equal(normalisePodUid(UID_.toUpperCase()), UID);
    assert.equal(describeIdentity(identityOfPath(`/kubepods/pod${UID}`)), `pod ${UID} (guaranteed)`);
    assert.match(describeIdentity(identityOfPath(`/kubepods/pod${UID}/${CID}`)) ?? '', /^container aaaaaaaaaaaa \(unknown\) of pod/);
  });
});
