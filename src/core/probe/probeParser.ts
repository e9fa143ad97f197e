import { CgroupTree, STAT_NAMES } from '../model/cgroupTree';
import {
  hierarchyName,
  SNAPSHOT_SCHEMA,
  type BoundHit,
  type Hierarchy,
  type HierarchyKind,
  type NodeFacts,
  type ProcCgroupsRow,
  type Snapshot,
  type SnapshotSource,
} from '../model/snapshot';
import { unescapeField, unescapeMountinfo } from './fieldEscape';

export const PROBE_PROTOCOL = '1';

export interface ProbeProblem {
  code: string;
  message: string;
}

/**
 * Reads the probe's output incrementally (push chunks as they arrive) into a Snapshot. Lines are
 * split at the byte level and read as latin1, so names keep their exact bytes.
 */
export class ProbeParser {
  private pending: Buffer[] = [];
  private hierarchies: Hierarchy[] = [];
  private current: Hierarchy | undefined;
  private readonly facts: NodeFacts = {};
  private readonly procCgroups: ProcCgroupsRow[] = [];
  private readonly mounts: string[] = [];
  private readonly values = new Float64Array(STAT_NAMES.length);
  private sawVersion = false;
  private readonly walkWarnings: string[] = [];
  /** The probe's end marker arrived: the output is complete. */
  complete = false;
  problem: ProbeProblem | undefined;
  cgroups = 0;

