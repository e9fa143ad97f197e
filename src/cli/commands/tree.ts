import { byteStringOf } from '../../core/model/bytes';
import type { Hierarchy, Snapshot } from '../../core/model/snapshot';
import { renderTreeText } from '../../core/report/treeText';
import { InputError, intOption, stringOption, UsageError, type CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { reportProbeError, snapshotFrom, SOURCE_HELP, SOURCE_OPTIONS } from '../snapshotSource';

export const treeCommand: CliCommand = {
  name: 'tree',
  summary: 'indented tree with stats and Kubernetes names (like systemd-cgls --all, with sizes)',
  synopsis: '[PATH]',
  help: `  PATH                    a cgroup path (/kubepods.slice) or a directory under the walk root
  --hierarchy NAME        which hierarchy (unified, memory, cpu,cpuacct, name=systemd ...);
                          default: the one with the most cgroups
  --depth N               levels shown below PATH (default: all)
  --limit N               children shown per cgroup before "... N more" (default: all)
${SOURCE_HELP}`,
  options: { ...SOURCE_OPTIONS, hierarchy: { type: 'string' }, depth: { type: 'string' }, limit: { type: 'string' } },
  async run(ctx) {
    if (ctx.args.length > 1) throw new UsageError('tree takes at most one PATH');
    const depth = intOption(ctx.options, 'depth');
    const limit = intOption(ctx.options, 'limit');
    const s = await snapshotFrom(ctx);
    if ('code' in s) return reportProbeError(s);
    const h = pickHierarchy(s, stringOption(ctx.options, 'hierarchy'));
    let start = 0;
    const pathArg = ctx.args[0];
    if (pathArg !== undefined) {
      const rel = relativePath(h, byteStringOf(pathArg));
      const found = rel === undefined ? undefined : h.tree.find(rel);
      if (found === undefined) {
        process.stderr.write(`cgroup-forensics: no cgroup ${pathArg} in the ${h.name} hierarchy\n`);
        return EXIT.badInput;
      }
      start = found;
    }
    ctx.write(
      renderTreeText(h, start, {
        ...(depth !== undefined ? { maxDepth: depth } : {}),
        ...(limit !== undefined ? { maxChildren: limit } : {}),
        ...(s.node.now !== undefined && h.mtimeSupported ? { now: s.node.now } : {}),
      }),
    );
    return EXIT.ok;
  },
};

/** A PATH may be a cgroup path (/kubepods/burstable) or a directory under the walk root. */
function relativePath(h: Hierarchy, p: string): string | undefined {
  const strip = (prefix: string): string | undefined => {
    if (prefix === '/' || prefix === '') return p;
    if (p === prefix) return '/';
    return p.startsWith(prefix + '/') ? p.slice(prefix.length) : undefined;
  };
  return strip(h.walkRoot) ?? strip(h.basePath);
}

/** The named hierarchy, or the richest one: most cgroups, v2 first on a tie, then memory. */
export function pickHierarchy(s: Snapshot, name: string | undefined): Hierarchy {
  if (name !== undefined) {
    const h = s.hierarchies.find((x) => x.name === name || x.controllers.includes(name));
    if (!h) throw new UsageError(`no hierarchy '${name}'; this node has: ${s.hierarchies.map((x) => x.name).join(', ')}`);
    return h;
  }
  const rank = (h: Hierarchy): number => h.tree.size * 4 + (h.kind === 'v2' ? 2 : h.controllers.includes('memory') ? 1 : 0);
  const best = [...s.hierarchies].sort((a, b) => rank(b) - rank(a))[0];
  if (!best) throw new InputError('the snapshot holds no cgroup hierarchy to show');
  return best;
}
