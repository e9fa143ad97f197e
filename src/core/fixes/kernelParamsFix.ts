import type { Finding } from '../analysis/finding';
import { layoutOf, type Snapshot } from '../model/snapshot';
import type { FixDocument } from './fixDocument';
import { cmdlineHasNokmem, cmdlineWantsUnified } from '../model/kernelCmdline';

/**
 * The versions each parameter needs, with where they come from. One home: the document, its
 * reasons and the tests read them from here.
 */
export const KERNEL_PARAM_SOURCES = {
  /** Kubernetes' own requirements for cgroup v2 ("About cgroup v2", kubernetes.io/docs/concepts/architecture/cgroups/). */
  cgroupV2Kernel: [5, 8] as const,
  /**
   * runc's docs/cgroup-v2.md: "The recommended systemd version is 244 or later. Older systemd does
   * not support delegation of cpuset controller." (systemd learnt the parameter itself in 226,
   * systemd NEWS "CHANGES WITH 226", then as an experimental kernel feature.)
   */
  cgroupV2Systemd: 244,
  unifiedParamSystemd: 226,
  /**
   * EL7 kernels honour cgroup.memory=nokmem only with Red Hat's backport. Reported to work from
   * kernel-3.10.0-1062 (RHEL 7.7; RHSA-2019:3055 ships 3.10.0-1062.4.1) in docker/for-linux#841
   * and kubernetes/kubernetes#61937: second-hand, not confirmed against Red Hat's errata
   * (bugzilla 1507149 is private): unconfirmed.
   */
  nokmemEl7Build: 1062,
} as const;

/** "3.10.0-1160.el7.x86_64" -> [3, 10, 0] and the EL build 1160; "5.15.0-91-generic" -> [5, 15, 0]. */
export function kernelVersion(release: string | undefined): { version: [number, number, number]; build?: number } | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:-(\d+))?/.exec(release ?? '');
  if (!m) return undefined;
  return { version: [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)], ...(m[4] !== undefined ? { build: Number(m[4]) } : {}) };
}

/** "219", "252.19-1" or "systemd 249 (249.11-0ubuntu3)" -> 219, 252, 249. */
export function systemdVersion(text: string | undefined): number | undefined {
  const m = /(\d{2,4})/.exec(text ?? '');
  return m ? Number(m[1]) : undefined;
}

const atLeast = (v: readonly number[], min: readonly number[]): boolean => {
  for (let i = 0; i < min.length; i++) {
    const a = v[i] ?? 0;
    const b = min[i]!;
    if (a !== b) return a > b;
  }
  return true;
};

export interface KernelParamsOptions {
  /**
   * False when the node is a saved snapshot: kmem accounting (memory.kmem.slabinfo of the pods)
   * was not read, so whether cgroup.memory=nokmem applies could not be told.
   */
  liveFacts?: boolean;
}

/**
 * Kernel parameters and sysctls for this node: those that bear on a finding, each only where the
 * node's kernel and systemd support it, with the versions and their sources. Moving to cgroup v2
 * is offered apart, as the migration it is, never as a cure for a finding. What is commonly
 * suggested but does not help is said so at the end of the document.
 */
