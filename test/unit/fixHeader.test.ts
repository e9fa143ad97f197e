import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from '../../src/core/analysis/finding';
import { interpretFacts } from '../../src/core/facts/nodeFacts';
import { cleanupScript } from '../../src/core/fixes/cleanupScript';
import { containerdFix, type ContainerdFacts } from '../../src/core/fixes/containerdFix';
import { crioFix } from '../../src/core/fixes/crioFix';
import { FIX_KINDS, type FixKind, type StaticFixKind } from '../../src/core/fixes/fixCatalog';
import type { FixDocument } from '../../src/core/fixes/fixDocument';
import { fixHeader, onlyNoChange } from '../../src/core/fixes/fixHeader';
import { STATIC_FIX_KINDS } from '../../src/core/fixes/fixPlan';
import { staticFix } from '../support/staticFix';
import { kernelParamsFix } from '../../src/core/fixes/kernelParamsFix';
import { kubeletConfigFix, kubeletFixes } from '../../src/core/fixes/kubeletFix';
import { podSpecFix } from '../../src/core/fixes/podSpecFix';
import { CgroupTree } from '../../src/core/model/cgroupTree';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../../src/core/model/snapshot';

// Every fix document opens with what it changes, in which file, why and the steps, or says plainly
// that no change is needed: the same lines the CLI prints above a diff and the extension beside a
// document. Judged on each kind's real documents, from the generators.

const CONFIGS = join(__dirname, '..', 'fixtures', 'configs');
const read = (f: string): string => readFileSync(join(CONFIGS, f), 'utf8');

function node(pidMax = 32768): Snapshot {
  const tree = new CgroupTree(4);
  tree.add('/');
  tree.seal();
  const h = { id: 1, kind: 'v2' as const, controllers: ['memory'], name: 'unified', mountPoint: '/sys/fs/cgroup', mountRoot: '/', walkRoot: '/sys/fs/cgroup', basePath: '/', mtimeSupported: true, tree, bounds: [], vanished: [] };
  return { schema: SNAPSHOT_SCHEMA, takenAt: 0, source: { transport: 'test' }, node: { pidMax, kernel: '6.1.0-18-amd64', systemd: '252', cmdline: 'ro' }, procCgroups: [], mounts: [], hierarchies: [h], warnings: [] };
}

const orphan: Finding = {
  kind: 'orphaned-pod-cgroup',
  severity: 'warning',
  confidence: 'high',
  title: 'orphaned pod cgroup 12345678-1234-1234-1234-123456789abc',
  cgroups: [{ hierarchy: 'unified', path: '/kubepods.slice/kubepods-pod12345678_1234_1234_1234_123456789abc.slice', dir: '/sys/fs/cgroup/kubepods.slice/kubepods-pod12345678_1234_1234_1234_123456789abc.slice' }],
  evidence: [],
  podUid: '12345678-1234-1234-1234-123456789abc',
};
const nodePids: Finding = { kind: 'pids-pressure', severity: 'critical', confidence: 'high', title: 'the node uses 90% of kernel.pid_max', cgroups: [], evidence: [] };

const containerdFacts = (config: string): ContainerdFacts =>
  interpretFacts({
    found: [
      { key: 'containerd-version', source: 'containerd --version', value: 'containerd github.com/containerd/containerd v1.7.2 abc' },
      { key: 'containerd-config', source: '/etc/containerd/config.toml', value: config },
    ],
    missing: [],
  });

/** One real document per kind that has something to apply. */
function changes(): Record<FixKind, FixDocument> {
  const containerd = containerdFact();
  const made = (k: StaticFixKind): FixDocument => staticFix(k, k === 'daemonset' ? { daemonSet: { bundle: '#!/usr/bin/env node\n' } } : {})[0]!;
  return {
    ...(Object.fromEntries((STATIC_FIX_KINDS as readonly StaticFixKind[]).map((k) => [k, made(k)])) as Record<StaticFixKind, FixDocument>),
    cleanup: cleanupScript([orphan], { allowedRoots: ['/sys/fs/cgroup'] }),
    driver: kubeletConfigFix({ value: read('kubelet-config.yaml'), source: '/var/lib/kubelet/config.yaml' }, { cgroupDriver: 'systemd' }, ['cgroupDriver: systemd: kubelet uses cgroupfs, containerd systemd']),
    kubelet: kubeletConfigFix({ value: read('kubelet-config.yaml'), source: '/var/lib/kubelet/config.yaml' }, { podPidsLimit: 4096 }, ['podPidsLimit: the node uses 90% of kernel.pid_max']),
    containerd,
    crio: crioFix('systemd', [{ source: '/etc/crio/crio.conf', value: '[crio.runtime]\ncgroup_manager = "cgroupfs"\nconmon_cgroup = "pod"\n' }], ['cgroupDriver: systemd: kubelet uses systemd']),
    sysctl: kernelParamsFix(node(), [nodePids]),
    podspec: podSpecFix([{ ...orphan, evidence: [] }]),
  };

  function containerdFact(): FixDocument {
    return containerdFix(containerdFacts(read('containerd-1.7-config.toml')), true, ['SystemdCgroup: kubelet uses systemd']);
  }
}

