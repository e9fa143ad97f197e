import assert from 'node:assert/strict';
import { analyze } from '../../src/core/analysis/forensics';
import type { Finding } from '../../src/core/analysis/finding';
import type { MissingFact, RawFact } from '../../src/core/facts/factsParser';
import { interpretFacts, type RuntimeFacts } from '../../src/core/facts/nodeFacts';
import { nodeSettings } from '../../src/core/evidence/nodeEvidence';
import { fixesFor } from '../../src/core/fixes/fixPlan';
import { CgroupTree } from '../../src/core/model/cgroupTree';
import { SNAPSHOT_SCHEMA, type Hierarchy, type Snapshot } from '../../src/core/model/snapshot';
import { evidenceLines } from '../../src/core/analysis/evidence';

// Who decides the cgroup driver, through the public functions (interpretFacts, analyze, fixesFor):
// each daemon's default when nothing is written, and kubelet taking the driver from the runtime
// (KubeletCgroupDriverFromCRI) by kubelet version, feature gate and runtime version. Each bound
// is tested just below, at and above. Upstream sources are in driverMismatch.ts and nodeFacts.ts.

const KUBELET_PROC = '/proc/900/cmdline';
const f = (key: string, value: string, source = key): RawFact => ({ key, source, value });
const kubeletArgs = (...args: string[]): RawFact[] => ['kubelet', ...args].map((a) => f('kubelet-arg', a, KUBELET_PROC));
const kubeletVersion = (v: string): RawFact => f('kubelet-version', `Kubernetes v${v}\n`, 'kubelet --version');
const containerdVersion = (v: string): RawFact => f('containerd-version', `containerd github.com/containerd/containerd/v2 v${v} 0123abc\n`, 'containerd --version');
const crioVersion = (v: string): RawFact => f('crio-version', `crio version ${v}\nGitCommit: abc\n`, 'crio --version');
const noContainerdConfig: MissingFact = { key: 'containerd-config', source: '/etc/containerd/config.toml', reason: 'missing' };
const noKubeletConfig: MissingFact = { key: 'kubelet-config', source: '/var/lib/kubelet/config.yaml', reason: 'missing' };
const kubeletConfig = (text: string): RawFact => f('kubelet-config', text, '/var/lib/kubelet/config.yaml');
const containerdConfig = (systemd: boolean): RawFact => f('containerd-config', `version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = ${systemd}\n`, '/etc/containerd/config.toml');
const ENDPOINT_CONTAINERD = '--container-runtime-endpoint=unix:///run/containerd/containerd.sock';
const ENDPOINT_CRIO = '--container-runtime-endpoint=unix:///var/run/crio/crio.sock';

function facts(found: RawFact[], missing: MissingFact[] = []): RuntimeFacts {
  return interpretFacts({ found, missing });
}

function snapshot(paths: string[] = []): Snapshot {
  const tree = new CgroupTree();
  tree.add('/', []);
  for (const p of paths) tree.add(p, []);
  const h: Hierarchy = { id: 1, kind: 'v2', controllers: [], name: 'unified', mountPoint: '/sys/fs/cgroup', mountRoot: '/', walkRoot: '/sys/fs/cgroup', basePath: '/', mtimeSupported: true, tree, bounds: [], vanished: [] };
  return { schema: SNAPSHOT_SCHEMA, takenAt: 0, source: { transport: 'test' }, node: {}, procCgroups: [], mounts: [], hierarchies: [h], warnings: [] };
}

const driverFindings = (x: RuntimeFacts, paths: string[] = []): Finding[] => analyze(snapshot(paths), x).findings.filter((g) => g.kind === 'cgroup-driver-mismatch' || g.kind === 'cgroup-driver-source');