export function kernelParamsFix(s: Snapshot, findings: readonly Finding[], o: KernelParamsOptions = {}): FixDocument {
  const boot: string[] = [];
  const sysctl: string[] = [];
  const reasons: string[] = [];
  const notes: string[] = [];
  const cmdline = s.node.cmdline ?? '';
  const kernel = kernelVersion(s.node.kernel);
  const systemd = systemdVersion(s.node.systemd);
  const kernelText = s.node.kernel ?? 'unknown';
  const el7 = kernel !== undefined && kernel.version[0] === 3 && kernel.version[1] === 10 && kernel.build !== undefined;

  // cgroup.memory=nokmem: only for the 3.10 kmem leak, and only on EL7 kernels that honour it.
  const hasNokmem = cmdlineHasNokmem(cmdline);
  if (findings.some((f) => f.kind === 'kmem-accounting') && !hasNokmem) {
    const min = KERNEL_PARAM_SOURCES.nokmemEl7Build;
    if (el7 && kernel.build! >= min) {
      boot.push('cgroup.memory=nokmem');
      reasons.push(
        `cgroup.memory=nokmem: stops kernel-memory accounting, whose slab caches keep removed memory cgroups alive on EL7 3.10 kernels (kmem-accounting finding); kernel ${kernelText} is at or after 3.10.0-${min}, from which EL7 kernels are reported to honour it (docker/for-linux#841, kubernetes#61937, RHSA-2019:3055; unconfirmed against Red Hat's errata): after the reboot, check that a new pod's memory.kmem.usage_in_bytes stays 0`,
      );
    } else if (el7) {
      notes.push(
        `#   cgroup.memory=nokmem is not offered: kernel ${kernelText} is older than 3.10.0-${min}, the first EL7 kernel reported to honour it (unconfirmed); an older EL7 kernel ignores the parameter without a word. Update the kernel first, then boot with cgroup.memory=nokmem.`,
      );
    } else {
      notes.push(`#   cgroup.memory=nokmem is not offered: kernel ${kernelText} is not an EL7 3.10 kernel, the only kind whose kmem accounting leaks memory cgroups this way.`);
    }
  } else if (o.liveFacts === false && el7 && !hasNokmem) {
    notes.push('#   kmem accounting was not checked: it needs the live node (memory.kmem.slabinfo of its pods), which a saved snapshot does not hold.');
  }

  const nodePids = findings.find((f) => f.kind === 'pids-pressure' && f.cgroups.length === 0);
  if (nodePids && s.node.pidMax !== undefined && s.node.pidMax < 4_194_304) {
    sysctl.push('kernel.pid_max = 4194304');
    reasons.push(`kernel.pid_max = 4194304: ${nodePids.title}; 4194304 is the 64-bit kernel's ceiling (PID_MAX_LIMIT)`);
  }

  const migration = cgroupV2Migration(s, kernel?.version, systemd, kernelText, cmdline);

  const lines = ['# Kernel parameters for this node, from its findings (generated by cgroup-forensics).'];
  // Nothing to set is a result, said as plainly as a change would be (fixHeader shows noChange).
  const none = "none of this node's findings is fixed by a kernel parameter or a sysctl: this file sets nothing, and there is nothing to copy to /etc/sysctl.d or to add to the boot line";
  if (!boot.length && !sysctl.length) lines.push(`# No change needed: ${none}.`);
  if (boot.length) lines.push('', '# Boot parameters: add to GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub (or grubby --update-kernel=ALL --args=...) and reboot:', `#   ${boot.join(' ')}`);
  if (sysctl.length) lines.push('', '# sysctls: this file as /etc/sysctl.d/90-cgroup-forensics.conf, then sysctl --system', ...sysctl);
  if (notes.length) lines.push('', '# Not offered for this node:', ...notes);
  lines.push('', ...migration);
  lines.push(
    '',
    '# Not fixes, though often suggested:',
    '#   --cgroup-root=/sys/fs/cgroup is wrong: the flag names a cgroup (a path inside the hierarchy), not the mount point.',
    '#   echo 1 > notify_on_release cleans nothing by itself: it only makes the kernel run release_agent, which is a security risk.',
    '#   vm.oom_kill_allocating_task has nothing to do with cgroup leaks: it only picks which task the OOM killer kills.',
    '#   vm.overcommit_memory=1 makes the kernel grant every address-space request "until it actually runs out" (Documentation/admin-guide/sysctl/vm.rst);',
    '#     it frees no cgroup, removes no dying memory cgroup and does not touch the kernel memory they hold (overcommit accounting counts',
    "#     processes' virtual commitments, not cgroups); memory limits are still charged page by page, so a leak only shows later, as OOM kills.",
    '#   vm.panic_on_oom=0 is the kernel default (0: the OOM killer kills a process; 1: panic unless the OOM is confined to a mempolicy or',
    '#     cpuset, and a memory cgroup OOM never panics; 2: panic even on a memory cgroup OOM). Setting 0 changes nothing unless 1 or 2 was',
    '#     set, and no value of it prevents, cleans or reveals a cgroup leak.',
  );
  return {
    kind: 'sysctl',
    title: boot.length || sysctl.length ? `kernel parameters: ${[...boot, ...sysctl].join(', ')}` : 'kernel parameters: none needed',
    ...(sysctl.length ? { targetPath: '/etc/sysctl.d/90-cgroup-forensics.conf' } : {}),
    content: lines.join('\n') + '\n',
    reasons,
    apply: boot.length ? ['edit the boot command line as the comments say, then reboot the node (drain it first)'] : sysctl.length ? ['copy to /etc/sysctl.d/90-cgroup-forensics.conf', 'sysctl --system'] : [],
    ...(boot.length || sysctl.length ? {} : { noChange: none }),
  };
}

