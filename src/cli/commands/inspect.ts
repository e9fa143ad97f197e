import { inspectCgroups } from '../../core/inspect/inspectCgroups';
import type { ProcessInfo } from '../../core/inspect/processInfo';
import { byteStringOf, displayOf } from '../../core/model/bytes';
import { describeIdentity, identityOfPath } from '../../core/model/k8sIdentity';
import { processToJson } from '../../core/report/findingsJson';
import { renderProcess } from '../../core/report/findingsText';
import { nameToJson } from '../../core/model/snapshotJson';
import { takeSnapshot } from '../../core/scan';
import { stringOption, UsageError, type CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { reportProbeError, LIVE_SOURCE_HELP, LIVE_SOURCE_OPTIONS } from '../snapshotSource';

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: "a cgroup's processes: pid, ppid, user, state, threads, RSS, start, command line; zombies, D state, reparented",
  synopsis: 'PATH',
  help: `  PATH                    a cgroup path (/kubepods/burstable/pod...) or its directory
  --recursive             the cgroups below PATH too
  --json                  print as JSON
${LIVE_SOURCE_HELP}`,
  withoutFrom: 'inspect lists the processes of a cgroup, which only the live node has: it cannot read a saved snapshot (--from)',
  options: { ...LIVE_SOURCE_OPTIONS, recursive: { type: 'boolean' }, json: { type: 'boolean' } },
  async run(ctx) {
    if (ctx.args.length !== 1) throw new UsageError('inspect takes one PATH');
    const path = byteStringOf(ctx.args[0]!);
    if (!path.startsWith('/') || path.split('/').some((p) => p === '..' || p === '.')) throw new UsageError('PATH must be an absolute cgroup path without . or ..');
    const hostRoot = stringOption(ctx.options, 'host-root');
    const transport = await ctx.transport();
    // Where the hierarchies are mounted: a walk of their top level only.
    const s = await takeSnapshot(transport, { maxDepth: 1, signal: ctx.signal, ...(hostRoot !== undefined ? { hostRoot } : {}) });
    if (!s.ok) return reportProbeError(s.error);
    const candidates: string[] = [];
    const hs = [...s.value.hierarchies].sort((a, b) => rank(a.name) - rank(b.name));
    for (const h of hs) {
      const root = h.walkRoot.replace(/\/$/, '');
      if (path === root || path.startsWith(root + '/')) candidates.unshift(path);
      else candidates.push(root + (path === '/' ? '' : path));
    }
    const r = await inspectCgroups(transport, [...new Set(candidates)], { recursive: Boolean(ctx.options.recursive), signal: ctx.signal, ...(hostRoot !== undefined ? { hostRoot } : {}) });
    if (!r.ok) return reportProbeError(r.error);
    const gone = new Set(r.value.unreadable.map((u) => u.dir));
    const dir = [...new Set(candidates)].find((c) => !gone.has(c));
    if (dir === undefined) {
      process.stderr.write(`cgroup-forensics: no cgroup ${displayOf(path)} in any hierarchy\n`);
      return EXIT.badInput;
    }
    const procs = r.value.processes.filter((p) => p.cgroupDir === dir || p.cgroupDir.startsWith(dir + '/'));
    const relOf = (p: ProcessInfo): string => {
      const h = hs.find((x) => p.cgroupDir.startsWith(x.walkRoot.replace(/\/$/, '') + '/'));
      return h ? p.cgroupDir.slice(h.walkRoot.replace(/\/$/, '').length) : p.cgroupDir;
    };
    if (ctx.options.json) {
      ctx.write(JSON.stringify({ cgroup: nameToJson(dir), processes: procs.map((p) => ({ ...(processToJson(p) as object), belongsTo: describeIdentity(identityOfPath(relOf(p))) ?? null })) }, null, 1) + '\n');
    } else {
      ctx.write(`${displayOf(dir)}: ${procs.length} process(es)\n`);
      for (const p of procs) {
        const who = describeIdentity(identityOfPath(relOf(p)));
        ctx.write(`${renderProcess(p)}${who ? `\n    in ${who}` : ''}${p.cgroupDir !== dir ? `\n    cgroup ${displayOf(p.cgroupDir)}` : ''}\n`);
      }
    }
    return EXIT.ok;
  },
};

/** The hierarchy that shows a process's place best comes first. */
function rank(name: string): number {
  return name === 'name=systemd' ? 0 : name === 'unified' ? 1 : name.includes('memory') ? 2 : 3;
}