describe('driver truth', () => {
  describe('defaults count when nothing is written', () => {
    it("containerd with no config file runs its default SystemdCgroup = false: a mismatch with kubelet's systemd", () => {
      const x = facts([...kubeletArgs('--cgroup-driver=systemd', ENDPOINT_CONTAINERD), containerdVersion('1.7.20'), f('containerd-arg', 'containerd', '/proc/800/cmdline')], [noContainerdConfig]);
      assert.deepEqual(x.containerdSystemdCgroup, { value: false, source: "containerd's default SystemdCgroup = false (no config file at /etc/containerd/config.toml)" });
      const [m, ...rest] = driverFindings(x);
      assert.equal(rest.length, 0);
      assert.equal(m!.kind, 'cgroup-driver-mismatch');
      assert.equal(m!.title, 'kubelet uses the systemd cgroup driver but containerd uses cgroupfs');
      assert.equal(m!.confidence, 'high');
      assert.ok(evidenceLines(m!).includes("containerd: cgroupfs (containerd's default SystemdCgroup = false (no config file at /etc/containerd/config.toml))"), evidenceLines(m!).join('\n'));
    });

    it('containerd 2.x with no config file: the same default (false), decided by kubelet 1.30', () => {
      const x = facts([...kubeletArgs('--cgroup-driver=systemd', ENDPOINT_CONTAINERD), containerdVersion('2.1.0'), kubeletVersion('1.30.4')], [noContainerdConfig]);
      assert.equal(x.containerdSystemdCgroup?.value, false);
      assert.deepEqual(driverFindings(x).map((g) => [g.kind, g.severity]), [['cgroup-driver-mismatch', 'critical']]);
    });

    it("kubelet with neither config file nor flag runs its default cgroupfs: a mismatch with containerd's systemd", () => {
      const x = facts([...kubeletArgs(ENDPOINT_CONTAINERD), containerdConfig(true), containerdVersion('1.7.20')], [noKubeletConfig]);
      assert.deepEqual(x.kubeletCgroupDriver, { value: 'cgroupfs', source: "kubelet's default cgroupfs (no --cgroup-driver flag and no config file at /var/lib/kubelet/config.yaml)" });
      const [m] = driverFindings(x);
      assert.equal(m?.title, 'kubelet uses the cgroupfs cgroup driver but containerd uses systemd');
    });

    it('kubelet without --config does not read config.yaml: its cgroupDriver there decides nothing', () => {
      const x = facts([...kubeletArgs(ENDPOINT_CONTAINERD), kubeletConfig('cgroupDriver: systemd\n'), containerdConfig(true), containerdVersion('1.7.20')]);
      assert.equal(x.kubeletCgroupDriver?.value, 'cgroupfs');
      assert.match(x.kubeletCgroupDriver!.source, /without --config/);
      const withConfig = facts([...kubeletArgs('--config=/var/lib/kubelet/config.yaml', ENDPOINT_CONTAINERD), kubeletConfig('cgroupDriver: systemd\n'), containerdConfig(true), containerdVersion('1.7.20')]);
      assert.deepEqual(withConfig.kubeletCgroupDriver, { value: 'systemd', source: '/var/lib/kubelet/config.yaml cgroupDriver' });
      assert.deepEqual(driverFindings(withConfig), []);
    });

    it("CRI-O's default is systemd from 1.18.0 and cgroupfs before (1.17.9 / 1.18.0 / 1.28.1)", () => {
      const manager = (v: string): string | undefined => facts([crioVersion(v), f('crio-arg', 'crio', '/proc/700/cmdline')]).crioCgroupManager?.value;
      assert.equal(manager('1.17.9'), 'cgroupfs');
      assert.equal(manager('1.18.0'), 'systemd');
      assert.equal(manager('1.28.1'), 'systemd');
      assert.match(facts([f('crio-arg', 'crio', '/proc/700/cmdline')]).crioCgroupManager!.source, /version unknown/);
    });

    it("CRI-O's --cgroup-manager flag wins over its files", () => {
      const x = facts([f('crio-arg', 'crio', '/proc/700/cmdline'), f('crio-arg', '--cgroup-manager=cgroupfs', '/proc/700/cmdline'), f('crio-config', '[crio.runtime]\ncgroup_manager = "systemd"\n', '/etc/crio/crio.conf')]);
      assert.equal(x.crioCgroupManager?.value, 'cgroupfs');
      assert.match(x.crioCgroupManager!.source, /crio flag --cgroup-manager/);
    });

    it('nothing is assumed for a daemon that is neither running nor installed', () => {
      const x = facts([], [noContainerdConfig, noKubeletConfig]);
      assert.equal(x.containerdSystemdCgroup, undefined);
      assert.equal(x.kubeletCgroupDriver, undefined);
      assert.equal(x.crioCgroupManager, undefined);
    });
  });

  describe('kubelet taking the driver from the runtime (KubeletCgroupDriverFromCRI)', () => {
    // kubelet systemd, containerd cgroupfs (its config says SystemdCgroup = false).
    const node = (kubelet: string | undefined, containerd: string, ...more: RawFact[]): RuntimeFacts =>
      facts([...kubeletArgs('--cgroup-driver=systemd', ENDPOINT_CONTAINERD, ...more.filter((m) => m.key === 'kubelet-arg').map((m) => m.value)), ...(kubelet ? [kubeletVersion(kubelet)] : []), containerdVersion(containerd), containerdConfig(false), ...more.filter((m) => m.key !== 'kubelet-arg')]);
    const kinds = (x: RuntimeFacts): string[] => driverFindings(x).map((g) => `${g.kind}/${g.severity}/${g.confidence}`);

    it('kubelet 1.30 (gate alpha, off): kubelet decides, a critical mismatch', () => {
      assert.deepEqual(kinds(node('1.30.14', '2.0.0')), ['cgroup-driver-mismatch/critical/high']);
    });
    it('kubelet 1.30 with the gate turned on (flag): the runtime decides', () => {
      const x = node('1.30.14', '2.0.0', f('kubelet-arg', '--feature-gates=KubeletCgroupDriverFromCRI=true'));
      assert.deepEqual(kinds(x), ['cgroup-driver-source/info/high']);
    });
    it('kubelet 1.27 with the gate set: it does not exist there, kubelet decides', () => {
      assert.deepEqual(kinds(node('1.27.3', '2.0.0', f('kubelet-arg', '--feature-gates=KubeletCgroupDriverFromCRI=true'))), ['cgroup-driver-mismatch/critical/high']);
    });
    it('kubelet 1.31 (gate beta, on) with containerd 2.0.0: no mismatch; kubelet\'s setting is said to be ignored', () => {
      const [g, ...rest] = driverFindings(node('1.31.0', '2.0.0'));
      assert.equal(rest.length, 0);
      assert.equal(g!.kind, 'cgroup-driver-source');
      assert.equal(g!.severity, 'info');
      assert.equal(g!.title, "kubelet takes its cgroup driver from containerd (KubeletCgroupDriverFromCRI): cgroupfs; kubelet's own setting (systemd) is ignored");
      assert.ok(evidenceLines(g!).some((e) => /containerd 2\.0\.0 answers RuntimeConfig \(from 2\.0\.0, containerd#8722\)/.test(e)));
      assert.ok(evidenceLines(g!).some((e) => /kubelet 1\.31\.0: KubeletCgroupDriverFromCRI is on by default from 1\.31/.test(e)));
    });
    it('kubelet 1.31 with the gate turned off in its config file: kubelet decides', () => {
      const x = facts([...kubeletArgs('--config=/var/lib/kubelet/config.yaml', ENDPOINT_CONTAINERD), kubeletVersion('1.31.2'), kubeletConfig('cgroupDriver: systemd\nfeatureGates:\n  KubeletCgroupDriverFromCRI: false\n'), containerdVersion('2.0.0'), containerdConfig(false)]);
      assert.deepEqual(x.kubeletFeatureGates?.KubeletCgroupDriverFromCRI, { value: false, source: '/var/lib/kubelet/config.yaml featureGates.KubeletCgroupDriverFromCRI' });
      assert.deepEqual(kinds(x), ['cgroup-driver-mismatch/critical/high']);
    });
    it('the --feature-gates flag wins over the config file, gate by gate', () => {
      const x = facts([...kubeletArgs('--config=/var/lib/kubelet/config.yaml', '--feature-gates', 'Foo=true,KubeletCgroupDriverFromCRI=true', ENDPOINT_CONTAINERD), kubeletVersion('1.31.2'), kubeletConfig('cgroupDriver: systemd\nfeatureGates:\n  KubeletCgroupDriverFromCRI: false\n  Bar: true\n'), containerdVersion('2.0.0'), containerdConfig(false)]);
      assert.equal(x.kubeletFeatureGates?.KubeletCgroupDriverFromCRI?.value, true);
      assert.equal(x.kubeletFeatureGates?.Bar?.value, true);
      assert.equal(x.kubeletFeatureGates?.Foo?.value, true);
      assert.deepEqual(kinds(x), ['cgroup-driver-source/info/high']);
    });
    it('kubelet 1.34 (GA, locked on): the runtime decides even with the gate set false', () => {
      assert.deepEqual(kinds(node('1.34.0', '2.1.4', f('kubelet-arg', '--feature-gates=KubeletCgroupDriverFromCRI=false'))), ['cgroup-driver-source/info/high']);
    });
    it('kubelet 1.31 with containerd 1.7 (no RuntimeConfig): kubelet falls back to its own setting, a mismatch', () => {
      const [g] = driverFindings(node('1.31.0', '1.7.34'));
      assert.equal(g!.kind, 'cgroup-driver-mismatch');
      assert.equal(g!.severity, 'critical');
      assert.ok(evidenceLines(g!).some((e) => /containerd 1\.7\.34 does not answer RuntimeConfig/.test(e)));
    });
    it("kubelet's version unknown with containerd 2.x: a warning that says it cannot tell", () => {
      const [g] = driverFindings(node(undefined, '2.0.0'));
      assert.equal(g!.kind, 'cgroup-driver-mismatch');
      assert.equal(g!.severity, 'warning');
      assert.equal(g!.confidence, 'medium');
      assert.match(g!.title, /cannot tell/);
      assert.ok(evidenceLines(g!).some((e) => /kubelet's version is unknown/.test(e)));
    });
    it("kubelet's version unknown with containerd 1.x: kubelet decides whatever its version", () => {
      assert.deepEqual(kinds(node(undefined, '1.6.20')), ['cgroup-driver-mismatch/critical/high']);
    });

    const crioNode = (crio: string): RuntimeFacts => facts([...kubeletArgs('--cgroup-driver=cgroupfs', ENDPOINT_CRIO), kubeletVersion('1.31.1'), crioVersion(crio), f('crio-config', '[crio.runtime]\ncgroup_manager = "systemd"\n', '/etc/crio/crio.conf')]);
    it('CRI-O 1.27.8 does not answer RuntimeConfig: a mismatch with kubelet 1.31', () => {
      assert.deepEqual(driverFindings(crioNode('1.27.8')).map((g) => g.title), ['kubelet uses the cgroupfs cgroup driver but CRI-O uses systemd']);
    });
    it('CRI-O 1.28.0 and 1.29.1 answer it: CRI-O decides', () => {
      for (const v of ['1.28.0', '1.29.1']) assert.deepEqual(driverFindings(crioNode(v)).map((g) => g.kind), ['cgroup-driver-source'], v);
    });

    it('both driver trees still count when the runtime decides, with that said in the evidence', () => {
      const [g, info] = driverFindings(node('1.31.0', '2.0.0'), ['/kubepods', '/kubepods.slice']);
      assert.equal(g!.kind, 'cgroup-driver-mismatch');
      assert.equal(g!.severity, 'critical');
      assert.ok(evidenceLines(g!).some((e) => /kubelet takes its driver from the runtime/.test(e)));
      assert.equal(info!.kind, 'cgroup-driver-source');
    });
  });

  describe(':cri-containerd: directories', () => {
    const uid = '214f3ba8_4b69_4bdb_a7d5_5ecc73f04ae9';
    const id = 'd4e8e05a546c86b6443f101966c618e47753ed01fa9929cae00d3b692f7a9f80';
    it('are driver-mismatch evidence, with their source', () => {
      const dir = `/system.slice/containerd.service/kubepods-besteffort-pod${uid}.slice:cri-containerd:${id}`;
      const [g] = driverFindings(facts([]), ['/system.slice/containerd.service', dir]);
      assert.equal(g!.kind, 'cgroup-driver-mismatch');
      assert.equal(g!.severity, 'critical');
      assert.match(g!.title, /1 container cgroup\(s\) named "<pod slice>:cri-containerd:<id>"/);
      assert.deepEqual(g!.cgroups.map((c) => c.path), [dir]);
      assert.ok(evidenceLines(g!).includes(`directory /sys/fs/cgroup${dir} exists`));
      assert.ok(evidenceLines(g!).some((e) => /containerd#5226/.test(e)));
    });
    it('the systemd scope form (cri-containerd-<id>.scope) is not', () => {
      assert.deepEqual(driverFindings(facts([]), [`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid}.slice/cri-containerd-${id}.scope`]), []);
    });
  });

  describe('fix driver follows who decides', () => {
    const report = (x: RuntimeFacts): ReturnType<typeof analyze> => analyze(snapshot(), x);
    it('runtime decides: kubelet is left alone (noChange, ignored), only containerd changes', () => {
      const x = facts([...kubeletArgs('--config=/var/lib/kubelet/config.yaml', ENDPOINT_CONTAINERD), kubeletVersion('1.31.0'), kubeletConfig('cgroupDriver: cgroupfs\n'), containerdVersion('2.0.0'), containerdConfig(false)]);
      const docs = fixesFor('driver', snapshot(), x, report(x), { driver: 'systemd' });
      assert.deepEqual(docs.map((d) => [d.kind, d.noChange === undefined]), [['kubelet', false], ['containerd', true]]);
      assert.match(docs[0]!.noChange!, /kubelet takes its cgroup driver from containerd \(KubeletCgroupDriverFromCRI\): its own setting \(cgroupfs, \/var\/lib\/kubelet\/config.yaml cgroupDriver\) is ignored/);
      assert.ok(docs[1]!.reasons.some((r) => /only setting to change/.test(r)));
    });
    it('kubelet decides and already uses the wanted driver: kubelet noChange, containerd changes', () => {
      const x = facts([...kubeletArgs('--cgroup-driver=systemd', ENDPOINT_CONTAINERD), kubeletVersion('1.30.0'), containerdVersion('1.7.20'), containerdConfig(false)]);
      const docs = fixesFor('driver', snapshot(), x, report(x), { driver: 'systemd' });
      assert.equal(docs[0]!.kind, 'kubelet');
      assert.match(docs[0]!.noChange!, /kubelet already uses systemd \(kubelet flag --cgroup-driver/);
      assert.equal(docs[1]!.kind, 'containerd');
      assert.equal(docs[1]!.noChange, undefined);
    });
    it('containerd already on the wanted driver by its default: containerd noChange', () => {
      const x = facts([...kubeletArgs('--cgroup-driver=systemd', ENDPOINT_CONTAINERD), kubeletVersion('1.30.0'), containerdVersion('1.7.20')], [noContainerdConfig]);
      const docs = fixesFor('driver', snapshot(), x, report(x), { driver: 'cgroupfs' });
      assert.deepEqual(docs.map((d) => d.kind), ['kubelet', 'containerd']);
      assert.equal(docs[0]!.noChange, undefined, 'kubelet moves to cgroupfs');
      assert.match(docs[1]!.noChange!, /containerd already uses cgroupfs \(containerd's default SystemdCgroup = false \(no config file at \/etc\/containerd\/config.toml\)\)/);
    });
    it("CRI-O's --cgroup-manager flag overrides its files: fix crio says to change the flag, not a file", () => {
      const base = [...kubeletArgs('--cgroup-driver=systemd', ENDPOINT_CRIO), kubeletVersion('1.30.0'), f('crio-arg', 'crio', '/proc/700/cmdline'), f('crio-config', '[crio.runtime]\ncgroup_manager = "systemd"\n', '/etc/crio/crio.conf')];
      const x = facts([...base, f('crio-arg', '--cgroup-manager=cgroupfs', '/proc/700/cmdline')]);
      const [doc] = fixesFor('crio', snapshot(), x, report(x), { driver: 'systemd' });
      assert.equal(doc!.diff, undefined);
      assert.equal(doc!.noChange, undefined);
      assert.match(doc!.title, /change its --cgroup-manager flag to systemd/);
      assert.match(doc!.content, /crio runs with --cgroup-manager=cgroupfs \(crio flag --cgroup-manager \(\/proc\/700\/cmdline\)\), which overrides crio.conf and every drop-in/);
      const same = facts([...base, f('crio-arg', '--cgroup-manager', '/proc/700/cmdline'), f('crio-arg', 'systemd', '/proc/700/cmdline')]);
      assert.match(fixesFor('crio', snapshot(), same, report(same), { driver: 'systemd' })[0]!.noChange!, /--cgroup-manager=systemd/);
    });
    it("the runtime is the one kubelet's config file names (containerRuntimeEndpoint) when no flag does", () => {
      const x = facts([...kubeletArgs('--config=/var/lib/kubelet/config.yaml'), kubeletConfig('cgroupDriver: systemd\ncontainerRuntimeEndpoint: unix:///var/run/crio/crio.sock\n'), containerdVersion('1.7.20'), crioVersion('1.27.1'), f('crio-config', '[crio.runtime]\ncgroup_manager = "cgroupfs"\n', '/etc/crio/crio.conf')]);
      assert.deepEqual(driverFindings(x).map((g) => g.title), ['kubelet uses the systemd cgroup driver but CRI-O uses cgroupfs']);
    });
    it('CRI-O decides (1.28.0, kubelet 1.31): the CRI-O file only', () => {
      const x = facts([...kubeletArgs('--cgroup-driver=systemd', ENDPOINT_CRIO), kubeletVersion('1.31.0'), crioVersion('1.28.0'), f('crio-config', '[crio.runtime]\ncgroup_manager = "cgroupfs"\nconmon_cgroup = "pod"\n', '/etc/crio/crio.conf')]);
      const docs = fixesFor('driver', snapshot(), x, report(x), { driver: 'systemd' });
      assert.deepEqual(docs.map((d) => [d.kind, d.noChange === undefined]), [['kubelet', false], ['crio', true]]);
      assert.equal(docs[1]!.targetPath, '/etc/crio/crio.conf');
    });
  });

  describe('what the review of the merged change found', () => {
    it('fix kubelet leaves cgroupDriver alone where kubelet takes the driver from the runtime (both driver trees seen)', () => {
      const x = facts([...kubeletArgs('--config=/var/lib/kubelet/config.yaml', ENDPOINT_CONTAINERD), kubeletVersion('1.31.0'), kubeletConfig('apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: cgroupfs\n'), containerdVersion('2.0.0'), containerdConfig(true)]);
      const s = snapshot(['/kubepods', '/kubepods.slice']);
      const r = analyze(s, x);
      assert.ok(r.findings.some((g) => g.kind === 'cgroup-driver-mismatch'), 'both trees are a mismatch finding');
      const docs = fixesFor('kubelet', s, x, r);
      assert.ok(docs.every((d) => d.diff === undefined || !/cgroupDriver/.test(d.diff)), JSON.stringify(docs));
      assert.ok(docs.some((d) => d.reasons.some((why) => /cgroupDriver is left alone: kubelet takes its cgroup driver from the runtime/.test(why))));
    });

    it("CRI-O's version unknown and no file sets cgroup_manager: a drop-in says systemd, never 'no change'", () => {
      const x = facts([...kubeletArgs('--cgroup-driver=systemd', ENDPOINT_CRIO), kubeletVersion('1.30.0'), f('crio-config', '[crio.api]\nlisten = "/var/run/crio/crio.sock"\n', '/etc/crio/crio.conf')]);
      const [doc] = fixesFor('crio', snapshot(), x, analyze(snapshot(), x), { driver: 'systemd' });
      assert.equal(doc!.noChange, undefined);
      assert.match(doc!.diff!, /^\+cgroup_manager = "systemd"$/m);
      assert.ok(doc!.reasons.some((why) => /version is unknown/.test(why)));
    });

    it('a conmon_cgroup in a file read after the deciding one: one drop-in after both sets the two keys (CRI-O would refuse to start otherwise)', () => {
      const x = facts([
        ...kubeletArgs('--cgroup-driver=cgroupfs', ENDPOINT_CRIO),
        kubeletVersion('1.30.0'),
        crioVersion('1.28.1'),
        f('crio-config', '[crio.runtime]\ncgroup_manager = "systemd"\n', '/etc/crio/crio.conf'),
        f('crio-config', '[crio.runtime]\nconmon_cgroup = "system.slice"\n', '/etc/crio/crio.conf.d/50-conmon.conf'),
      ]);
      const [doc] = fixesFor('crio', snapshot(), x, analyze(snapshot(), x), { driver: 'cgroupfs' });
      assert.equal(doc!.targetPath, '/etc/crio/crio.conf.d/99-cgroup-forensics.conf');
      assert.match(doc!.content, /cgroup_manager = "cgroupfs"\nconmon_cgroup = "pod"\n/);
    });

    it('containerd\'s SystemdCgroup is read where the fix patches it: default_runtime_name = "" means runc for both', () => {
      const text = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = ""\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n';
      const x = facts([...kubeletArgs('--cgroup-driver=systemd', ENDPOINT_CONTAINERD), kubeletVersion('1.30.0'), containerdVersion('1.7.20'), f('containerd-config', text, '/etc/containerd/config.toml')]);
      assert.equal(x.containerdSystemdCgroup?.value, true, 'the facts read runtimes.runc, as containerd does');
      const docs = fixesFor('driver', snapshot(), x, analyze(snapshot(), x), { driver: 'systemd' });
      assert.ok(docs.every((d) => d.noChange !== undefined), JSON.stringify(docs.map((d) => d.title)));
    });

    it('a default is told by where the value came from, not by the word "default" in a file name', () => {
      const x = facts([...kubeletArgs('--cgroup-driver=systemd', ENDPOINT_CRIO), crioVersion('1.28.1'), f('crio-config', '[crio.runtime]\ncgroup_manager = "cgroupfs"\n', '/etc/crio/crio.conf.d/00-default.conf')]);
      const mismatch = analyze(snapshot(), x).findings.find((g) => g.kind === 'cgroup-driver-mismatch');
      assert.ok((mismatch ? evidenceLines(mismatch) : undefined)?.some((e) => e.includes('/etc/crio/crio.conf.d/00-default.conf cgroup_manager = "cgroupfs"')), JSON.stringify(mismatch));
    });

    it("runc's driver for the advisories is the one of the runtime kubelet uses, not of another runtime merely installed", () => {
      const x = facts([...kubeletArgs('--cgroup-driver=cgroupfs', ENDPOINT_CONTAINERD), containerdVersion('1.7.20'), containerdConfig(false), crioVersion('1.28.1')]);
      assert.equal(nodeSettings(undefined, x, {})['runc-cgroup-driver']?.value, 'cgroupfs');
    });
  });
});
