/**
 * Whether a removed (offline, "dying") memory cgroup keeps its memcg ID on a kernel, and what
 * mkdir says there when the IDs run out. One home for this knowledge: the dying-cgroups finding,
 * the Prometheus export (and through it the MemcgIdHeadroomLow rule and the Grafana panel) ask here.
 *
 * Sources, read in the commits and the stable queue:
 * - 73f576c04b94 "mm: memcontrol: fix cgroup creation failure after many small jobs" (Johannes
 *   Weiner, 2016-07-20; first release v4.7): a private 16-bit memcg ID, given back when the memcg
 *   goes offline (mem_cgroup_css_offline -> mem_cgroup_id_put); only swap-out records keep pinning
 *   it (mem_cgroup_swapout/try_charge_swap take mem_cgroup_id_get). Before it, the memcg ID was the
 *   css ID, held until the css was freed, and mem_cgroup_css_online refused an ID above
 *   MEM_CGROUP_ID_MAX with -ENOSPC (the commit's own reproducer ends in "mkdir: cannot create
 *   directory '/cgroup/foo': No space left on device"). Stable backports (stable-queue
 *   releases/4.6.6 and releases/4.4.18, the 4.4 one by Michal Hocko); none found for 4.1.y or
 *   3.18.y, and 4.5.y had ended. That v4.7 holds it: its follow-up fix 1f47b61fb407 ("fix swap
 *   counter leak on swapout from offline cgroup", Fixes: 73f576c04b94) went to 4.7.1 (and 4.6.7),
 *   while 73f576c04b94 itself was never queued for 4.7.y.
 * - 11d6761218d1 "mm, memcg: fix error return value of mem_cgroup_css_alloc()" (Yafang Shao,
 *   first release v5.7): on kernels with the private ID, a failed idr_alloc came back as -ENOMEM,
 *   "mkdir: cannot create directory 'foo.65533': Cannot allocate memory"; from it, -ENOSPC.
 *   Stable: queued for 5.4 ("PATCH 5.4 86/90", 2020-05-13, the 5.4.41 series) and 5.6 (the
 *   5.6.13 series); not queued for 4.19, 4.14, 4.9 or 4.4.
 * - MEM_CGROUP_ID_MAX is USHRT_MAX (65535) in include/linux/memcontrol.h.
 * - RHEL/CentOS 7 (3.10.0-*.el7): upstream 3.10 holds IDs (css_id); whether Red Hat backported
 *   73f576c04b94 is unconfirmed (a third-party list matches a CentOS 7 changelog subject to it only
 *   loosely). Reports of ID exhaustion on these kernels exist with both texts: kubernetes#61937
 *   (3.10.0-514, "No space left on device" at num_cgroups 65535) and kubernetes#96701 (3.10.0-1160,
 *   "cannot allocate memory"). They are treated as holding IDs, with that said.
 */
const MEMCG_ID_SOURCES = {
  privateId: 'https://git.kernel.org/torvalds/c/73f576c04b94 (first in v4.7; stable 4.4.18, 4.6.6)',
  enospc: 'https://git.kernel.org/torvalds/c/11d6761218d1 (first in v5.7; stable 5.4.41, 5.6.13)',
  rhel7: 'RHEL 7 backport of 73f576c04b94 unconfirmed; ID exhaustion reported on 3.10.0-514 (kubernetes#61937) and 3.10.0-1160 (kubernetes#96701)',
} as const;

export type MemcgIdState = 'held' | 'released' | 'unknown';

export interface MemcgIdVerdict {
  /** held: a removed memcg keeps its ID until freed; released: gives it back when removed (unless swapped-out pages pin it). */
  ids: MemcgIdState;
  /** One line: why, for this kernel release. */
  why: string;
  sources: string[];
  /** What mkdir of a memory cgroup says when the IDs run out here (both when it cannot be told). */
  mkdirError: string;
}

const ENOSPC = 'No space left on device (ENOSPC)';
const ENOMEM = 'Cannot allocate memory (ENOMEM)';

