import { isDeepStrictEqual } from 'node:util';
import { parse } from 'smol-toml';

/**
 * Operators' TOML files edited as text: find where a key lives and change only that, keeping
 * every other byte (comments, indentation, quoting, key order, CRLF, a missing final newline).
 * smol-toml is used only to understand the file and to check the result: the parse of the
 * patched text must equal the parse of the original with exactly the intended key set. A shape
 * that cannot be edited safely is a TomlPatchError saying why, never a guess.
 */
export class TomlPatchError extends Error {
  override name = 'TomlPatchError';
}

export type TomlScalar = boolean | number | string;

/** A statement of the file: a table header or a key = value, with where it sits in the text. */
interface Stmt {
  kind: 'header' | 'kv';
  /** Header: the table's path. Key-value: the table's path plus the (dotted) key. */
  path: string[];
  /** The table the statement belongs to (a key-value's header table, or its inline table). */
  table: string[];
  /** [[array of tables]] header. */
  arrayTable: boolean;
  /** Inside an inline table or an array (not a line of its own). */
  nested: boolean;
  /** Header: the text between the brackets, trimmed. */
  inner: string;
  indent: string;
  start: number;
  /** Offset just after the header's bracket or the value. */
  end: number;
  valueStart: number;
  valueKind: 'inline-table' | 'array' | 'string' | 'other' | 'none';
  /** The value spans more than one line. */
  multiline: boolean;
  /** Key-value: the quote its string value uses ('"' or "'"), if it is a string. */
  quote?: '"' | "'";
}

const BARE = /^[A-Za-z0-9_-]+$/;

