/**
 * One hierarchy's cgroups as a compact tree: parallel typed arrays indexed by cgroup number, so
 * 100,000 cgroups cost a few megabytes and travel to a webview without reshaping. Index 0 is the
 * walk root. Names are byte strings (see bytes.ts); a stat that was not present is NaN.
 *
 * frozen is the freezer's state as a number (FREEZER_STATE): v2 reads "frozen" of cgroup.events
 * (Linux 5.2 and later), v1 freezer.state in the freezer hierarchy only. Both report a cgroup
 * frozen when an ancestor is: the one frozen on its own is the top of a frozen subtree.
 */
export const STAT_NAMES = [
  'mtime',
  'procs',
  'populated',
  'nrDescendants',
  'nrDying',
  'memory',
  'anon',
  'file',
  'kernel',
  'slab',
  'cpuUsec',
  'pids',
  'pidsMax',
  'psiCpu',
  'psiMemory',
  'psiIo',
  'frozen',
] as const;
export type StatName = (typeof STAT_NAMES)[number];
export type Stats = Record<StatName, Float64Array>;

/** Values of the frozen stat: v1 freezer.state THAWED / FROZEN / FREEZING; v2 "frozen 0|1". */
export const FREEZER_STATE = { thawed: 0, frozen: 1, freezing: 2 } as const;

export class CgroupTree {
  size = 0;
  parent: Int32Array;
  names: string[] = [];
  /** 1 where the walk saw the directory itself; 0 for a parent only implied by a child's path. */
  seen: Uint8Array;
  stats: Stats;
  private pathIndex: Map<string, number> | undefined = new Map();
  private childStart: Int32Array | undefined;
  private childList: Int32Array | undefined;

  constructor(capacity = 1024) {
    this.parent = new Int32Array(capacity);
    this.seen = new Uint8Array(capacity);
    this.stats = Object.fromEntries(STAT_NAMES.map((s) => [s, new Float64Array(capacity).fill(NaN)])) as Stats;
  }

  /**
   * Adds (or fills in) the cgroup at a path relative to the walk root ("/" is the root, "/a/b"
   * below it) and returns its index. Parents not yet seen are made as placeholders.
   */
  add(relPath: string, values?: ArrayLike<number>): number {
    const index = this.indexFor(relPath === '' ? '/' : relPath);
    if (values) {
      this.seen[index] = 1;
      for (let s = 0; s < STAT_NAMES.length; s++) this.stats[STAT_NAMES[s]!][index] = values[s] ?? NaN;
    }
    return index;
  }

  private indexFor(path: string): number {
    const map = this.pathIndex;
    if (!map) throw new Error('the tree is sealed');
    const known = map.get(path);
    if (known !== undefined) return known;
    if (path === '/') return this.push(-1, '', path);
    const cut = path.lastIndexOf('/');
    const parentPath = cut <= 0 ? '/' : path.slice(0, cut);
    const parent = this.indexFor(parentPath);
    return this.push(parent, path.slice(cut + 1), path);
  }

  private push(parent: number, name: string, path: string): number {
    if (this.size === this.parent.length) this.grow();
    const i = this.size++;
    this.parent[i] = parent;
    this.names.push(name);
    this.pathIndex!.set(path, i);
    this.childStart = undefined;
    return i;
  }

  private grow(): void {
    const cap = this.parent.length * 2;
    const parent = new Int32Array(cap);
    parent.set(this.parent);
    this.parent = parent;
    const seen = new Uint8Array(cap);
    seen.set(this.seen);
    this.seen = seen;
    for (const s of STAT_NAMES) {
      const a = new Float64Array(cap).fill(NaN);
      a.set(this.stats[s]);
      this.stats[s] = a;
    }
  }

  /** Drops the path index (the largest part of a tree being built); lookups then walk the tree. */
  seal(): void {
    this.pathIndex = undefined;
  }

  stat(name: StatName, i: number): number {
    return this.stats[name][i]!;
  }

  /** The byte-string path of cgroup i relative to the walk root ("/" for the root). */
  path(i: number): string {
    if (i === 0) return '/';
    const parts: string[] = [];
    for (let n = i; n > 0; n = this.parent[n]!) parts.push(this.names[n]!);
    return '/' + parts.reverse().join('/');
  }

  depth(i: number): number {
    let d = 0;
    for (let n = i; n > 0; n = this.parent[n]!) d++;
    return d;
  }

  children(i: number): Int32Array {
    if (!this.childStart) this.indexChildren();
    return this.childList!.subarray(this.childStart![i]!, this.childStart![i + 1]!);
  }

  /** Index of the cgroup at a relative path, or undefined. */
  find(relPath: string): number | undefined {
    if (this.pathIndex) return this.pathIndex.get(relPath === '' ? '/' : relPath);
    if (this.size === 0) return undefined;
    let at = 0;
    for (const part of relPath.split('/')) {
      if (part === '') continue;
      let next: number | undefined;
      for (const c of this.children(at)) {
        if (this.names[c] === part) {
          next = c;
          break;
        }
      }
      if (next === undefined) return undefined;
      at = next;
    }
    return at;
  }

  /** Number of cgroups below i (not counting i). */
  descendantCounts(): Int32Array {
    const counts = new Int32Array(this.size);
    // Parents always have smaller indexes than their children (a parent is made first).
    for (let i = this.size - 1; i > 0; i--) counts[this.parent[i]!]! += counts[i]! + 1;
    return counts;
  }

  private indexChildren(): void {
    const n = this.size;
    const start = new Int32Array(n + 1);
    for (let i = 1; i < n; i++) start[this.parent[i]! + 1]!++;
    for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
    const fill = start.slice(0, n);
    const list = new Int32Array(Math.max(0, n - 1));
    for (let i = 1; i < n; i++) list[fill[this.parent[i]!]!++] = i;
    this.childStart = start;
    this.childList = list;
  }
}
