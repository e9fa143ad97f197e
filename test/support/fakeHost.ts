import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A node's root filesystem laid out in a temporary directory, for scans with --host-root: the
 * mount table, /proc files and cgroup directories holding the same files, in the same formats,
 * as the kernel's. Regular directories can hold names the kernel refuses (a newline), so the
 * probe's handling of every byte is tested here; the real kernel is tested in integration/.
 *
 * Paths and file names are byte strings (latin1), so fixtures can hold invalid UTF-8.
 */
export interface FakeHostSpec {
  mountinfo: string[];
  /** Files under the host root (relative path -> content), e.g. "proc/cgroups". */
  files?: Record<string, string>;
  /** Per mount point: cgroup relative path -> files in that cgroup directory. */
  cgroups: Record<string, Record<string, Record<string, string>>>;
}

export interface FakeHost {
  root: string;
  remove(): void;
}

const fsPath = (p: string): Buffer => Buffer.from(p, 'latin1');

export function makeFakeHost(spec: FakeHostSpec): FakeHost {
  const root = mkdtempSync(join(tmpdir(), 'cf-host-'));
  const write = (rel: string, content: string): void => {
    const full = `${root}/${rel}`;
    mkdirSync(fsPath(dirname(full)), { recursive: true });
    writeFileSync(fsPath(full), content);
  };
  write('proc/1/mountinfo', spec.mountinfo.join('\n') + '\n');
  for (const [rel, content] of Object.entries(spec.files ?? {})) write(rel, content);
  for (const [mount, cgroups] of Object.entries(spec.cgroups)) {
    for (const [cg, files] of Object.entries(cgroups)) {
      const dir = `${mount.replace(/^\//, '')}${cg === '/' ? '' : cg}`;
      mkdirSync(fsPath(`${root}/${dir}`), { recursive: true });
      for (const [name, content] of Object.entries(files)) writeFileSync(fsPath(`${root}/${dir}/${name}`), content);
    }
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** The files of a v2 cgroup as the kernel shows them, from a few numbers. */
export function v2Files(o: {
  procs?: number[];
  populated?: boolean;
  descendants?: number;
  dying?: number;
  memory?: number;
  anon?: number;
  file?: number;
  kernel?: number;
  slab?: number;
  cpuUsec?: number;
  pids?: number;
  pidsMax?: number | 'max';
  psi?: [number, number, number];
  root?: boolean;
  /** cgroup.events "frozen 1" (frozen by itself or by an ancestor); cgroup.freeze 1 only when by itself. */
  frozen?: 'self' | 'inherited';
}): Record<string, string> {
  const f: Record<string, string> = {
    'cgroup.procs': (o.procs ?? []).map((p) => `${p}\n`).join(''),
    'cgroup.stat': `nr_descendants ${o.descendants ?? 0}\nnr_subsys_cpu ${o.descendants ?? 0}\nnr_dying_descendants ${o.dying ?? 0}\nnr_dying_subsys_cpu 0\n`,
    'cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n',
    'cpu.stat': `usage_usec ${o.cpuUsec ?? 0}\nuser_usec ${Math.floor((o.cpuUsec ?? 0) / 2)}\nsystem_usec ${Math.ceil((o.cpuUsec ?? 0) / 2)}\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n`,
  };
  const psi = (v: number): string => `some avg10=${v.toFixed(2)} avg60=0.00 avg300=0.00 total=12345\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n`;
  if (o.psi) {
    f['cpu.pressure'] = psi(o.psi[0]);
    f['memory.pressure'] = psi(o.psi[1]);
    f['io.pressure'] = psi(o.psi[2]);
  }
  if (!o.root) {
    f['cgroup.type'] = 'domain\n';
    f['cgroup.events'] = `populated ${o.populated ? 1 : 0}\nfrozen ${o.frozen ? 1 : 0}\n`;
    f['cgroup.freeze'] = `${o.frozen === 'self' ? 1 : 0}\n`;
    if (o.memory !== undefined) {
      f['memory.current'] = `${o.memory}\n`;
      f['memory.stat'] = `anon ${o.anon ?? 0}\nfile ${o.file ?? 0}\nkernel ${o.kernel ?? 0}\nkernel_stack 16384\npagetables 0\nsec_pagetables 0\npercpu 0\nsock 0\nvmalloc 0\nshmem 0\nslab_reclaimable ${Math.floor((o.slab ?? 0) / 2)}\nslab_unreclaimable ${Math.ceil((o.slab ?? 0) / 2)}\nslab ${o.slab ?? 0}\nworkingset_refault_anon 0\n`;
    }
    if (o.pids !== undefined) {
      f['pids.current'] = `${o.pids}\n`;
      f['pids.max'] = `${o.pidsMax ?? 'max'}\n`;
    }
  }
  return f;
}

/** The files of a v1 cgroup in one hierarchy, by its controllers. */
export function v1Files(
  controllers: string[],
  o: { procs?: number[]; memory?: number; rss?: number; cache?: number; cpuNs?: number; pids?: number; pidsMax?: number | 'max'; root?: boolean; freezer?: 'FROZEN' | 'FREEZING'; freezerInherited?: boolean },
): Record<string, string> {
  const procs = (o.procs ?? []).map((p) => `${p}\n`).join('');
  const f: Record<string, string> = { 'cgroup.procs': procs, tasks: procs, notify_on_release: '0\n', 'cgroup.clone_children': '0\n' };
  if (controllers.includes('memory')) {
    f['memory.usage_in_bytes'] = `${o.memory ?? 0}\n`;
    f['memory.stat'] = `cache 1\nrss 2\nrss_huge 0\nshmem 0\nmapped_file 0\ntotal_cache ${o.cache ?? 0}\ntotal_rss ${o.rss ?? 0}\ntotal_rss_huge 0\n`;
    f['memory.kmem.slabinfo'] = 'slabinfo - version: 2.1\n';
  }
  if (controllers.includes('cpuacct')) f['cpuacct.usage'] = `${o.cpuNs ?? 0}\n`;
  if (controllers.includes('freezer') && !o.root) {
    // freezer.state shows an ancestor's freeze too; self_freezing says whether it is this cgroup's own.
    f['freezer.state'] = `${o.freezer ?? 'THAWED'}\n`;
    f['freezer.self_freezing'] = `${o.freezer && !o.freezerInherited ? 1 : 0}\n`;
    f['freezer.parent_freezing'] = `${o.freezer && o.freezerInherited ? 1 : 0}\n`;
  }
  if (controllers.includes('pids') && !o.root) {
    f['pids.current'] = `${o.pids ?? 0}\n`;
    f['pids.max'] = `${o.pidsMax ?? 'max'}\n`;
  }
  return f;
}