/** Splits a TOML text into statements; throws TomlPatchError on syntax it does not know. */
function scan(text: string): Stmt[] {
  const out: Stmt[] = [];
  let i = 0;
  const n = text.length;
  let table: string[] = [];
  const fail = (why: string): never => {
    throw new TomlPatchError(`${why} (line ${lineOf(text, i) + 1})`);
  };
  const ws = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  /** Whitespace, newlines and comments (inside arrays and TOML 1.1 inline tables). */
  const wsnl = (): void => {
    for (;;) {
      ws();
      if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n')) i += text[i] === '\r' ? 2 : 1;
      else if (text[i] === '#') while (i < n && text[i] !== '\n') i++;
      else return;
    }
  };
  const lineIndent = (at: number): string => {
    let s = at;
    while (s > 0 && text[s - 1] !== '\n') s--;
    return /^[ \t]*/.exec(text.slice(s, at))![0];
  };
  const basic = (): string => {
    // at the opening quote
    let s = '';
    i++;
    while (i < n && text[i] !== '"') {
      if (text[i] === '\n') fail('a newline inside a string');
      if (text[i] === '\\') {
        const e = text[i + 1];
        const map: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b', '"': '"', '\\': '\\' };
        if (e !== undefined && e in map) {
          s += map[e];
          i += 2;
        } else if (e === 'u' || e === 'U' || e === 'x') {
          const len = e === 'u' ? 4 : e === 'U' ? 8 : 2;
          s += String.fromCodePoint(parseInt(text.slice(i + 2, i + 2 + len), 16));
          i += 2 + len;
        } else fail('an unknown escape in a string');
      } else s += text[i++];
    }
    if (i >= n) fail('an unterminated string');
    i++;
    return s;
  };
  const literal = (): string => {
    const e = text.indexOf("'", i + 1);
    const nl = text.indexOf('\n', i + 1);
    if (e < 0 || (nl >= 0 && nl < e)) fail('an unterminated string');
    const s = text.slice(i + 1, e);
    i = e + 1;
    return s;
  };
  const keyPath = (): string[] => {
    const parts: string[] = [];
    for (;;) {
      ws();
      if (text[i] === '"') parts.push(basic());
      else if (text[i] === "'") parts.push(literal());
      else {
        const m = /^[A-Za-z0-9_-]+/.exec(text.slice(i, i + 256));
        if (!m) fail('a key expected');
        parts.push(m![0]);
        i += m![0].length;
      }
      ws();
      if (text[i] !== '.') return parts;
      i++;
    }
  };
  const multiString = (q: string): void => {
    i += 3;
    for (;;) {
      if (i >= n) fail('an unterminated multi-line string');
      if (q === '"' && text[i] === '\\') {
        i += 2;
        continue;
      }
      if (text.startsWith(q + q + q, i)) {
        let k = i;
        while (text[k] === q && k - i < 5) k++;
        i = k;
        return;
      }
      i++;
    }
  };
  /** Parses a value at i; records the key-values of inline tables under path when record. */
  const value = (path: string[], record: boolean): Stmt['valueKind'] => {
    const c = text[i];
    if (text.startsWith('"""', i) || text.startsWith("'''", i)) {
      multiString(c!);
      return 'string';
    }
    if (c === '"') {
      basic();
      return 'string';
    }
    if (c === "'") {
      literal();
      return 'string';
    }
    if (c === '[') {
      i++;
      for (;;) {
        wsnl();
        if (text[i] === ']') break;
        value([], false);
        wsnl();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') fail('an array expected , or ]');
      }
      i++;
      return 'array';
    }
    if (c === '{') {
      i++;
      for (;;) {
        wsnl();
        if (text[i] === '}') break;
        keyValue(path, record, true);
        wsnl();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail('an inline table expected , or }');
      }
      i++;
      return 'inline-table';
    }
    // Numbers, booleans, dates (a date and time may be separated by one space).
    const m = /^(?:\d{4}-\d\d-\d\d[ Tt]\d\d:\d\d[^\s,\]}#]*|[^\s,\]}#]+)/.exec(text.slice(i, i + 128));
    if (!m) fail('a value expected');
    i += m![0].length;
    return 'other';
  };
  const keyValue = (tablePath: string[], record: boolean, nested: boolean): void => {
    const start = i;
    const key = keyPath();
    if (text[i] !== '=') fail('= expected after a key');
    i++;
    ws();
    const valueStart = i;
    const path = [...tablePath, ...key];
    const q = text[i] === '"' || text[i] === "'" ? (text[i] as '"' | "'") : undefined;
    const kind = value(path, record);
    if (record) {
      const s: Stmt = { kind: 'kv', path, table: tablePath, arrayTable: false, nested, inner: '', indent: lineIndent(start), start, end: i, valueStart, valueKind: kind, multiline: text.slice(valueStart, i).includes('\n') };
      if (kind === 'string' && q) s.quote = q;
      out.push(s);
    }
  };
  const restOfLine = (): void => {
    ws();
    if (text[i] === '#') while (i < n && text[i] !== '\n') i++;
    if (text[i] === '\r' && text[i + 1] === '\n') i++;
    if (i < n && text[i] !== '\n') fail('end of line expected');
    i++;
  };
  while (i < n) {
    wsnl();
    if (i >= n) break;
    const start = i;
    if (text[i] === '[') {
      const arrayTable = text[i + 1] === '[';
      i += arrayTable ? 2 : 1;
      const innerStart = i;
      const path = keyPath();
      const inner = text.slice(innerStart, i).trim();
      if (text[i] !== ']' || (arrayTable && text[i + 1] !== ']')) fail('] expected after a table name');
      i += arrayTable ? 2 : 1;
      out.push({ kind: 'header', path, table: path, arrayTable, nested: false, inner, indent: lineIndent(start), start, end: i, valueStart: i, valueKind: 'none', multiline: false });
      table = path;
    } else keyValue(table, true, false);
    restOfLine();
  }
  return out;
}

function lineOf(text: string, at: number): number {
  let l = 0;
  for (let k = 0; k < at && k < text.length; k++) if (text[k] === '\n') l++;
  return l;
}

/** Offset of the end of the line holding `at` (before its \r\n or \n, or the end of the text). */
function endOfLine(text: string, at: number): number {
  let e = text.indexOf('\n', at);
  if (e < 0) return text.length;
  if (e > 0 && text[e - 1] === '\r') e--;
  return e;
}

const startsWith = (p: readonly string[], prefix: readonly string[]): boolean => prefix.length <= p.length && prefix.every((x, k) => p[k] === x);
const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && startsWith(a, b);

