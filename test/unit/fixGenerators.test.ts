import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import type { Finding } from '../../src/core/analysis/finding';
import { containerdSettings, interpretFacts } from '../../src/core/facts/nodeFacts';
import { cleanupScript, shellWord } from '../../src/core/fixes/cleanupScript';
import { containerdFix, type ContainerdFacts } from '../../src/core/fixes/containerdFix';
import { FixInputError } from '../../src/core/fixes/fixDocument';
import { crioFix } from '../../src/core/fixes/crioFix';
import { DEFAULT_EVICTION_HARD, kubeletConfigFix, kubeletFixes, kubeletSources, pidLimits } from '../../src/core/fixes/kubeletFix';
import { CgroupTree, STAT_NAMES } from '../../src/core/model/cgroupTree';
import { unifiedDiff } from '../../src/core/fixes/unifiedDiff';
import type { Snapshot } from '../../src/core/model/snapshot';
import { SNAPSHOT_SCHEMA } from '../../src/core/model/snapshot';
import { needs, toolMissing } from '../support/prereq';
import { HOSTILE_NAMES } from '../fixtures/hosts/specs';
import { patched, yamllint } from '../support/consumers';

// Fix generators on real-shaped config files (test/fixtures/configs). Diffs are applied with the
// real patch(1) and must give the generated file; configs are read back with the same parsers
// the node's programs would use, and containerd 1.6 itself validates the 1.x file.
const CONFIGS = join(__dirname, '..', 'fixtures', 'configs');
const read = (f: string): string => readFileSync(join(CONFIGS, f), 'utf8');

/** Applies a unified diff with patch(1) to the original text; returns the result. */

/** yamllint on a KubeletConfiguration, with its default rules except two that kubelet files break by design. */