/** major.minor.sublevel from a kernel release ("6.1.0-27-amd64", "3.10.0-1160.el7.x86_64", "4.4.18"). */
export function kernelVersion(release: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/**
 * Distribution kernels name their base ".0" whatever stable release they carry (Debian
 * "4.9.0-8-amd64", Ubuntu "4.4.0-36-generic", RHEL "3.10.0-1160.el7"): their sublevel says nothing
 * about a stable backport. Upstream and most others (Fedora, Arch) carry the real sublevel.
 */
const sublevelUnknown = (release: string, v: [number, number, number]): boolean => v[2] === 0 && /^\d+\.\d+\.0-/.test(release.trim());

const atLeast = (v: [number, number, number], w: [number, number, number]): boolean => v[0] !== w[0] ? v[0] > w[0] : v[1] !== w[1] ? v[1] > w[1] : v[2] >= w[2];

/** Whether mkdir says ENOSPC or ENOMEM on a kernel with the private memcg ID (see 11d6761218d1). */
function releasedError(release: string, v: [number, number, number]): string {
  if (atLeast(v, [5, 7, 0])) return ENOSPC;
  const backport = (v[0] === 5 && v[1] === 4 && v[2] >= 41) || (v[0] === 5 && v[1] === 6 && v[2] >= 13);
  if (backport) return ENOSPC;
  if ((v[0] === 5 && (v[1] === 4 || v[1] === 6)) && sublevelUnknown(release, v)) return `${ENOMEM} or ${ENOSPC}`;
  return ENOMEM;
}

/** The memcg ID verdict for a kernel release (uname -r); undefined or unparsable: unknown. */
export function memcgIdVerdict(release: string | undefined): MemcgIdVerdict {
  const both = `${ENOSPC} or ${ENOMEM}`;
  const r = (release ?? '').trim();
  const v = r ? kernelVersion(r) : undefined;
  if (!v) {
    return { ids: 'unknown', why: `the kernel release is unknown, so whether removed memory cgroups hold memcg IDs is unconfirmed`, sources: [MEMCG_ID_SOURCES.privateId], mkdirError: both };
  }
  if (v[0] === 3 && v[1] === 10 && /\.el7/.test(r)) {
    return { ids: 'held', why: `kernel ${r} is RHEL/CentOS 7's 3.10, whose upstream base keeps a removed memory cgroup's ID until it is freed`, sources: [MEMCG_ID_SOURCES.privateId, MEMCG_ID_SOURCES.rhel7], mkdirError: both };
  }
  if (atLeast(v, [4, 7, 0])) {
    return { ids: 'released', why: `kernel ${r} (4.7 or later) gives a removed memory cgroup's ID back when it goes offline, unless swapped-out pages still pin it`, sources: [MEMCG_ID_SOURCES.privateId, MEMCG_ID_SOURCES.enospc], mkdirError: releasedError(r, v) };
  }
  const branch = v[0] === 4 && v[1] === 6 ? 6 : v[0] === 4 && v[1] === 4 ? 18 : undefined;
  if (branch !== undefined) {
    if (sublevelUnknown(r, v)) {
      return { ids: 'unknown', why: `kernel ${r} is a distribution build of 4.${v[1]} whose stable level is not in its name: whether it has the 4.${v[1]}.${branch} backport that gives removed memory cgroups' IDs back is unconfirmed`, sources: [MEMCG_ID_SOURCES.privateId], mkdirError: both };
    }
    if (v[2] >= branch) {
      return { ids: 'released', why: `kernel ${r} has the 4.${v[1]}.${branch} stable backport: a removed memory cgroup gives its ID back when it goes offline, unless swapped-out pages still pin it`, sources: [MEMCG_ID_SOURCES.privateId], mkdirError: ENOMEM };
    }
  }
  return { ids: 'held', why: `kernel ${r} predates 73f576c04b94 (Linux 4.7) and has no stable backport of it: a removed memory cgroup keeps its ID until it is freed`, sources: [MEMCG_ID_SOURCES.privateId], mkdirError: ENOSPC };
}
