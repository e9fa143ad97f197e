import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { summarize } from '../../src/core/analysis/summary';
import { byteStringOf } from '../../src/core/model/bytes';
import type { Hierarchy, Snapshot } from '../../src/core/model/snapshot';
import { treeIdentities } from '../../src/core/model/treeIdentity';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { HOSTILE_NAMES } from '../fixtures/hosts/specs';
import { CgroupSandbox } from '../support/cgroupSandbox';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';

// The real kernel: kubelet-shaped trees built in this machine's cgroup filesystem, each inside a
// unique parent that the test removes (and nothing else), then scanned with the real probe.
const mounts = cgroupMounts();
const uid = (): string => {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
const cid = (): string => randomBytes(32).toString('hex');

async function scan(options: Parameters<typeof takeSnapshot>[1] = {}): Promise<Snapshot> {
  const r = await takeSnapshot(new LocalTransport(), options);
  if (!r.ok) assert.fail(`scan failed: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

function hierarchy(s: Snapshot, name: string): Hierarchy {
  const h = s.hierarchies.find((x) => x.name === name || x.controllers.includes(name));
  assert.ok(h, `no ${name} hierarchy in the snapshot`);
  return h;
}

/** Relative paths below the sandbox as the snapshot has them. */
function subtree(h: Hierarchy, sandboxRel: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < h.tree.size; i++) {
    const p = h.tree.path(i);
    if (p === sandboxRel || p.startsWith(sandboxRel + '/')) out.push(p.slice(sandboxRel.length) || '/');
  }
  return out.sort();
}

describe('scanning the real kernel', function () {
  this.timeout(120_000);

  describe('cgroup v2, systemd driver', () => {
    let box: CgroupSandbox | undefined;
    const A = uid();
    const B = uid();
    const G = uid();
    const [C1, C2, C3] = [cid(), cid(), cid()];
    const podA = `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${A.replace(/-/g, '_')}.slice`;
    const podB = `kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${B.replace(/-/g, '_')}.slice`;
    const podG = `kubepods.slice/kubepods-pod${G.replace(/-/g, '_')}.slice`;
    const built: string[] = [];
    const acceptedHostile: string[] = [];

    before(async function () {
      needs(this, mounts.v2 ? cgroupMissing(mounts.v2) : 'no cgroup2 mount');
      box = CgroupSandbox.create(mounts.v2!, 'v2scan');
      for (const rel of [`${podA}/cri-containerd-${C1}.scope`, `${podA}/cri-containerd-${C2}.scope`, podB, `${podG}/crio-${C3}.scope`]) box.mkdir(rel);
      for (let i = 0; i < 5; i++) box.mkdir(`system.slice/run-r${randomBytes(16).toString('hex')}.scope`);
      await box.spawnIn(`${podA}/cri-containerd-${C1}.scope`);
      await box.spawnIn(`${podA}/cri-containerd-${C1}.scope`);
      await box.spawnIn(`${podG}/crio-${C3}.scope`);
      // Every hostile name the kernel accepts (it refuses a newline in a cgroup name).
      box.mkdir('hostile');
      for (const n of HOSTILE_NAMES) {
        try {
          mkdirSync(Buffer.from(`${box.root}/hostile/${n}`, 'latin1'));
          acceptedHostile.push(n);
        } catch (e) {
          assert.equal((e as NodeJS.ErrnoException).code, 'EINVAL', `mkdir ${JSON.stringify(n)}`);
        }
      }
      built.push('/', '/hostile', ...acceptedHostile.map((n) => `/hostile/${n}`));
      for (const rel of [`${podA}/cri-containerd-${C1}.scope`, `${podA}/cri-containerd-${C2}.scope`, podB, `${podG}/crio-${C3}.scope`]) {
        const parts = rel.split('/');
        for (let k = 1; k <= parts.length; k++) built.push('/' + parts.slice(0, k).join('/'));
      }
      built.push('/system.slice');
    });

    after(async () => {
      await box?.cleanup();
    });

    it('sees every cgroup that was built, with its processes and Kubernetes identity', async () => {
      const s = await scan();
      const h = hierarchy(s, 'unified');
      const rel = '/' + box!.root.slice(mounts.v2!.length + 1);
      const got = subtree(h, rel);
      const expected = [...new Set(built)]; // byte strings: hostile names are, the rest is ASCII
      // run-*.scope names are random: compare their count, and the rest by name.
      const runScopes = got.filter((p) => p.startsWith('/system.slice/run-r'));
      assert.equal(runScopes.length, 5);
      assert.deepEqual(got.filter((p) => !p.startsWith('/system.slice/run-r')), expected.sort());

      const at = (p: string): number => h.tree.find(byteStringOf(rel + '/' + p))!;
      const ids = treeIdentities(h.tree, h.basePath);
      const c1 = at(`${podA}/cri-containerd-${C1}.scope`);
      assert.equal(h.tree.stat('procs', c1), 2);
      assert.equal(h.tree.stat('populated', c1), 1);
      assert.equal(h.tree.stat('populated', at(podA)), 1);
      assert.equal(h.tree.stat('populated', at(`${podA}/cri-containerd-${C2}.scope`)), 0);
      assert.equal(h.tree.stat('procs', at(`${podG}/crio-${C3}.scope`)), 1);
      assert.deepEqual(ids[c1]!.k8s, { role: 'container', driver: 'systemd', qos: 'burstable', podUid: A, containerId: C1, runtime: 'containerd' });
      assert.deepEqual(ids[at(podB)]!.k8s, { role: 'pod', driver: 'systemd', qos: 'besteffort', podUid: B });
      assert.equal(ids[at(`${podG}/crio-${C3}.scope`)]!.k8s?.runtime, 'cri-o');
      assert.equal(ids[at(podG)]!.k8s?.qos, 'guaranteed');
      // The kernel's own count of what lies below the sandbox agrees with the walk.
      const root = at('');
      assert.equal(h.tree.stat('nrDescendants', h.tree.find(byteStringOf(rel))!), got.length - 1);
      assert.equal(root, h.tree.find(byteStringOf(rel)));
      // Ages come from GNU find here: the tree was made within the last minutes.
      const age = s.node.now! - h.tree.stat('mtime', c1);
      assert.ok(age >= 0 && age < 600, `age ${age}`);
      // Hostile names arrive byte for byte.
      for (const n of acceptedHostile) assert.notEqual(h.tree.find(byteStringOf(`${rel}/hostile/`) + n), undefined, JSON.stringify(n));
    });

    it('scans the sandbox alone with --cgroup-root and counts its pods and containers', async () => {
      const s = await scan({ cgroupRoot: box!.root });
      assert.equal(s.hierarchies.length, 1);
      const h = s.hierarchies[0]!;
      assert.equal(h.kind, 'v2');
      assert.equal(h.walkRoot, byteStringOf(box!.root));
      assert.equal(h.basePath, '/' + box!.root.slice(mounts.v2!.length + 1));
      assert.equal(h.tree.size, new Set(built).size + 5);
      const sum = summarize(s);
      assert.equal(sum.k8s?.pods, 3);
      assert.deepEqual(sum.k8s?.podsByQos, { guaranteed: 1, burstable: 1, besteffort: 1 });
      assert.deepEqual(sum.k8s?.containersByRuntime, { containerd: 2, 'cri-o': 1 });
      assert.equal(sum.hierarchies[0]!.transientMountScopes, 5);
      assert.equal(sum.hierarchies[0]!.processes, 3);
    });

    it('stops at its bounds and says so', async () => {
      const s = await scan({ cgroupRoot: box!.root, maxCgroups: 4 });
      const h = s.hierarchies[0]!;
      assert.equal(h.tree.size, 4);
      assert.deepEqual(h.bounds, [{ bound: 'count', limit: 4 }]);
      assert.ok(s.warnings.some((w) => /count bound \(4\)/.test(w)));
      const d = await scan({ cgroupRoot: box!.root, maxDepth: 1 });
      const hd = d.hierarchies[0]!;
      assert.deepEqual(hd.bounds, [{ bound: 'depth', limit: 1 }]);
      for (let i = 0; i < hd.tree.size; i++) assert.ok(hd.tree.depth(i) <= 1);
    });
  });

  describe('cgroup v1, cgroupfs driver', () => {
    const boxes = new Map<string, CgroupSandbox>();
    const A = uid();
    const C1 = cid();
    const pod = `kubepods/burstable/pod${A}`;
    const controllers = ['pids', 'memory', 'cpu'];

    before(async function () {
      const missing = controllers.filter((c) => !mounts.v1.has(c));
      needs(this, missing.length ? `no v1 ${missing.join(', ')} hierarchy` : cgroupMissing(mounts.v1.get('pids')!));
      for (const c of controllers) {
        const box = CgroupSandbox.create(mounts.v1.get(c)!, 'v1scan');
        boxes.set(c, box);
        box.mkdir(`${pod}/${C1}`);
        box.mkdir('kubepods/besteffort');
      }
      // The same two processes in the container's cgroup of every hierarchy, as runc places them.
      const pids = [await boxes.get('pids')!.spawnIn(`${pod}/${C1}`), await boxes.get('pids')!.spawnIn(`${pod}/${C1}`)];
      for (const c of ['memory', 'cpu']) for (const p of pids) boxes.get(c)!.place(p, `${pod}/${C1}`);
    });

    after(async () => {
      // The processes belong to the pids sandbox; kill them there before removing the others.
      await boxes.get('pids')?.cleanup();
      for (const [c, b] of boxes) if (c !== 'pids') await b.cleanup();
    });

    it('walks every v1 hierarchy with its own controllers’ stats', async () => {
      const s = await scan();
      for (const c of controllers) {
        const h = hierarchy(s, c);
        const box = boxes.get(c)!;
        const rel = '/' + box.root.slice(mounts.v1.get(c)!.length + 1);
        assert.deepEqual(subtree(h, rel), ['/', '/kubepods', '/kubepods/besteffort', '/kubepods/burstable', `/${pod}`, `/${pod}/${C1}`].sort(), c);
        const i = h.tree.find(`${rel}/${pod}/${C1}`)!;
        assert.equal(h.tree.stat('procs', i), 2, c);
        const id = treeIdentities(h.tree, h.basePath)[i]!.k8s;
        assert.deepEqual(id, { role: 'container', driver: 'cgroupfs', qos: 'burstable', podUid: A, containerId: C1, runtime: 'unknown' });
        if (c === 'pids') assert.equal(h.tree.stat('pids', i), 2);
        // Charges stay where they were made (sleep allocated before it moved), so only presence is certain.
        if (c === 'memory') assert.ok(h.tree.stat('memory', i) >= 0, 'memory.usage_in_bytes of the container');
        if (c !== 'memory') assert.ok(Number.isNaN(h.tree.stat('memory', i)), `${c} has no memory stats`);
      }
    });
  });

  describe('cgroups removed while a scan runs', () => {
    let box: CgroupSandbox | undefined;
    const N = 4000;

    before(function () {
      needs(this, mounts.v2 ? cgroupMissing(mounts.v2) : 'no cgroup2 mount');
      box = CgroupSandbox.create(mounts.v2!, 'churn');
      for (let i = 0; i < N; i++) mkdirSync(join(box.root, `pod${i}`));
    });

    after(async () => {
      await box?.cleanup();
    });

    it('finishes, and every cgroup it reports either still exists or is marked vanished', async () => {
      const removed = new Set<string>();
      let removing = false;
      const s = await scan({
        cgroupRoot: box!.root,
        onProgress: () => {
          if (removing) return;
          removing = true;
          // Remove the second half while the probe is still walking the first.
          for (let i = N / 2; i < N; i++) {
            rmdirSync(join(box!.root, `pod${i}`));
            removed.add(`/pod${i}`);
          }
        },
      });
      assert.ok(removing, 'the scan reported progress');
      const h = s.hierarchies[0]!;
      const vanished = new Set(h.vanished);
      for (const p of vanished) assert.ok(removed.has(p), `${p} vanished but was not removed`);
      let present = 0;
      for (let i = 1; i < h.tree.size; i++) {
        const p = h.tree.path(i);
        assert.ok(!vanished.has(p));
        present++;
      }
      // Nothing is lost or invented: kept cgroups are all there; the rest are seen, vanished or
      // unlisted. (Where the node's only awk is mawk, a read error stops a stage and the probe
      // says that records near it may be missing: then only that warning is required.)
      const restarted = s.warnings.some((w) => /mawk stopped on a read error/.test(w));
      if (!restarted) for (let i = 0; i < N / 2; i++) assert.notEqual(h.tree.find(`/pod${i}`), undefined, `pod${i} (of ${h.tree.size} cgroups, ${vanished.size} vanished, warnings ${s.warnings.join('; ')})`);
      assert.ok(present + vanished.size <= N);
      if (vanished.size) assert.ok(s.warnings.some((w) => /vanished during the walk/.test(w)));
      process.stdout.write(`      (${vanished.size} cgroups vanished mid-walk, ${present - N / 2} removed ones read before removal)\n`);
    });
  });
});