describe('the header of a fix document', () => {
  const docs = changes();

  it('every kind: what it changes, which file, why, and the steps', () => {
    assert.deepEqual(Object.keys(docs).sort(), [...FIX_KINDS].sort());
    for (const k of FIX_KINDS) {
      const d = docs[k];
      assert.equal(d.noChange, undefined, `${k}: a document with something to apply`);
      const h = fixHeader(d);
      assert.equal(h[0], d.title, k);
      const what = h.find((l) => l.startsWith('  what: '));
      const file = h.find((l) => l.startsWith('  file: '));
      assert.ok(what && what.length > '  what: '.length + 5, `${k}: what it changes: ${h.join('\n')}`);
      assert.ok(file && file.length > '  file: '.length + 5, `${k}: which file: ${h.join('\n')}`);
      assert.deepEqual(h.filter((l) => l.startsWith('  why: ')), d.reasons.map((r) => `  why: ${r}`), `${k}: why`);
      assert.ok(h.some((l) => l.startsWith('  then: ')), `${k}: the steps`);
      for (const a of d.apply) assert.ok(h.includes(`  then: ${a}`), `${k}: step ${a}`);
      assert.ok(!h.some((l) => l.includes('\n')), `${k}: one line each`);
      assert.equal(onlyNoChange(d), false, k);
    }
  });

  it('a patch names the lines it changes and the node file it goes in', () => {
    const h = fixHeader(docs.driver);
    assert.equal(h[1], '  what: sets cgroupDriver: systemd # set by hand during the 1.24 upgrade in place of cgroupDriver: cgroupfs # set by hand during the 1.24 upgrade; every other line is kept');
    assert.equal(h[2], '  file: /var/lib/kubelet/config.yaml on the node');
    assert.ok(h.includes('  then: systemctl restart kubelet'), h.join('\n'));
    assert.match(fixHeader(docs.containerd)[1]!, /^ {2}what: sets SystemdCgroup = true in place of SystemdCgroup = false; every other line is kept$/);
    assert.equal(fixHeader(docs.containerd)[2], '  file: /etc/containerd/config.toml on the node');
    assert.equal(fixHeader(docs.sysctl)[2], '  file: /etc/sysctl.d/90-cgroup-forensics.conf on the node');
  });

  it('a document that is no patch says where its kind goes: a script, a new file, a note to act on by hand', () => {
    assert.equal(fixHeader(docs.cleanup).find((l) => l.startsWith('  file: ')), '  file: a script you run: sh cleanup.sh [--apply]');
    assert.equal(fixHeader(docs.prometheus).find((l) => l.startsWith('  file: ')), '  file: /etc/prometheus/rules/cgroup-forensics.rules.yml');
    // kubelet without a config file: no file to patch, said so; the steps are by hand.
    const [noteDoc] = kubeletFixes({ flagFiles: [] }, { cgroupDriver: 'systemd' }, ['cgroupDriver: systemd: mismatch']);
    assert.ok(noteDoc && noteDoc.noChange === undefined);
    const h = fixHeader(noteDoc);
    assert.ok(h.includes('  file: no file read here can be patched: change by hand as the document says'), h.join('\n'));
    assert.ok(h.includes('  then: nothing to run: change by hand as the document says'), h.join('\n'));
  });

  it('"no change needed" is a result, said plainly: for a node file that already says it and for a node that needs no kernel parameter', () => {
    const same = kubeletConfigFix({ value: 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n', source: '/var/lib/kubelet/config.yaml' }, { cgroupDriver: 'systemd' }, []);
    assert.deepEqual(fixHeader(same), ['KubeletConfiguration /var/lib/kubelet/config.yaml', 'no change needed: /var/lib/kubelet/config.yaml already sets cgroupDriver: systemd']);
    assert.equal(onlyNoChange(same), true, 'the node file as it is: nothing else to show');
    const none = kernelParamsFix(node(), []);
    assert.equal(none.title, 'kernel parameters: none needed');
    assert.deepEqual(fixHeader(none), [
      'kernel parameters: none needed',
      "no change needed: none of this node's findings is fixed by a kernel parameter or a sysctl: this file sets nothing, and there is nothing to copy to /etc/sysctl.d or to add to the boot line",
    ]);
    assert.match(none.content, /^# No change needed: none of this node's findings is fixed by a kernel parameter or a sysctl/m);
    // Its own text (what is often suggested and does not help) is still shown.
    assert.equal(onlyNoChange(none), false);
    const [kubeletNone] = kubeletFixes({ flagFiles: [] }, {}, []);
    assert.deepEqual(fixHeader(kubeletNone!), ['kubelet', 'no change needed: no finding asks kubelet to change (no driver mismatch, no node PID pressure)']);
  });
});
