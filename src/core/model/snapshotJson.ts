import { byteStringOf, utf8Of } from './bytes';
import { CgroupTree, STAT_NAMES } from './cgroupTree';
import { SNAPSHOT_SCHEMA, type Hierarchy, type Snapshot } from './snapshot';

/**
 * The versioned JSON form of a snapshot ("cgroup-forensics/snapshot@1"), written by the CLI and
 * read by the extension. Each hierarchy's cgroups are rows [parent, name, ...stats] in index
 * order, stats in the order of "columns", null where absent and "max" for an unlimited limit.
 * Columns are read by name, so a snapshot written before a stat existed (e.g. "frozen") loads
 * with that stat unknown (NaN).
 * A name (or path) whose bytes are not UTF-8 is written as {"bytes": base64}.
 */
export type JsonName = string | { bytes: string };

export function nameToJson(byteString: string): JsonName {
  const text = utf8Of(byteString);
  return text !== undefined ? text : { bytes: Buffer.from(byteString, 'latin1').toString('base64') };
}

export function nameFromJson(v: unknown): string {
  if (typeof v === 'string') return byteStringOf(v);
  if (v && typeof v === 'object' && typeof (v as { bytes?: unknown }).bytes === 'string') {
    return Buffer.from((v as { bytes: string }).bytes, 'base64').toString('latin1');
  }
  throw new Error('a name in the snapshot is neither text nor {bytes}');
}

function statToJson(v: number): number | string | null {
  return Number.isNaN(v) ? null : v === Infinity ? 'max' : v;
}

/** Writes the snapshot as JSON text in pieces, so a 100,000-cgroup snapshot never needs one huge string. */
export function* snapshotJsonChunks(s: Snapshot): Generator<string> {
  const head = {
    schema: s.schema,
    takenAt: new Date(s.takenAt).toISOString(),
    source: s.source,
    node: s.node,
    procCgroups: s.procCgroups,
    mounts: s.mounts.map((m) => nameToJson(m)),
    warnings: s.warnings,
  };
  const headText = JSON.stringify(head, null, 1);
  yield headText.slice(0, -2) + ',\n "hierarchies": [';
  let firstH = true;
  for (const h of s.hierarchies) {
    const meta = {
      id: h.id,
      kind: h.kind,
      name: h.name,
      controllers: h.controllers,
      mountPoint: nameToJson(h.mountPoint),
      mountRoot: nameToJson(h.mountRoot),
      walkRoot: nameToJson(h.walkRoot),
      basePath: nameToJson(h.basePath),
      mtimeSupported: h.mtimeSupported,
      bounds: h.bounds,
      vanished: h.vanished.map(nameToJson),
      columns: ['parent', 'name', 'seen', ...STAT_NAMES],
    };
    const metaText = JSON.stringify(meta);
    yield `${firstH ? '' : ','}\n  ${metaText.slice(0, -1)},"cgroups":[`;
    firstH = false;
    const t = h.tree;
    let buf = '';
    for (let i = 0; i < t.size; i++) {
      const row: unknown[] = [t.parent[i], nameToJson(t.names[i]!), t.seen[i]];
      for (const stat of STAT_NAMES) row.push(statToJson(t.stats[stat][i]!));
      buf += (i === 0 ? '\n   ' : ',\n   ') + JSON.stringify(row);
      if (buf.length > 1 << 16) {
        yield buf;
        buf = '';
      }
    }
    yield buf + '\n  ]}';
  }
  yield '\n ]\n}\n';
}

export function snapshotToJson(s: Snapshot): string {
  return [...snapshotJsonChunks(s)].join('');
}

/** Reads the JSON form back; throws with a clear message on another schema or a malformed file. */
export function snapshotFromJson(text: string): Snapshot {
  const raw = JSON.parse(text) as Record<string, unknown>;
  if (raw.schema !== SNAPSHOT_SCHEMA) throw new Error(`not a cgroup-forensics snapshot (schema ${JSON.stringify(raw.schema)}, expected ${SNAPSHOT_SCHEMA})`);
  const hs = raw.hierarchies as Record<string, unknown>[];
  const hierarchies: Hierarchy[] = hs.map((h) => {
    const columns = h.columns as string[];
    const statIndex = STAT_NAMES.map((n) => columns.indexOf(n));
    const rows = h.cgroups as unknown[][];
    const tree = new CgroupTree(Math.max(16, rows.length));
    // Rows are in index order and parents come first, so each row's path is its parent's plus its name.
    const paths: string[] = [];
    const values = new Float64Array(STAT_NAMES.length);
    rows.forEach((row, i) => {
      const parent = row[0] as number;
      const name = nameFromJson(row[1]);
      const path = i === 0 ? '/' : (parent === 0 ? '' : paths[parent]!) + '/' + name;
      paths.push(path);
      statIndex.forEach((c, s) => {
        const v = c < 0 ? null : row[c];
        values[s] = v === null || v === undefined ? NaN : v === 'max' ? Infinity : Number(v);
      });
      const idx = tree.add(path, row[2] === 0 ? undefined : values);
      if (idx !== i) throw new Error('snapshot rows are out of order');
    });
    tree.seal();
    return {
      id: h.id as number,
      kind: h.kind as Hierarchy['kind'],
      name: h.name as string,
      controllers: h.controllers as string[],
      mountPoint: nameFromJson(h.mountPoint),
      mountRoot: nameFromJson(h.mountRoot),
      walkRoot: nameFromJson(h.walkRoot),
      basePath: nameFromJson(h.basePath),
      mtimeSupported: Boolean(h.mtimeSupported),
      bounds: h.bounds as Hierarchy['bounds'],
      vanished: (h.vanished as unknown[]).map(nameFromJson),
      tree,
    };
  });
  return {
    schema: SNAPSHOT_SCHEMA,
    takenAt: Date.parse(raw.takenAt as string),
    source: raw.source as Snapshot['source'],
    node: raw.node as Snapshot['node'],
    procCgroups: raw.procCgroups as Snapshot['procCgroups'],
    mounts: (raw.mounts as unknown[]).map(nameFromJson),
    hierarchies,
    warnings: raw.warnings as string[],
  };
}
