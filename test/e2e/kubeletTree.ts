import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupSandbox } from '../support/cgroupSandbox';

/**
 * A kubelet-shaped tree (systemd driver) in a real cgroup sandbox, and a kubelet root directory
 * of its own that knows only some of the pods, as a real kubelet's pods/ does:
 *   kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope
 * The live pod has a sleeping process in its container; the orphan pod is unknown to kubelet and
 * empty (a pod whose teardown never removed its cgroups).
 */
export interface KubeletTree {
  sandbox: CgroupSandbox;
  /** The sandbox directory name under the mount (the first level of the tree view). */
  top: string;
  kubeletDir: string;
  livePod: string;
  orphanPod: string;
  besteffortPod: string;
  /** Relative paths inside the sandbox. */
  paths: { kubepods: string; burstable: string; livePod: string; liveContainer: string; orphanPod: string; orphanContainer: string };
  cleanup(): Promise<void>;
}

const slicePod = (qos: string, uid: string): string => `kubepods-${qos}-pod${uid.replace(/-/g, '_')}.slice`;

/**
 * `kubeletConfig`: the text of a KubeletConfiguration in the kubelet directory's config.yaml (the
 * file kubeadm's kubelet reads), for a walk that opens the kubelet fix against it.
 * `runcColonContainer`: also a container cgroup named as containerd names one for a systemd-driver
 * kubelet and runc's cgroupfs driver then makes it (/system.slice/containerd.service/<pod
 * slice>:cri-containerd:<id>, as test/integration/driverTruth.test.ts reproduces with the real
 * containerd and runc): the node's evidence of a driver mismatch.
 */
export async function buildKubeletTree(mount: string, o: { kubeletConfig?: string; runcColonContainer?: boolean } = {}): Promise<KubeletTree> {
  const sandbox = CgroupSandbox.create(mount, 'e2e');
  const kubeletDir = mkdtempSync(join(tmpdir(), 'cf-e2e-kubelet-'));
  const livePod = randomUUID();
  const orphanPod = randomUUID();
  const besteffortPod = randomUUID();
  const id = (): string => randomBytes(32).toString('hex');
  const kubepods = '/kubepods.slice';
  const burstable = `${kubepods}/kubepods-burstable.slice`;
  const besteffort = `${kubepods}/kubepods-besteffort.slice`;
  const paths = {
    kubepods,
    burstable,
    livePod: `${burstable}/${slicePod('burstable', livePod)}`,
    liveContainer: `${burstable}/${slicePod('burstable', livePod)}/cri-containerd-${id()}.scope`,
    orphanPod: `${burstable}/${slicePod('burstable', orphanPod)}`,
    orphanContainer: `${burstable}/${slicePod('burstable', orphanPod)}/cri-containerd-${id()}.scope`,
  };
  try {
    sandbox.mkdir(paths.orphanContainer);
    sandbox.mkdir(`${besteffort}/${slicePod('besteffort', besteffortPod)}/cri-containerd-${id()}.scope`);
    await sandbox.spawnIn(paths.liveContainer);
    // kubelet knows the live pods (a directory per pod UID), not the orphan.
    for (const uid of [livePod, besteffortPod]) mkdirSync(join(kubeletDir, 'pods', uid), { recursive: true });
    if (o.kubeletConfig !== undefined) writeFileSync(join(kubeletDir, 'config.yaml'), o.kubeletConfig);
    if (o.runcColonContainer) sandbox.mkdir(`/system.slice/containerd.service/${slicePod('besteffort', randomUUID())}:cri-containerd:${id()}`);
  } catch (e) {
    await sandbox.cleanup();
    rmSync(kubeletDir, { recursive: true, force: true });
    throw e;
  }
  // The pods were made an hour ago, as a leak is found on a real node: older than the grace
  // period, and stable (cgroupfs shows an untouched directory's inode time, which moves when
  // the kernel drops and re-creates the inode under memory pressure).
  const hourAgo = new Date(Date.now() - 3600_000);
  const age = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) age(join(dir, e.name));
    utimesSync(dir, hourAgo, hourAgo);
  };
  age(sandbox.root);
  return {
    sandbox,
    top: sandbox.root.slice(sandbox.root.lastIndexOf('/') + 1),
    kubeletDir,
    livePod,
    orphanPod,
    besteffortPod,
    paths,
    async cleanup() {
      await sandbox.cleanup();
      rmSync(kubeletDir, { recursive: true, force: true });
    },
  };
}