describe('fix generators', () => {
  describe('kubelet', () => {
    const original = read('kubelet-config.yaml');
    const path = '/var/lib/kubelet/config.yaml';
    const doc = kubeletConfigFix({ value: original, source: path }, { cgroupDriver: 'systemd', podPidsLimit: 4096, evictionPidAvailable: '10%' }, ['test']);
    /** The lines a diff removes and adds (not its headers). */
    const changed = (diff: string): string[] => diff.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l));

    it('patches the node file as text: only the lines of the change differ, comments and sequences untouched', () => {
      assert.deepEqual(changed(doc.diff!), ['-cgroupDriver: cgroupfs # set by hand during the 1.24 upgrade', '+cgroupDriver: systemd # set by hand during the 1.24 upgrade', '+  pid.available: 10%', '+podPidsLimit: 4096']);
      const before = parseYaml(original) as Record<string, unknown>;
      const after = parseYaml(doc.content) as Record<string, unknown>;
      assert.deepEqual(after.evictionHard, { 'memory.available': '100Mi', 'nodefs.available': '10%', 'pid.available': '10%' });
      for (const k of ['cgroupDriver', 'podPidsLimit', 'evictionHard']) {
        delete after[k];
        delete before[k];
      }
      assert.deepEqual(after, before);
    });

    it('gives a unified diff that patch(1) applies to the node file', function () {
      needs(this, toolMissing('patch'));
      assert.equal(patched(original, doc.diff!), doc.content);
    });

    it('a partial evictionHard gets only pid.available, and the document says kubelet leaves the rest at 0 (no mergeDefaultEvictionSettings)', () => {
      assert.ok(doc.reasons.some((r) => /nodefs\.inodesFree, imagefs\.available, imagefs\.inodesFree to 0/.test(r)), doc.reasons.join('\n'));
      const merged = kubeletConfigFix({ value: original.replace('kind: KubeletConfiguration', 'kind: KubeletConfiguration\nmergeDefaultEvictionSettings: true'), source: path }, { evictionPidAvailable: '10%' }, [], '1.33.1');
      assert.ok(merged.reasons.some((r) => /kubelet 1\.33\.1 fills nodefs\.inodesFree/.test(r)), merged.reasons.join('\n'));
    });

    it("with no evictionHard, writes kubelet's Linux defaults beside pid.available (none switched off) and says why", () => {
      const bare = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n';
      const d = kubeletConfigFix({ value: bare, source: path }, { evictionPidAvailable: '10%' }, []);
      // The values of DefaultEvictionHard in kubernetes pkg/kubelet/eviction/defaults_linux.go
      // (imagefs.inodesFree since PR #121834), written out here rather than imported.
      assert.deepEqual((parseYaml(d.content) as { evictionHard: unknown }).evictionHard, {
        'pid.available': '10%',
        'memory.available': '100Mi',
        'nodefs.available': '10%',
        'nodefs.inodesFree': '5%',
        'imagefs.available': '15%',
        'imagefs.inodesFree': '5%',
      });
      assert.deepEqual({ ...DEFAULT_EVICTION_HARD }, { 'memory.available': '100Mi', 'nodefs.available': '10%', 'nodefs.inodesFree': '5%', 'imagefs.available': '15%', 'imagefs.inodesFree': '5%' });
      assert.ok(d.reasons.some((r) => /evictionHard was unset.*defaults_linux\.go.*set every other threshold to 0/.test(r)), d.reasons.join('\n'));
      assert.ok(d.content.startsWith(bare), 'the file as it was, then the new lines');
    });

    it('patches comments, a sequence, a flow mapping and CRLF as text, accepted by yamllint', function () {
      const crlf = [
        '# node config   (kept as written)',
        'apiVersion: kubelet.config.k8s.io/v1beta1',
        'kind: KubeletConfiguration',
        'clusterDNS:',
        '- 10.96.0.10',
        'evictionHard: {memory.available: 200Mi, nodefs.available: 5%}   # ours',
        'cgroupDriver: "cgroupfs"',
        '',
      ].join('\r\n');
      const d = kubeletConfigFix({ value: crlf, source: path }, { cgroupDriver: 'systemd', evictionPidAvailable: '10%', systemReservedPid: '2000' }, []);
      assert.equal(
        d.content,
        crlf
          .replace('nodefs.available: 5%}', 'nodefs.available: 5%, pid.available: 10%}')
          .replace('"cgroupfs"', '"systemd"')
          .replace(/\r\n$/, '\r\nsystemReserved:\r\n  pid: "2000"\r\n'),
      );
      needs(this, toolMissing('yamllint'));
      yamllint(d.content);
      yamllint(doc.content);
    });

    it('changes nothing when the file already says it: noChange, no diff', () => {
      const again = kubeletConfigFix({ value: doc.content, source: path }, { cgroupDriver: 'systemd', podPidsLimit: 4096, evictionPidAvailable: '10%' }, []);
      assert.equal(again.content, doc.content);
      assert.equal(again.diff, '');
      assert.match(again.noChange!, /^\/var\/lib\/kubelet\/config\.yaml already sets cgroupDriver: systemd/);
    });

    it('refuses a file that is not a KubeletConfiguration, or not YAML, in one line naming the file', () => {
      const pod = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n';
      assert.throws(() => kubeletConfigFix({ value: pod, source: '/etc/kubernetes/manifests/x.yaml' }, { cgroupDriver: 'systemd' }, []), (e: Error) => e instanceof FixInputError && e.message === '/etc/kubernetes/manifests/x.yaml is not a KubeletConfiguration (kind: Pod)');
      assert.throws(() => kubeletConfigFix({ value: 'kind: [KubeletConfiguration\n', source: path }, { cgroupDriver: 'systemd' }, []), (e: Error) => e instanceof FixInputError && /^cannot parse \/var\/lib\/kubelet\/config\.yaml: not valid YAML: [^\n]+$/.test(e.message));
      assert.throws(() => kubeletConfigFix({ value: 'apiVersion: v1\nkind: KubeletConfiguration\n', source: path }, { cgroupDriver: 'systemd' }, []), /apiVersion: v1, not kubelet\.config\.k8s\.io/);
    });

    describe('where kubelet really reads a setting', () => {
      const env = { source: '/var/lib/kubelet/kubeadm-flags.env', value: 'KUBELET_KUBEADM_ARGS="--cgroup-driver=cgroupfs --container-runtime-endpoint=unix:///run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9"\n' };
      const dropin = { source: '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf', value: '[Service]\nEnvironment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n# --cgroup-driver=cgroupfs in a comment is not read\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS\n' };
      const args = ['/usr/bin/kubelet', '--config=/var/lib/kubelet/config.yaml', '--cgroup-driver=cgroupfs', '--container-runtime-endpoint=unix:///run/containerd/containerd.sock'];
      const systemdConfig = { source: path, value: original.replace('cgroupDriver: cgroupfs', 'cgroupDriver: systemd') };

      it('a flag on the command line is changed in the file that sets it, quotes and other flags kept; the config already agrees', () => {
        const docs = kubeletFixes({ config: systemdConfig, args, argsSource: '/proc/42/cmdline', flagFiles: [dropin, env] }, { cgroupDriver: 'systemd' }, ['cgroupDriver: systemd: mismatch', 'podPidsLimit, evictionHard pid.available: pressure']);
        assert.equal(docs.length, 2);
        const [flags, conf] = docs;
        assert.equal(flags!.targetPath, env.source);
        assert.equal(flags!.content, env.value.replace('--cgroup-driver=cgroupfs', '--cgroup-driver=systemd'));
        assert.deepEqual(changed(flags!.diff!), [`-${env.value.trimEnd()}`, `+${flags!.content.trimEnd()}`]);
        assert.match(flags!.diff!, /^--- a\/var\/lib\/kubelet\/kubeadm-flags\.env\n\+\+\+ b\/var\/lib\/kubelet\/kubeadm-flags\.env\n/);
        assert.ok(flags!.reasons.some((r) => r.includes('/var/lib/kubelet/kubeadm-flags.env:1') && r.includes('/proc/42/cmdline')));
        assert.ok(flags!.reasons.includes('cgroupDriver: systemd: mismatch') && !flags!.reasons.some((r) => r.startsWith('podPidsLimit')), 'only the reasons of the flags it changes');
        assert.deepEqual(flags!.apply, ['systemctl restart kubelet', flags!.apply[1]], 'an environment file needs no daemon-reload');
        assert.match(conf!.noChange!, /already sets cgroupDriver: systemd/);
      });

      it('a flag no file sets is named with where it was seen, and no diff is made', () => {
        const docs = kubeletFixes({ config: systemdConfig, args, argsSource: '/proc/42/cmdline', flagFiles: [] }, { cgroupDriver: 'systemd' }, []);
        const manual = docs.find((d) => !d.noChange)!;
        assert.equal(manual.diff, undefined);
        assert.match(manual.content, /kubelet's command line \(\/proc\/42\/cmdline\) has --cgroup-driver=cgroupfs.*change it to --cgroup-driver=systemd/);
        assert.ok(manual.content.split('\n').every((l) => l === '' || l.startsWith('#')), 'comment lines only: patch skips them');
      });

      it('kubelet without --config reads no config file: no /var/lib/kubelet/config.yaml is invented', () => {
        const docs = kubeletFixes({ args: ['/usr/bin/kubelet', '--kubeconfig=/etc/kubernetes/kubelet.conf'], flagFiles: [env] }, { evictionPidAvailable: '10%' }, []);
        assert.equal(docs.length, 1);
        assert.equal(docs[0]!.diff, undefined);
        assert.equal(docs[0]!.targetPath, undefined);
        assert.match(docs[0]!.content, /kubelet runs without --config .* add --config=\/var\/lib\/kubelet\/config\.yaml to kubelet's flags in \/var\/lib\/kubelet\/kubeadm-flags\.env/s);
      });

      it('no kubelet process seen: kubeadm\'s config.yaml is patched and the document says it assumed so; with no file either, nothing is invented', () => {
        const [assumed] = kubeletFixes({ config: { source: path, value: original }, flagFiles: [] }, { cgroupDriver: 'systemd' }, []);
        assert.ok(assumed!.diff);
        assert.ok(assumed!.reasons.some((r) => /no kubelet process was seen: \/var\/lib\/kubelet\/config\.yaml is the file kubeadm's kubelet reads/.test(r)));
        const [none] = kubeletFixes({ flagFiles: [] }, { cgroupDriver: 'systemd' }, []);
        assert.equal(none!.diff, undefined);
        assert.equal(none!.targetPath, undefined);
        assert.match(none!.content, /no file is invented/);
      });

      it('flags files as facts: read in the order systemd reads them', () => {
        const facts = interpretFacts({
          found: [
            { key: 'kubelet-unit', source: '/lib/systemd/system/kubelet.service', value: '[Service]\nExecStart=/usr/bin/kubelet\n' },
            { key: 'kubelet-unit', source: dropin.source, value: dropin.value },
            { key: 'kubelet-env', source: env.source, value: env.value },
          ],
          missing: [{ key: 'kubelet-env', source: '/etc/default/kubelet', reason: 'missing' }],
        });
        assert.deepEqual(kubeletSources(facts).flagFiles.map((f) => f.source), ['/lib/systemd/system/kubelet.service', dropin.source, env.source]);
        assert.deepEqual(facts.unreadable, [], 'an optional environment file that is missing is not a finding');
      });
    });

    describe('PID limits derived from the node', () => {
      const node = (pidMax: number, loadavg: string, maxPods?: number): [Snapshot, Parameters<typeof pidLimits>[1]] => {
        const tree = new CgroupTree();
        const v = (pids: number): number[] => STAT_NAMES.map((n) => (n === 'pids' ? pids : NaN));
        tree.add('/', v(NaN));
        tree.add('/kubepods.slice', v(3000));
        tree.add('/kubepods.slice/kubepods-besteffort.slice', v(3000));
        tree.add('/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0a1b2c3d_0000_4000_8000_000000000001.slice', v(2900));
        tree.seal();
        const s: Snapshot = {
          schema: SNAPSHOT_SCHEMA,
          takenAt: 0,
          source: { transport: 'test' },
          node: { pidMax, loadavg },
          procCgroups: [],
          mounts: [],
          hierarchies: [{ id: 0, kind: 'v2', controllers: [], name: 'unified', mountPoint: '/sys/fs/cgroup', mountRoot: '/', walkRoot: '/sys/fs/cgroup', basePath: '/', mtimeSupported: true, tree, bounds: [], vanished: [] }],
          warnings: [],
        };
        return [s, { flagFiles: [], ...(maxPods ? { config: { source: path, value: `kind: KubeletConfiguration\nmaxPods: ${maxPods}\n` } } : {}) }];
      };

      it('reserves what the system uses now twice over, keeps pid.available free, divides the rest among maxPods, and shows the arithmetic', () => {
        const l = pidLimits(...node(32768, '0.5 0.4 0.3 2/4200 99'));
        assert.ok(!('noLimits' in l));
        // 4200 tasks - 3000 in kubepods = 1200 outside; max(2400, 2200) -> 2400 reserved.
        assert.equal(l.systemReservedPid, 2400);
        // (32768 - 3277 - 2400) / 110 = 246.28 -> 246
        assert.equal(l.podPidsLimit, 246);
        assert.ok(l.reasons.some((r) => r.includes('4200 on the node (/proc/loadavg) - 3000 in pods (/sys/fs/cgroup/kubepods.slice/pids.current) = 1200 outside kubepods')), l.reasons.join('\n'));
        assert.ok(l.reasons.some((r) => r.includes('(32768 - 3277 kept free by pid.available 10% - 2400 reserved) / maxPods 110 (kubelet\'s default')), l.reasons.join('\n'));
        assert.ok(l.reasons.some((r) => /a pod runs 2900 tasks now, more than 246/.test(r)));
        const big = pidLimits(...node(4194304, '0.5 0.4 0.3 2/4200 99', 250));
        assert.ok(!('noLimits' in big));
        // (4194304 - 419431 - 2400) / 250 = 15089.892 -> 15089
        assert.equal(big.podPidsLimit, 15089);
        assert.ok(big.reasons.some((r) => r.includes('maxPods 250 (/var/lib/kubelet/config.yaml maxPods)')));
        // A running kubelet without --config reads no config file: its maxPods counts for nothing.
        const [s250, src250] = node(4194304, '0.5 0.4 0.3 2/4200 99', 250);
        const unread = pidLimits(s250, { ...src250, args: ['kubelet', '--kubeconfig=/etc/kubernetes/kubelet.conf'] });
        assert.ok(!('noLimits' in unread) && unread.reasons.some((r) => r.includes("maxPods 110 (kubelet's default")), JSON.stringify(unread));
      });

      it('says so, and sets nothing, when pid_max is unknown or leaves too little per pod', () => {
        const [s, src] = node(0, '');
        assert.ok('noLimits' in pidLimits(s, src));
        // 30000 tasks, 3000 in pods: 27000 outside, reserve 54000 > pid_max; nothing per pod.
        const tight = pidLimits(...node(32768, '1 1 1 2/30000 9'));
        assert.ok('noLimits' in tight && /fewer than 100 PIDs per pod.*raise kernel\.pid_max/.test(tight.noLimits), JSON.stringify(tight));
      });
    });
  });

  describe('containerd', () => {
    const SRC = '/etc/containerd/config.toml';
    /** The facts the fix reads, through the same interpreter the node's facts go through. */
    const facts = (config: string | undefined, version = '1.6.20', missing = 'missing'): ContainerdFacts =>
      interpretFacts({
        found: [{ key: 'containerd-version', source: 'containerd --version', value: `containerd github.com/containerd/containerd v${version} abc` }, ...(config === undefined ? [] : [{ key: 'containerd-config', source: SRC, value: config }])],
        missing: config === undefined ? [{ key: 'containerd-config', source: SRC, reason: missing }] : [],
      });
    /** The lines a diff removes and adds. */
    const changed = (diff: string): string[] => diff.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l));

    it('1.x (config version 2): SystemdCgroup under plugins."io.containerd.grpc.v1.cri" set in place, one line changed', () => {
      const original = read('containerd-1.7-config.toml');
      const doc = containerdFix(facts(original), true, []);
      const before = parseToml(original) as Record<string, unknown>;
      const after = parseToml(doc.content) as Record<string, unknown>;
      const opts = (t: Record<string, unknown>): Record<string, unknown> =>
        ((((t.plugins as Record<string, Record<string, unknown>>)['io.containerd.grpc.v1.cri']!.containerd as Record<string, unknown>).runtimes as Record<string, Record<string, unknown>>).runc!.options as Record<string, unknown>);
      assert.equal(opts(before).SystemdCgroup, false);
      assert.equal(opts(after).SystemdCgroup, true);
      opts(after).SystemdCgroup = false;
      assert.deepEqual(after, before, 'nothing else changed');
      assert.equal(patched(original, doc.diff!), doc.content);
      assert.deepEqual(changed(doc.diff!), ['-            SystemdCgroup = false', '+            SystemdCgroup = true']);
      assert.ok(doc.diff!.split('\n').length <= 12, `a one-line change is a short diff:\n${doc.diff}`);
      assert.match(doc.diff!, /^--- a\/etc\/containerd\/config\.toml\n\+\+\+ b\/etc\/containerd\/config\.toml\n/);
      assert.match(doc.content, /^# Shaped as `containerd config default`/, 'comments kept');
      assert.deepEqual(containerdSettings(doc.content), { version: 2, systemdCgroup: true, key: "plugins.'io.containerd.grpc.v1.cri'.containerd.runtimes.runc.options.SystemdCgroup" });
    });

    it("1.x: the real `containerd config default` file (1.6) patched: one line changes", () => {
      const original = read('containerd-1.6-default.toml');
      const doc = containerdFix(facts(original), true, []);
      assert.equal(patched(original, doc.diff!), doc.content);
      assert.deepEqual(changed(doc.diff!), ['-            SystemdCgroup = false', '+            SystemdCgroup = true']);
    });

    for (const fixture of ['containerd-1.7-config.toml', 'containerd-1.6-default.toml']) {
      it(`1.x: the patched ${fixture} is accepted by the real containerd 1.6 (config dump)`, function () {
        needs(this, spawnSync('containerd', ['--version']).status === 0 ? undefined : 'containerd is not installed');
        const doc = containerdFix(facts(read(fixture)), true, []);
        const dir = mkdtempSync(join(tmpdir(), 'cf-ctrd-cfg-'));
        try {
          writeFileSync(join(dir, 'config.toml'), doc.content);
          const dump = execFileSync('containerd', ['--config', join(dir, 'config.toml'), 'config', 'dump'], { encoding: 'utf8' });
          assert.match(dump, /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runc\.options\][^[]*SystemdCgroup = true/);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }

    it("2.x (config version 3): SystemdCgroup added under plugins.'io.containerd.cri.v1.runtime', not the 1.x key", () => {
      const original = read('containerd-2.0-config.toml');
      const doc = containerdFix(facts(original, '2.0.0'), true, []);
      const after = parseToml(doc.content) as { plugins: Record<string, Record<string, unknown>> };
      const rt = after.plugins['io.containerd.cri.v1.runtime']!.containerd as { runtimes: { runc: { options: Record<string, unknown>; runtime_type: string } } };
      assert.equal(rt.runtimes.runc.options.SystemdCgroup, true);
      assert.equal(rt.runtimes.runc.options.ShimCgroup, '');
      assert.equal(after.plugins['io.containerd.grpc.v1.cri']!.containerd, undefined, 'no 1.x table made in a 2.x file');
      assert.equal((after as unknown as { version: number }).version, 3);
      assert.equal(patched(original, doc.diff!), doc.content);
      assert.deepEqual(changed(doc.diff!), ['+            SystemdCgroup = true']);
      assert.match(doc.title, /config version 3/);
    });

    it('version 1 (no version line): the short plugin ID cri, and a note to migrate', () => {
      const original = '# old node\n[plugins.cri.containerd]\n  snapshotter = "overlayfs"\n';
      const doc = containerdFix(facts(original), true, []);
      assert.equal(doc.content, '# old node\n[plugins.cri.containerd]\n  snapshotter = "overlayfs"\n\n  [plugins.cri.containerd.runtimes.runc]\n    runtime_type = "io.containerd.runc.v2"\n\n    [plugins.cri.containerd.runtimes.runc.options]\n      SystemdCgroup = true\n');
      assert.ok(doc.reasons.some((r) => /version 1 is deprecated/.test(r)));
    });

    it('respects default_runtime_name, and adds runtime_type only where the runtime table is missing', () => {
      const own = '[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "crun"\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun]\n    runtime_type = "io.containerd.runc.v2"\n    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun.options]\n      BinaryName = "/usr/bin/crun"\n';
      const doc = containerdFix(facts(`version = 2\n${own}`), true, []);
      assert.deepEqual(changed(doc.diff!), ['+      SystemdCgroup = true']);
      assert.match(doc.title, /runtimes\.crun\.options\.SystemdCgroup = true/);
      assert.throws(() => containerdFix(facts('version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "kata"\n'), true, []), (e: unknown) => e instanceof FixInputError && /no runtimes\.kata table/.test(e.message));
    });

    it('already set: no change, no diff, and one line saying so', () => {
      const doc = containerdFix(facts(containerdFix(facts(read('containerd-1.7-config.toml')), true, []).content), true, []);
      assert.equal(doc.noChange, '/etc/containerd/config.toml already sets SystemdCgroup = true');
      assert.equal(doc.diff, undefined);
      assert.match(containerdFix(facts('version = 2\n'), false, []).noChange!, /containerd's default is false/);
    });

    it('an unparseable or unreadable node file is a FixInputError naming it, in one line', () => {
      const one = (f: () => unknown, why: RegExp): void => {
        assert.throws(f, (e: unknown) => e instanceof FixInputError && why.test(e.message) && !e.message.includes('\n'));
      };
      one(() => containerdFix(facts('version = 2\n[plugins\n'), true, []), /^cannot parse \/etc\/containerd\/config\.toml: not valid TOML: /);
      one(() => containerdFix(facts(undefined, '1.6.20', 'unreadable'), true, []), /^cannot read \/etc\/containerd\/config\.toml: it exists but cannot be read$/);
      one(() => containerdFix(facts('version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\noptions = "x"\n'), true, []), /^cannot patch \/etc\/containerd\/config\.toml safely: .*options is a value/);
    });

    it('with no config file, a new file in the version the running containerd reads, holding only what must change', () => {
      const v2 = containerdFix(facts(undefined), true, []);
      assert.equal(v2.content, 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n');
      assert.match(v2.diff!, /^--- \/dev\/null\n\+\+\+ b\/etc\/containerd\/config\.toml\n/);
      assert.ok(v2.reasons.some((r) => /merges it over those defaults/.test(r)));
      const v3 = containerdFix(facts(undefined, '2.0.2'), true, []);
      assert.match(v3.content, /^version = 3\n/);
      assert.match(v3.content, /^\[plugins\.'io\.containerd\.cri\.v1\.runtime'\.containerd\.runtimes\.runc\.options\]\n  SystemdCgroup = true$/m);
      assert.match(containerdFix(facts(undefined), false, []).noChange!, /does not exist: containerd runs its built-in default/);
    });
  });

  describe('CRI-O', () => {
    // CRI-O reads crio.conf, then the drop-ins in lexical order, the last value winning
    // (docs/crio.conf.d.5.md; UpdateFromPath's filepath.Walk). No CRI-O binary exists here: the
    // files are read back with a TOML parser in that order, and every diff goes through patch(1).
    const conf = { source: '/etc/crio/crio.conf', value: read('crio/crio.conf') };
    const dropIn = { source: '/etc/crio/crio.conf.d/10-cgroupfs.conf', value: read('crio/crio.conf.d/10-cgroupfs.conf') };
    /** What CRI-O would end up with: each file's [crio.runtime] over the previous ones. */
    const effective = (files: { source: string; value: string }[]): Record<string, unknown> => {
      const order = [...files].sort((a, b) => (a.source === '/etc/crio/crio.conf' ? -1 : b.source === '/etc/crio/crio.conf' ? 1 : a.source < b.source ? -1 : 1));
      return Object.assign({}, ...order.map((c) => (parseToml(c.value) as { crio?: { runtime?: Record<string, unknown> } }).crio?.runtime ?? {})) as Record<string, unknown>;
    };

    it('reads cgroup_manager with drop-ins overriding crio.conf', () => {
      const facts = interpretFacts({ found: [conf, dropIn].map((c) => ({ key: 'crio-config', ...c })), missing: [] });
      assert.deepEqual(facts.crioCgroupManager, { value: 'cgroupfs', source: '/etc/crio/crio.conf.d/10-cgroupfs.conf cgroup_manager' });
    });

    it('patches the drop-in that decides, in place: one line changed, every other byte kept', () => {
      const doc = crioFix('systemd', [conf, dropIn], []);
      assert.equal(doc.targetPath, dropIn.source);
      assert.equal(doc.content, dropIn.value.replace('cgroup_manager = "cgroupfs"', 'cgroup_manager = "systemd"'));
      assert.match(doc.diff!, /^--- a\/etc\/crio\/crio\.conf\.d\/10-cgroupfs\.conf\n\+\+\+ b\/etc\/crio\/crio\.conf\.d\/10-cgroupfs\.conf\n/);
      assert.equal(patched(dropIn.value, doc.diff!), doc.content);
      assert.deepEqual(effective([conf, { ...dropIn, value: doc.content }]).cgroup_manager, 'systemd');
      assert.equal(effective([conf, { ...dropIn, value: doc.content }]).conmon_cgroup, 'pod', '"pod" suits systemd too');
    });

    it('patches crio.conf when it alone decides, and makes conmon_cgroup one cgroupfs accepts', () => {
      const doc = crioFix('cgroupfs', [conf], []);
      assert.equal(doc.targetPath, conf.source);
      const changed = doc.diff!.split('\n').filter((l) => /^[-+][^-+]/.test(l));
      assert.deepEqual(changed, ['-conmon_cgroup = "system.slice"', '+conmon_cgroup = "pod"', '-cgroup_manager = "systemd"', '+cgroup_manager = "cgroupfs"']);
      assert.equal(patched(conf.value, doc.diff!), doc.content);
      assert.deepEqual([effective([{ ...conf, value: doc.content }]).cgroup_manager, effective([{ ...conf, value: doc.content }]).conmon_cgroup], ['cgroupfs', 'pod']);
    });

    it('keeps comments, indentation and a missing final newline; a conmon_cgroup set earlier is overridden next to the key', () => {
      const main = { source: '/etc/crio/crio.conf', value: '[crio.runtime]\nconmon_cgroup = "system.slice"\n' };
      const file = { source: '/etc/crio/crio.conf.d/50-mgr.conf', value: '# ours\n[crio.runtime]\n  cgroup_manager   =  "systemd"   # set by ansible' };
      const doc = crioFix('cgroupfs', [file, main], []);
      assert.equal(doc.content, '# ours\n[crio.runtime]\n  cgroup_manager   =  "cgroupfs"   # set by ansible\n  conmon_cgroup = "pod"');
      assert.deepEqual(effective([main, { ...file, value: doc.content }]), { cgroup_manager: 'cgroupfs', conmon_cgroup: 'pod' });
      // The same file with its final newline: the diff applies with patch(1). (unifiedDiff() does
      // not write "\ No newline at end of file" yet, so a diff of the file without one does not.)
      const withNl = { ...file, value: file.value + '\n' };
      const doc2 = crioFix('cgroupfs', [withNl, main], []);
      assert.equal(doc2.content, doc.content + '\n');
      assert.equal(patched(withNl.value, doc2.diff!), doc2.content);
    });

    it('nothing to do when the deciding file or the default already says it', () => {
      const same = crioFix('cgroupfs', [conf, dropIn], []);
      assert.match(same.noChange!, /10-cgroupfs\.conf already sets cgroup_manager = "cgroupfs"/);
      assert.equal(same.diff, undefined);
      const byDefault = crioFix('systemd', [{ source: '/etc/crio/crio.conf', value: '[crio.api]\nlisten = "/var/run/crio/crio.sock"\n' }], [], { versionText: 'crio version 1.28.1\n' });
      assert.match(byDefault.noChange!, /no CRI-O config file sets cgroup_manager, so CRI-O 1\.28\.1's default systemd decides/);
    });

    it('a new drop-in when no file sets it and the default is not wanted, named after every existing drop-in', () => {
      const late = { source: '/etc/crio/crio.conf.d/zz-late.conf', value: '[crio.image]\npause_image = "x"\n' };
      const doc = crioFix('cgroupfs', [{ source: '/etc/crio/crio.conf', value: '' }, late], []);
      assert.equal(doc.targetPath, '/etc/crio/crio.conf.d/zz99-cgroup-forensics.conf');
      assert.ok(doc.targetPath! > late.source);
      assert.match(doc.diff!, /^--- \/dev\/null\n\+\+\+ b\/etc\/crio\/crio\.conf\.d\/zz99-cgroup-forensics\.conf\n/);
      assert.equal(patched('', doc.diff!), doc.content);
      assert.deepEqual(effective([late, { source: doc.targetPath!, value: doc.content }]), { cgroup_manager: 'cgroupfs' });
      assert.equal(crioFix('cgroupfs', [], []).targetPath, '/etc/crio/crio.conf.d/99-cgroup-forensics.conf');
    });

    it('a deciding file it cannot parse is an error naming it', () => {
      assert.throws(() => crioFix('systemd', [{ source: '/etc/crio/crio.conf.d/01-bad.conf', value: '[crio.runtime\n' }], []), (e: Error) => e.name === 'FixInputError' && /^cannot parse \/etc\/crio\/crio\.conf\.d\/01-bad\.conf: not valid TOML/.test(e.message));
    });
  });

  // Kernel parameters: test/unit/kernelParams.test.ts.

  describe('cleanup script words', () => {
    it('every hostile name, UTF-8 or not, reaches a real sh as exactly its bytes', () => {
      const mixed = ["-x\xff'y", '\xff', 'caf\xc3\xa9\xff$(id)', '\xe2\x82', "\xff'\xfe", 'a\xc3'];
      for (const name of [...HOSTILE_NAMES, ...mixed, '*', '"q"', "'", '']) {
        const out = execFileSync('sh', ['-c', `printf '%s' ${shellWord(name)}`]);
        assert.equal(out.toString('latin1'), name, JSON.stringify(name));
      }
    });

    it('refuses paths outside the hierarchies or with . and ..', () => {
      const f = (dir: string): Finding[] => [{ kind: 'orphaned-pod-cgroup', severity: 'warning', confidence: 'high', title: 't', cgroups: [{ hierarchy: 'unified', path: '/x', dir }], evidence: [] }];
      assert.throws(() => cleanupScript(f('/etc/x'), { allowedRoots: ['/sys/fs/cgroup/unified'] }), /outside/);
      assert.throws(() => cleanupScript(f('/sys/fs/cgroup/unified/../../etc'), { allowedRoots: ['/sys/fs/cgroup/unified'] }), /\.\./);
      const ok = cleanupScript(f('/sys/fs/cgroup/unified/kubepods/x'), { allowedRoots: ['/sys/fs/cgroup/unified'] });
      assert.doesNotMatch(ok.content, /rm -rf|release_agent|notify_on_release/);
      assert.match(ok.content, /^rm_cgroup \/sys\/fs\/cgroup\/unified\/kubepods\/x /m);
    });

    it('read below a host root (a pod\'s /host), names the node\'s own paths and units, and says where to run it', () => {
      const R = '/host/sys/fs/cgroup';
      const slice = 'kubepods-besteffort-pod1234.slice';
      const f: Finding[] = [{ kind: 'orphaned-pod-cgroup', severity: 'warning', confidence: 'high', title: 't', cgroups: [{ hierarchy: 'unified', path: `/kubepods.slice/${slice}`, dir: `${R}/kubepods.slice/${slice}` }], evidence: [] }];
      const doc = cleanupScript(f, { allowedRoots: [R], hostRoot: '/host/' });
      assert.match(doc.content, new RegExp(`^rm_cgroup /sys/fs/cgroup/kubepods.slice/${slice} `, 'm'));
      assert.match(doc.content, new RegExp(`^stop_unit ${slice} /sys/fs/cgroup/kubepods.slice/${slice} `, 'm'));
      assert.doesNotMatch(doc.content.split('\n').filter((l) => !l.startsWith('#')).join('\n'), /\/host\//);
      assert.match(doc.content, /^# or where the node's \/ is at \/host: chroot \/host sh cleanup.sh$/m);
      assert.ok(doc.apply.some((step) => step.startsWith('chroot /host sh cleanup.sh')), doc.apply.join('\n'));
      // What is checked is the path that was read: a host root is no way around the hierarchies.
      assert.throws(() => cleanupScript([{ ...f[0]!, cgroups: [{ hierarchy: 'unified', path: '/x', dir: '/host/etc/x' }] }], { allowedRoots: [R], hostRoot: '/host' }), /outside/);
      // Without one (or with /), the paths are the ones read.
      assert.match(cleanupScript(f, { allowedRoots: [R], hostRoot: '/' }).content, new RegExp(`^rm_cgroup ${R}/kubepods.slice/${slice} `, 'm'));
    });
  });

  it('unifiedDiff matches diff -u', () => {
    const a = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const b = a.replace('line 3\n', 'line 3 changed\n').replace('line 20\n', '').replace('line 39\n', 'line 39\nnew\n');
    const dir = mkdtempSync(join(tmpdir(), 'cf-diff-'));
    try {
      writeFileSync(join(dir, 'a'), a);
      writeFileSync(join(dir, 'b'), b);
      const r = spawnSync('diff', ['-u', '--label', 'a', '--label', 'b', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' });
      assert.equal(unifiedDiff(a, b, 'a', 'b'), r.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
