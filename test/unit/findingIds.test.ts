import assert from 'node:assert/strict';
import { note } from '../../src/core/analysis/evidence';
import type { Finding } from '../../src/core/analysis/finding';
import { findingIds } from '../../src/core/analysis/findingIds';

// A finding's id is made in the core from its kind and first cgroup (or its subject), never from
// where it stands in the list: a view's expansion state stays with its finding across refreshes.
const UID = '32828c49-a053-11e8-a528-5254eec04736';
const f = (x: Partial<Finding> & Pick<Finding, 'kind'>): Finding => ({ severity: 'warning', confidence: 'high', title: 't', cgroups: [], evidence: [], ...x });
const pod = (path: string, hierarchy = 'unified'): Finding['cgroups'][number] => ({ hierarchy, path, dir: `/sys/fs/cgroup${path}` });

const findings: Finding[] = [
  f({ kind: 'orphaned-pod-cgroup', cgroups: [pod(`/kubepods/pod${UID}`), pod(`/kubepods/pod${UID}`, 'memory')], podUid: UID }),
  f({ kind: 'orphaned-pod-cgroup', cgroups: [pod('/kubepods/podother')], podUid: 'other' }),
  f({ kind: 'frozen-cgroup', cgroups: [pod(`/kubepods/pod${UID}`)], podUid: UID }),
  f({ kind: 'failed-systemd-unit', unit: 'run-r1.scope' }),
  f({ kind: 'node-condition', title: 'Kubernetes reports node n PIDPressure' }),
  f({ kind: 'pids-pressure', podUid: UID }),
  // Two of a kind on one cgroup: a suffix by content, not by position.
  f({ kind: 'log-signature', title: 'slub allocation failures (2 lines)', evidence: [note('b')] }),
  f({ kind: 'log-signature', title: 'slub allocation failures (2 lines)', evidence: [note('a')] }),
];

describe('finding ids', () => {
  it('kind and first cgroup (hierarchy and path), else the subject: pod UID, unit, title', () => {
    assert.deepEqual(findingIds(findings), [
      `orphaned-pod-cgroup:unified:/kubepods/pod${UID}`,
      'orphaned-pod-cgroup:unified:/kubepods/podother',
      `frozen-cgroup:unified:/kubepods/pod${UID}`,
      'failed-systemd-unit:unit:run-r1.scope',
      'node-condition:title:Kubernetes reports node n PIDPressure',
      `pids-pressure:pod:${UID}`,
      'log-signature:title:slub allocation failures (2 lines)#2',
      'log-signature:title:slub allocation failures (2 lines)',
    ]);
  });

  it('reordering the findings keeps each one its id', () => {
    const ids = new Map(findings.map((x, i) => [x, findingIds(findings)[i]]));
    for (const order of [[...findings].reverse(), [findings[3]!, findings[7]!, findings[0]!, findings[6]!, findings[5]!, findings[1]!, findings[4]!, findings[2]!]]) {
      const again = findingIds(order);
      order.forEach((x, i) => assert.equal(again[i], ids.get(x)));
    }
  });

  it('a finding that comes or goes changes no other id', () => {
    const without = findings.slice(1);
    assert.deepEqual(findingIds(without), findingIds(findings).slice(1));
    assert.equal(new Set(findingIds(findings)).size, findings.length, 'ids are unique');
  });
});