function quoteKey(part: string, q: '"' | "'"): string {
  if (BARE.test(part)) return part;
  return q === "'" && !/['\n\r]/.test(part) ? `'${part}'` : JSON.stringify(part);
}

function literalOf(v: TomlScalar, q: '"' | "'"): string {
  if (typeof v === 'string') return q === "'" && !/['\n\r]/.test(v) ? `'${v}'` : JSON.stringify(v);
  if (typeof v === 'number' && !Number.isFinite(v)) throw new TomlPatchError('not a finite number');
  return String(v);
}

/** The value at path in a parsed document, or undefined. */
export function tomlGet(doc: unknown, path: readonly string[]): unknown {
  let cur: unknown = doc;
  for (const p of path) {
    if (!cur || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function setIn(doc: Record<string, unknown>, path: readonly string[], v: TomlScalar): void {
  let cur = doc;
  for (const p of path.slice(0, -1)) {
    const next = cur[p];
    if (next === undefined) cur = cur[p] = {};
    else if (next && typeof next === 'object' && !Array.isArray(next)) cur = next as Record<string, unknown>;
    else throw new TomlPatchError(`${p} is not a table`);
  }
  cur[path[path.length - 1]!] = v;
}

/**
 * The text with the key at path (the full path from the top: table names, then the key) set to
 * value, as the smallest edit: an existing key's value is replaced in place (its spacing and
 * trailing comment kept); a missing key is added after the last key of its table (with that
 * table's indentation), inside its inline table, beside the dotted keys that define its table, or
 * under a new table header placed just before its first sub-table when one is written, else after
 * the block of its nearest existing parent table, else at the end. Throws TomlPatchError when the text does not parse or the shape cannot be edited.
 */
export function setTomlValue(text: string, path: readonly string[], value: TomlScalar): string {
  if (path.length === 0) throw new TomlPatchError('an empty key');
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new TomlPatchError(`not valid TOML: ${((e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '').trim()}`);
  }
  const stmts = scan(text);
  const eol = /\r\n/.test(text.slice(0, text.indexOf('\n') + 1)) ? '\r\n' : '\n';
  const dotted = path.join('.');
  const kvs = stmts.filter((s) => s.kind === 'kv');
  const headers = stmts.filter((s) => s.kind === 'header');
  // The file's quoting: its headers' quoted parts, else its strings.
  const quotedHeader = headers.map((h) => /["']/.exec(h.inner)?.[0]).find((q) => q !== undefined) as '"' | "'" | undefined;
  const fileQuote = quotedHeader ?? kvs.find((s) => s.quote)?.quote ?? '"';
  const valueQuote = (table: readonly string[]): '"' | "'" => kvs.find((s) => same(s.table, table) && s.quote)?.quote ?? kvs.find((s) => s.quote)?.quote ?? fileQuote;
  const key = (parts: readonly string[]): string => parts.map((p) => quoteKey(p, fileQuote)).join('.');
  const insertAt = (at: number, s: string): string => text.slice(0, at) + s + text.slice(at);

  if (headers.some((h) => same(h.path, path))) throw new TomlPatchError(`${dotted} is a table, not a value`);
  if (headers.some((h) => h.arrayTable && startsWith(path, h.path))) throw new TomlPatchError(`${dotted} is inside an array of tables`);
  let after: string;
  const hit = kvs.find((s) => same(s.path, path));
  const holder = kvs.filter((s) => s.path.length < path.length && startsWith(path, s.path)).sort((a, b) => b.path.length - a.path.length)[0];
  if (hit) {
    if (hit.multiline) throw new TomlPatchError(`the value of ${dotted} spans several lines`);
    after = text.slice(0, hit.valueStart) + literalOf(value, hit.quote ?? valueQuote(hit.table)) + text.slice(hit.end);
  } else if (holder) {
    // A key above it holds a value: only an inline table on one line can take the key.
    if (holder.valueKind !== 'inline-table') throw new TomlPatchError(`${holder.path.join('.')} is a value, not a table`);
    if (holder.multiline) throw new TomlPatchError(`${holder.path.join('.')} is an inline table over several lines`);
    const close = holder.end - 1;
    const body = text.slice(holder.valueStart + 1, close);
    const entry = `${key(path.slice(holder.path.length))} = ${literalOf(value, valueQuote(holder.path))}`;
    if (body.trim() === '') after = text.slice(0, holder.valueStart) + `{ ${entry} }` + text.slice(holder.end);
    else {
      const last = holder.valueStart + 1 + body.trimEnd().length;
      after = insertAt(last, `, ${entry}`);
    }
  } else {
    const table = path.slice(0, -1);
    const own = headers.find((h) => same(h.path, table) && !h.arrayTable);
    // Dotted keys under a shorter header that define the table (options.X = 1 under [runc]).
    const viaDots = kvs.filter((s) => !s.nested && startsWith(s.path, table) && s.table.length < table.length);
    const step = keyStep(stmts);
    if (own) {
      const idx = stmts.indexOf(own);
      const next = stmts.findIndex((s, k) => k > idx && s.kind === 'header');
      const members = stmts.slice(idx + 1, next < 0 ? undefined : next).filter((s) => s.kind === 'kv' && !s.nested);
      const last = members[members.length - 1];
      const indent = last ? last.indent : own.indent + step;
      const line = `${indent}${key(path.slice(-1))} = ${literalOf(value, valueQuote(table))}`;
      after = insertAt(endOfLine(text, last ? last.end : own.end), eol + line);
    } else if (viaDots.length) {
      const last = viaDots[viaDots.length - 1]!;
      const line = `${last.indent}${key(path.slice(last.table.length))} = ${literalOf(value, valueQuote(table))}`;
      after = insertAt(endOfLine(text, last.end), eol + line);
    } else {
      // A new [table] after the block of its nearest parent table (the parent's header and every
      // statement up to the first header outside it), with the layout of that block.
      const parent = headers.filter((h) => !h.arrayTable && h.path.length < table.length && startsWith(table, h.path)).sort((a, b) => b.path.length - a.path.length)[0];
      let hIndent = '';
      let head = key(table);
      let block: string;
      const sub = headers.find((h) => h.path.length > table.length && startsWith(h.path, table));
      const entry = `${key(path.slice(-1))} = ${literalOf(value, valueQuote(table))}`;
      if (parent) head = `${parent.inner}.${key(table.slice(parent.path.length))}`;
      if (sub) {
        // Its sub-table is already written ([runc.options] without [runc]): the new table goes just
        // before it (and before the comment lines that lead into it), in its indentation.
        let at = sub.start - sub.indent.length;
        for (;;) {
          const prevEnd = at - 1;
          if (prevEnd <= 0) break;
          let ps = prevEnd;
          while (ps > 0 && text[ps - 1] !== '\n') ps--;
          if (!/^[ \t]*#/.test(text.slice(ps, prevEnd))) break;
          at = ps;
        }
        after = insertAt(at, [`${sub.indent}[${head}]`, `${sub.indent}${step}${entry}`, '', ''].join(eol));
      } else if (parent) {
        const idx = stmts.indexOf(parent);
        let end = idx;
        for (let k = idx + 1; k < stmts.length; k++) {
          const s = stmts[k]!;
          if (s.kind === 'header' && !startsWith(s.path, parent.path)) break;
          if (!s.nested) end = k;
        }
        const inBlock = stmts.slice(idx + 1, end + 1);
        const child = inBlock.find((s) => s.kind === 'header');
        const parentKey = inBlock.find((s) => s.kind === 'kv' && !s.nested && same(s.table, parent.path));
        // A file that indents its sub-tables (as `containerd config default` does) indents this one too.
        hIndent = child ? child.indent : parentKey ? parentKey.indent : parent.indent + (headers.some((h) => h.indent !== '') ? step : '');
        block = [`${hIndent}[${head}]`, `${hIndent}${step}${entry}`].join(eol);
        after = insertAt(endOfLine(text, stmts[end]!.end), eol + eol + block);
      } else {
        block = [`[${head}]`, `${step}${entry}`].join(eol);
        // At the end: after one blank line; a file without a final newline stays without one.
        if (text === '') after = block + eol;
        else if (!text.endsWith('\n')) after = text + eol + eol + block;
        else if (/\n[ \t]*\r?\n$/.test(text)) after = text + block + eol;
        else after = text + eol + block + eol;
      }
    }
  }
  // The parse of the result is the original's with exactly this key set, or the edit is refused.
  let got: unknown;
  try {
    got = parse(after);
  } catch (e) {
    throw new TomlPatchError(`setting ${dotted} as text would not parse (${((e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '').trim()})`);
  }
  setIn(doc, path, value);
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(got)), JSON.parse(JSON.stringify(doc)))) throw new TomlPatchError(`setting ${dotted} as text would change more than that key`);
  return after;
}

/** How far a table's keys sit to the right of its header in this file ('' for a flat file). */
function keyStep(stmts: Stmt[]): string {
  for (let k = 0; k < stmts.length - 1; k++) {
    const h = stmts[k]!;
    const next = stmts[k + 1]!;
    if (h.kind === 'header' && next.kind === 'kv' && !next.nested && next.indent.startsWith(h.indent)) return next.indent.slice(h.indent.length);
  }
  return '';
}
