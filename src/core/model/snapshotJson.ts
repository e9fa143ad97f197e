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
  throw new SnapshotShapeError('a name in the snapshot is neither text nor {bytes}');
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

/** A snapshot file that is JSON of the right schema but not of the snapshot's shape. */
export class SnapshotShapeError extends Error {}

type Obj = Record<string, unknown>;

function shape(ok: boolean, where: string, what: string): asserts ok {
  if (!ok) throw new SnapshotShapeError(`${where} is not ${what}`);
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isName = (v: unknown): boolean => typeof v === 'string' || (isObj(v) && typeof v.bytes === 'string');
const optional = (o: Obj, k: string, type: 'string' | 'number'): boolean => o[k] === undefined || typeof o[k] === type;

/**
 * Checks everything snapshotFromJson relies on, so a file of the right schema but the wrong
 * shape (edited by hand, cut short, another program's) is one clear message naming the first
 * field that is wrong, never a JavaScript error from deep in the reader.
 */
function checkShape(raw: Obj): void {
  shape(typeof raw.takenAt === 'string' && !Number.isNaN(Date.parse(raw.takenAt)), '"takenAt"', 'a date');
  shape(isObj(raw.source) && typeof raw.source.transport === 'string', '"source"', 'an object with "transport"');
  const node = raw.node;
  shape(isObj(node), '"node"', 'an object');
  for (const k of ['hostname', 'kernel', 'cmdline', 'os', 'systemd', 'loadavg']) shape(optional(node, k, 'string'), `"node.${k}"`, 'text');
  for (const k of ['pidMax', 'threadsMax', 'uptimeSeconds', 'now']) shape(optional(node, k, 'number'), `"node.${k}"`, 'a number');
  shape(Array.isArray(raw.procCgroups), '"procCgroups"', 'a list');
  raw.procCgroups.forEach((r: unknown, i) =>
    shape(isObj(r) && typeof r.subsys === 'string' && typeof r.hierarchy === 'number' && typeof r.numCgroups === 'number' && typeof r.enabled === 'boolean', `"procCgroups[${i}]"`, 'a /proc/cgroups row'),
  );
  shape(Array.isArray(raw.mounts) && raw.mounts.every(isName), '"mounts"', 'a list of names');
  shape(Array.isArray(raw.warnings) && raw.warnings.every((w) => typeof w === 'string'), '"warnings"', 'a list of text');
  shape(Array.isArray(raw.hierarchies), '"hierarchies"', 'a list');
  raw.hierarchies.forEach((h: unknown, k) => {
    const at = `"hierarchies[${k}]`;
    shape(isObj(h), `${at}"`, 'an object');
    shape(typeof h.id === 'number', `${at}.id"`, 'a number');
    shape(h.kind === 'v1' || h.kind === 'v2', `${at}.kind"`, '"v1" or "v2"');
    shape(typeof h.name === 'string', `${at}.name"`, 'text');
    shape(Array.isArray(h.controllers) && h.controllers.every((c) => typeof c === 'string'), `${at}.controllers"`, 'a list of text');
    for (const n of ['mountPoint', 'mountRoot', 'walkRoot', 'basePath']) shape(isName(h[n]), `${at}.${n}"`, 'a name');
    shape(Array.isArray(h.bounds) && h.bounds.every((b) => isObj(b) && typeof b.bound === 'string' && typeof b.limit === 'number'), `${at}.bounds"`, 'a list of walk bounds');
    shape(Array.isArray(h.vanished) && h.vanished.every(isName), `${at}.vanished"`, 'a list of names');
    const columns = h.columns;
    shape(Array.isArray(columns) && columns.every((c) => typeof c === 'string') && columns[0] === 'parent' && columns[1] === 'name' && columns[2] === 'seen', `${at}.columns"`, 'a list starting parent, name, seen');
    const rows = h.cgroups;
    shape(Array.isArray(rows) && rows.length > 0, `${at}.cgroups"`, 'a non-empty list of rows');
    rows.forEach((row: unknown, i) => {
      const where = `${at}.cgroups[${i}]"`;
      shape(Array.isArray(row) && row.length === columns.length, where, `a row of ${columns.length} values`);
      const parent = row[0];
      if (i === 0) shape(parent === -1 && row[1] === '', where, 'the root row [-1, "", ...]');
      else {
        shape(Number.isInteger(parent) && (parent as number) >= 0 && (parent as number) < i, where, 'a row whose parent comes before it');
        shape(isName(row[1]) && row[1] !== '' && !(typeof row[1] === 'string' && row[1].includes('/')), where, 'a row with a cgroup name (no "/")');
      }
      shape(row[2] === 0 || row[2] === 1, where, 'a row whose "seen" is 0 or 1');
      for (let c = 3; c < row.length; c++) shape(row[c] === null || row[c] === 'max' || typeof row[c] === 'number', where, 'a row of numbers, null or "max"');
    });
  });
}

/** Reads the JSON form back; throws with a clear one-line message on another schema or a malformed file. */
export function snapshotFromJson(text: string): Snapshot {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SnapshotShapeError(`not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  shape(isObj(parsed), 'the file', 'a JSON object');
  const raw = parsed;
  if (raw.schema !== SNAPSHOT_SCHEMA) throw new SnapshotShapeError(`not a cgroup-forensics snapshot (schema ${JSON.stringify(raw.schema) ?? 'absent'}, expected ${SNAPSHOT_SCHEMA})`);
  checkShape(raw);
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
      if (idx !== i) throw new SnapshotShapeError(`"hierarchies[${String(h.id)}].cgroups[${i}]" repeats a cgroup or is out of order`);
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
