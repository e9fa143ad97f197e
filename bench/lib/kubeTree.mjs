// Builds a real kubelet-shaped cgroup tree of about N cgroups in the unified (v2) hierarchy,
// inside one unique parent of its own, and removes exactly that parent afterwards. v2 only: a v2
// cgroup costs ~10 KiB of kernel memory, while v1 memory cgroups are capped at 65,535 ids and
// linger after removal.
import { mkdirSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export function unifiedMount() {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep > 0 && line.slice(sep + 3).startsWith('cgroup2 ')) return line.slice(0, sep).split(' ')[4];
  }
  throw new Error('no cgroup2 mount on this machine');
}

const hex = (n) => randomBytes(n).toString('hex');
const uid = () => { const h = hex(16); return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`; };

/**
 * Makes ~n cgroups: kubepods.slice / 3 QoS slices / pods (systemd driver names) / 2 containers
 * each, plus system.slice with transient run-*.scope units (the shape of a leaking node).
 * Returns { root, count, remove() }.
 */
export function buildKubeTree(n, mount = unifiedMount()) {
  const root = join(mount, `cf-bench-${process.pid}-${hex(4)}`);
  mkdirSync(root);
  let count = 1;
  const mk = (p) => { mkdirSync(p); count++; return p; };
  const kp = mk(join(root, 'kubepods.slice'));
  const sys = mk(join(root, 'system.slice'));
  const qos = [kp, mk(join(kp, 'kubepods-burstable.slice')), mk(join(kp, 'kubepods-besteffort.slice'))];
  const qosName = ['', 'burstable-', 'besteffort-'];
  let i = 0;
  while (count < n) {
    if (i % 10 === 9) {
      mk(join(sys, `run-r${hex(16)}.scope`));
    } else {
      const q = i % 3;
      const u = uid().replace(/-/g, '_');
      const pod = mk(join(qos[q], `kubepods-${qosName[q]}pod${u}.slice`));
      if (count < n) mk(join(pod, `cri-containerd-${hex(32)}.scope`));
      if (count < n) mk(join(pod, `cri-containerd-${hex(32)}.scope`));
    }
    i++;
  }
  return { root, count, remove: () => removeTree(root) };
}

export function removeTree(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeTree(join(dir, e.name));
  rmdirSync(dir);
}
