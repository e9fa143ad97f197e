import { readRecords } from '../nodeScript/records';
import { unescapeField } from '../probe/fieldEscape';
import { formatKiB } from '../report/format';
import { ok, type ProbeError, type Result } from '../result';
import { runProgram } from '../transport/runCollecting';
import type { Transport } from '../transport/transport';
import type { CountRow, CountSample, NodeStats } from './sampleTypes';
import watchScript from './watch.sh';
import { nodeProgram } from '../nodeScript/nodeProgram';

export const WATCH_SCRIPT: string = nodeProgram(watchScript);

/** `sh -c PROGRAM NAME HOST_ROOT CGROUP_ROOT`: values as arguments only. */
export function watchArgv(o: { hostRoot?: string; cgroupRoot?: string } = {}): string[] {
  return ['sh', '-c', WATCH_SCRIPT, 'cgroup-forensics-watch', o.hostRoot ?? '', o.cgroupRoot ?? ''];
}

export type { CountRow, CountSample, NodeStats } from './sampleTypes';

const NODE_FIELDS = ['memTotalKb', 'memAvailableKb', 'slabKb', 'sUnreclaimKb', 'percpuKb', 'load1'] as const;

const count = (s: string | undefined): number | undefined => {
  if (s === undefined || s === '-' || s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
};

function row(name: string | undefined, dir: string | undefined, live: string | undefined, dying: string | undefined): CountRow {
  const r: CountRow = { hierarchy: unescapeField(name ?? ''), dir: unescapeField(dir ?? ''), live: count(live) ?? 0 };
  const d = count(dying);
  if (d !== undefined) r.dying = d;
  return r;
}

export function parseSample(text: string): CountSample & { complete: boolean } {
  const out: CountSample & { complete: boolean } = { time: 0, hierarchies: [], kubepods: [], complete: false };
  // 2 added the N record; a protocol 1 sample (no node stats) still reads.
  const { complete } = readRecords(text, 'watch', ['1', '2'], (f) => {
    switch (f[0]) {
      case 'T':
        out.time = Number(f[1]);
        return true;
      case 'H':
        out.hierarchies.push({ kind: f[1] === 'v2' ? 'v2' : 'v1', ...row(f[2], f[3], f[4], f[5]) });
        return true;
      case 'K':
        out.kubepods.push(row(f[1], f[2], f[3], f[4]));
        return true;
      case 'N': {
        const node: NodeStats = {};
        NODE_FIELDS.forEach((k, i) => {
          const v = count(f[i + 1]);
          if (v !== undefined) node[k] = v;
        });
        out.node = node;
        return true;
      }
      default:
        return false;
    }
  });
  out.complete = complete;
  return out;
}

/** One sample in one round trip. */
export async function takeSample(transport: Transport, o: { hostRoot?: string; cgroupRoot?: string; signal?: AbortSignal } = {}): Promise<Result<CountSample, ProbeError>> {
  const r = await runProgram(transport, watchArgv(o), 'watch', (out) => parseSample(out.toString('utf8')), o.signal ? { signal: o.signal } : {});
  if (!r.ok) return r;
  const s = r.value;
  return ok({ time: s.time, hierarchies: s.hierarchies, kubepods: s.kubepods, ...(s.node ? { node: s.node } : {}) });
}

/** Node stats in one short line ("mem avail 23.1 GiB of 23.6 GiB  slab 347 MiB (unreclaimable 45.9 MiB)  percpu 2.7 MiB  load 0.22"); fields the node lacks are left out. */
export function nodeStatsText(n: NodeStats): string {
  const out: string[] = [];
  if (n.memAvailableKb !== undefined) out.push(`mem avail ${formatKiB(n.memAvailableKb)}${n.memTotalKb !== undefined ? ` of ${formatKiB(n.memTotalKb)}` : ''}`);
  else if (n.memTotalKb !== undefined) out.push(`mem ${formatKiB(n.memTotalKb)}`);
  if (n.slabKb !== undefined) out.push(`slab ${formatKiB(n.slabKb)}${n.sUnreclaimKb !== undefined ? ` (unreclaimable ${formatKiB(n.sUnreclaimKb)})` : ''}`);
  else if (n.sUnreclaimKb !== undefined) out.push(`unreclaimable slab ${formatKiB(n.sUnreclaimKb)}`);
  if (n.percpuKb !== undefined) out.push(`percpu ${formatKiB(n.percpuKb)}`);
  if (n.load1 !== undefined) out.push(`load ${n.load1}`);
  return out.join('  ');
}