  constructor(private readonly onCgroup?: (count: number, hierarchy: Hierarchy) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      let line: string;
      if (this.pending.length) {
        this.pending.push(chunk.subarray(start, nl));
        line = Buffer.concat(this.pending).toString('latin1');
        this.pending = [];
      } else {
        line = chunk.toString('latin1', start, nl);
      }
      this.line(line);
      start = nl + 1;
    }
    if (start < chunk.length) this.pending.push(Buffer.from(chunk.subarray(start)));
  }

  private line(line: string): void {
    const f = line.split('\t');
    switch (f[0]) {
      case 'C':
        return this.cgroupRecord(f);
      case 'V':
        if (f[2] !== PROBE_PROTOCOL) throw new Error(`the probe speaks protocol ${f[2]}, this reader ${PROBE_PROTOCOL}`);
        this.sawVersion = true;
        return;
      case 'F':
        return this.fact(f[1] ?? '', unescapeField(f[2] ?? ''));
      case 'G': {
        const g = unescapeField(f[1] ?? '').split('\t');
        if (g[0]?.startsWith('#') || g.length < 4) return;
        this.procCgroups.push({ subsys: g[0]!, hierarchy: Number(g[1]), numCgroups: Number(g[2]), enabled: g[3] === '1' });
        return;
      }
      case 'M':
        this.mounts.push(unescapeField(f[1] ?? ''));
        return;
      case 'H':
        return this.hierarchy(f);
      case 'X':
        this.byId(f[1]).vanished.push(unescapeField(f[2] ?? ''));
        return;
      case 'L': {
        const h = this.byId(f[1]);
        const bound = f[2] as BoundHit['bound'];
        if (!h.bounds.some((b) => b.bound === bound)) h.bounds.push({ bound, limit: Number(f[3]) });
        return;
      }
      case 'W': {
        const h = this.byId(f[1]);
        this.walkWarnings.push(`${h.name}: ${unescapeField(f[2] ?? '')}`);
        return;
      }
      case 'E':
        this.problem = { code: f[1] ?? 'unknown', message: unescapeField(f[2] ?? '') };
        return;
      case 'Z':
        this.complete = true;
        return;
      default:
        throw new Error(`unexpected probe record ${JSON.stringify(line.slice(0, 40))}`);
    }
  }

  private fact(key: string, value: string): void {
    const num = (v: string): number | undefined => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);
    const facts = this.facts;
    switch (key) {
      case 'hostname':
      case 'kernel':
      case 'os':
      case 'systemd':
        facts[key] = value.trim();
        return;
      case 'cmdline':
        facts.cmdline = value.trim();
        return;
      case 'loadavg':
        facts.loadavg = value.trim();
        return;
      case 'pid_max':
      case 'threads_max':
      case 'now': {
        const n = num(value);
        if (n !== undefined) facts[key === 'pid_max' ? 'pidMax' : key === 'threads_max' ? 'threadsMax' : 'now'] = n;
        return;
      }
      case 'uptime': {
        const n = num(value.split(' ')[0] ?? '');
        if (n !== undefined) facts.uptimeSeconds = n;
        return;
      }
      case 'meminfo_MemTotal':
      case 'meminfo_Slab':
      case 'meminfo_SUnreclaim':
      case 'meminfo_Percpu': {
        const n = num(value);
        const field = ({ meminfo_MemTotal: 'memTotalKb', meminfo_Slab: 'slabKb', meminfo_SUnreclaim: 'sUnreclaimKb', meminfo_Percpu: 'percpuKb' } as const)[key];
        if (n !== undefined) facts.meminfo = { ...facts.meminfo, [field]: n };
        return;
      }
      default:
        return; // a newer probe's fact: ignored, not fatal
    }
  }

  private hierarchy(f: string[]): void {
    const kind = f[2] as HierarchyKind;
    if (kind !== 'v1' && kind !== 'v2') throw new Error(`unknown hierarchy kind ${f[2]}`);
    const controllers = (f[3] ?? '').split(',').filter((c) => c !== '');
    const mountPoint = unescapeMountinfo(unescapeField(f[4] ?? ''));
    const mountRoot = unescapeMountinfo(unescapeField(f[5] ?? ''));
    const walkRoot = unescapeField(f[6] ?? '');
    // Where a --cgroup-root lies below the mount point, its cgroup path is the mount's root plus the rest.
    const below = walkRoot.startsWith(mountPoint) ? walkRoot.slice(mountPoint.length) : '';
    const basePath = joinCgroupPath(mountRoot, below);
    const h: Hierarchy = {
      id: Number(f[1]),
      kind,
      controllers,
      name: hierarchyName(kind, controllers),
      mountPoint,
      mountRoot,
      walkRoot,
      basePath,
      mtimeSupported: f[7] === '1',
      tree: new CgroupTree(),
      bounds: [],
      vanished: [],
    };
    this.hierarchies.push(h);
    this.current = h;
  }

  private byId(id: string | undefined): Hierarchy {
    const h = this.current?.id === Number(id) ? this.current : this.hierarchies.find((x) => x.id === Number(id));
    if (!h) throw new Error(`record for unknown hierarchy ${id}`);
    return h;
  }

  private cgroupRecord(f: string[]): void {
    const h = this.byId(f[1]);
    const v = this.values;
    for (let s = 0; s < STAT_NAMES.length; s++) {
      const raw = f[s + 3];
      // "max" (pids.max) is a limit of none; an empty field is a file that was not there.
      v[s] = raw === undefined || raw === '' ? NaN : raw === 'max' ? Infinity : Number(raw);
    }
    h.tree.add(unescapeField(f[2] ?? '/'), v);
    this.cgroups++;
    if (this.onCgroup && (this.cgroups & 1023) === 0) this.onCgroup(this.cgroups, h);
  }

  /** The snapshot so far; call after the probe ended. */
  finish(source: SnapshotSource, warnings: string[]): Snapshot {
    if (this.pending.length) this.line(Buffer.concat(this.pending).toString('latin1'));
    this.pending = [];
    if (!this.sawVersion) throw new Error('the probe printed nothing recognisable');
    for (const h of this.hierarchies) h.tree.seal();
    return {
      schema: SNAPSHOT_SCHEMA,
      takenAt: Date.now(),
      source,
      node: this.facts,
      procCgroups: this.procCgroups,
      mounts: this.mounts,
      hierarchies: this.hierarchies,
      warnings: [...this.walkWarnings, ...warnings],
    };
  }
}

function joinCgroupPath(a: string, b: string): string {
  if (b === '' || b === '/') return a || '/';
  if (a === '/' || a === '') return b.startsWith('/') ? b : '/' + b;
  return a + (b.startsWith('/') ? b : '/' + b);
}