/**
 * cgroup v2 as what it is: a migration of the whole node with its own requirements and benefits.
 * It is offered on a v1 or hybrid node whose kernel and systemd meet Kubernetes' and runc's
 * requirements, and it is never tied to a finding: dying memory cgroups exist on v2 as well, and a
 * driver mismatch is fixed by aligning the drivers (fix driver), not by the hierarchy.
 */
function cgroupV2Migration(s: Snapshot, kernel: readonly number[] | undefined, systemd: number | undefined, kernelText: string, cmdline: string): string[] {
  const layout = layoutOf(s);
  if (layout !== 'v1' && layout !== 'hybrid') return [];
  const src = KERNEL_PARAM_SOURCES;
  const [kMaj, kMin] = src.cgroupV2Kernel;
  const missing: string[] = [];
  if (kernel === undefined) missing.push(`the kernel release is unknown (Kubernetes needs ${kMaj}.${kMin}+)`);
  else if (!atLeast(kernel, src.cgroupV2Kernel)) missing.push(`kernel ${kernelText} is older than ${kMaj}.${kMin}, the minimum Kubernetes states for cgroup v2`);
  if (systemd === undefined) missing.push(`the systemd version is unknown (cgroup v2 nodes need systemd ${src.cgroupV2Systemd}+)`);
  else if (systemd < src.unifiedParamSystemd) missing.push(`systemd ${systemd} does not know systemd.unified_cgroup_hierarchy (added in systemd ${src.unifiedParamSystemd})`);
  else if (systemd < src.cgroupV2Systemd) missing.push(`systemd ${systemd} is older than ${src.cgroupV2Systemd}, which runc recommends for cgroup v2 (older systemd cannot delegate the cpuset controller)`);
  if (missing.length) {
    return [`# Moving this ${layout} node to cgroup v2 is not offered: ${missing.join('; ')}.`];
  }
  if (cmdlineWantsUnified(cmdline)) return [];
  return [
    `# Optional migration, not a fix for any finding above: this ${layout} node (kernel ${kernelText}, systemd ${systemd}) meets`,
    `# Kubernetes' requirements for cgroup v2 (kernel ${kMaj}.${kMin}+, containerd 1.4+ or CRI-O 1.20+, the systemd cgroup driver in kubelet`,
    `# and the runtime) and runc's (systemd ${src.cgroupV2Systemd}+). Its benefits: one hierarchy instead of one tree per controller, memory.events`,
    '# and pressure (PSI) per pod, features that need v2 (MemoryQoS); Kubernetes keeps cgroup v1 in maintenance mode since 1.31.',
    '# It does not remove dying memory cgroups (v2 has them too) and does not fix a driver mismatch (align the drivers: fix driver).',
    '# If you plan the move: boot with',
    '#   systemd.unified_cgroup_hierarchy=1',
    '# after checking that every agent on the node that reads /sys/fs/cgroup supports v2; drain the node first.',
  ];
}
