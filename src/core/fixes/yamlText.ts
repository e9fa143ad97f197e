import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, parse, parseDocument, Scalar, type Document, type Pair, type YAMLMap } from 'yaml';

/**
 * Setting keys in an operator's YAML file as text. The `yaml` library parses the file only to find
 * where things are (node ranges); the change is spliced into the original text, so every byte the
 * change does not need (comments, indentation, sequences, blank lines, CRLF, a missing trailing
 * newline) stays as it was:
 *   - a key that exists with a scalar value: the value is replaced in place (a trailing comment
 *     stays; a quoted value keeps its quotes);
 *   - a key missing from a block mapping: a line is added after the mapping's last entry, at the
 *     indentation of its other keys;
 *   - a key missing from a flow mapping (`{memory.available: 100Mi}`): `, key: value` is added
 *     before the closing brace, in flow style;
 *   - a mapping on the way that does not exist: it is added as a block under its parent (or as a
 *     flow mapping inside a flow parent).
 * After the splice the result is parsed again and must equal the original with the keys set.
 */
export type YamlScalarValue = string | number | boolean;

export interface YamlSet {
  /** Keys from the document's top-level mapping down, e.g. ['evictionHard', 'pid.available']. */
  path: readonly string[];
  value: YamlScalarValue;
}

/** The text cannot be patched: not YAML, not one mapping, or a key on the way holds something else. */
export class YamlTextError extends Error {
  override name = 'YamlTextError';
}

/** The original text with every set applied (the same text when all are already so). */
export function setYamlText(text: string, sets: readonly YamlSet[]): string {
  const want = parsed(text);
  let out = text;
  for (const s of sets) {
    if (!s.path.length) throw new YamlTextError('empty key path');
    out = setOne(out, s);
    setIn(want, s.path, s.value);
  }
  const got = parsed(out);
  // The change, and only the change: anything else would be a bug here, never something to print.
  if (!isDeepStrictEqual(got, want)) throw new Error(`setYamlText: the patched text does not mean the original with ${sets.map((s) => s.path.join('.')).join(', ')} set`);
  return out;
}

/** The value at a path in the text's top-level mapping (undefined when absent). */
export function getYamlPath(text: string, path: readonly string[]): unknown {
  let v: unknown = parsed(text);
  for (const k of path) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function parsed(text: string): Record<string, unknown> {
  const doc = load(text);
  return (doc.contents ? parse(text) : {}) as Record<string, unknown>;
}

function load(text: string): Document {
  const doc = parseDocument(text, { keepSourceTokens: true });
  const err = doc.errors[0];
  if (err) throw new YamlTextError(`not valid YAML: ${(err.message.split('\n')[0] ?? '').trim()}`);
  if (doc.contents !== null && !isMap(doc.contents)) throw new YamlTextError('not a YAML mapping at the top');
  return doc;
}

function setIn(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let o = obj;
  for (const k of path.slice(0, -1)) {
    const next = o[k];
    if (!next || typeof next !== 'object') o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[path[path.length - 1]!] = value;
}

function setOne(text: string, s: YamlSet): string {
  const doc = load(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const root = doc.contents as YAMLMap | null;
  if (!root) {
    // An empty file (or only comments): the keys go at its end, each on a line of its own.
    const lead = text === '' || text.endsWith('\n') ? '' : eol;
    return text + lead + blockLines(s.path, s.value, '', indentStep(text), eol).join('') ;
  }
  let map: YAMLMap = root;
  for (let i = 0; i < s.path.length; i++) {
    const key = s.path[i]!;
    const pair = map.items.find((p) => keyOf(p) === key);
    const last = i === s.path.length - 1;
    if (!pair) return addKey(text, map, s.path.slice(i), s.value, eol);
    const v = pair.value;
    if (last) {
      if (isMap(v) || (v && !isScalar(v))) throw new YamlTextError(`${s.path.slice(0, i + 1).join('.')} holds a collection, not a value`);
      return setScalar(text, pair, s.value);
    }
    if (isMap(v)) {
      map = v;
      continue;
    }
    if (v === null || (isScalar(v) && (v.value === null || v.value === undefined))) {
      // `key:` with nothing (null): the mapping goes where the null is.
      return replaceNull(text, map, pair, s.path.slice(i + 1), s.value, eol);
    }
    throw new YamlTextError(`${s.path.slice(0, i + 1).join('.')} is not a mapping`);
  }
  return text;
}

function keyOf(p: Pair): unknown {
  return isScalar(p.key) ? p.key.value : p.key;
}

/** Replaces a scalar's text (its comment stays); keeps single or double quotes it had. */
function setScalar(text: string, pair: Pair, value: YamlScalarValue): string {
  const v = pair.value as Scalar | null;
  if (v && v.value === value) return text;
  if (!v || !v.range) {
    const at = (pair.key as Scalar).range![1];
    const colon = text.indexOf(':', at);
    return splice(text, colon + 1, colon + 1, ` ${scalarText(value)}`);
  }
  const [start, end] = v.range;
  const style = v.type === Scalar.QUOTE_DOUBLE ? 'double' : v.type === Scalar.QUOTE_SINGLE ? 'single' : undefined;
  const body = style && typeof value === 'string' ? quote(value, style) : scalarText(value);
  // An empty value (`key:`) has a zero-width range right after the colon.
  return splice(text, start, end, start === end ? ` ${body}` : body);
}

function replaceNull(text: string, parent: YAMLMap, pair: Pair, rest: readonly string[], value: YamlScalarValue, eol: string): string {
  const v = pair.value as Scalar | null;
  const keyEnd = (pair.key as Scalar).range![1];
  const colon = text.indexOf(':', keyEnd);
  if (parent.flow) {
    const start = v?.range && v.range[0] !== v.range[1] ? v.range[0] : colon + 1;
    const end = v?.range ? v.range[1] : colon + 1;
    return splice(text, start, end, `${start === colon + 1 ? ' ' : ''}${flowValue(rest, value)}`);
  }
  // Block parent: drop a `~`/`null` token, then the nested lines go after the key's line.
  let out = text;
  if (v?.range && v.range[0] !== v.range[1]) {
    out = splice(out, colon + 1, v.range[1], '');
  }
  const lineEnd = out.indexOf('\n', colon);
  const indent = columnOf(out, pairStart(pair)) + indentStep(out);
  const lines = blockLines(rest, value, ' '.repeat(indent), indentStep(out), eol).join('');
  if (lineEnd < 0) return out + eol + lines.slice(0, -eol.length);
  return splice(out, lineEnd + 1, lineEnd + 1, lines);
}

/** Adds path[0] (and mappings below it for the rest of the path) to an existing mapping. */
function addKey(text: string, map: YAMLMap, path: readonly string[], value: YamlScalarValue, eol: string): string {
  if (map.flow) {
    const entry = `${keyText(path[0]!)}: ${flowValue(path.slice(1), value)}`;
    const last = map.items[map.items.length - 1];
    if (last) {
      const end = last.value && (last.value as Scalar).range ? (last.value as Scalar).range![1] : (last.key as Scalar).range![1];
      return splice(text, end, end, `, ${entry}`);
    }
    const open = text.indexOf('{', map.range![0]);
    return splice(text, open + 1, open + 1, entry);
  }
  const first = map.items[0]!;
  const indent = ' '.repeat(columnOf(text, pairStart(first)));
  const lines = blockLines(path, value, indent, indentStep(text), eol).join('');
  const end = blockEnd(text, map);
  if (end > 0 && text[end - 1] === '\n') return splice(text, end, end, lines);
  // The mapping ends the file without a newline: the new line goes after it, and the file still
  // ends without one.
  return splice(text, end, end, eol + lines.slice(0, -eol.length));
}

/** Where a block mapping's last entry ends: after the newline of its last line (or at EOF). */
function blockEnd(text: string, map: YAMLMap): number {
  const last = map.items[map.items.length - 1]!;
  const v = last.value as { range?: [number, number, number] } | null;
  const at = v?.range ? v.range[1] : (last.key as Scalar).range![1];
  if (at > 0 && text[at - 1] === '\n') return at;
  const nl = text.indexOf('\n', at);
  return nl < 0 ? text.length : nl + 1;
}

function pairStart(p: Pair): number {
  return (p.key as Scalar).range![0];
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** The file's own indentation step: the first nested block key's column, else 2. */
function indentStep(text: string): number {
  const m = /^([A-Za-z0-9_."'-]+):[ \t]*(?:#.*)?\r?\n( +)[A-Za-z0-9_."'-]+:/m.exec(text);
  return m ? m[2]!.length : 2;
}

function blockLines(path: readonly string[], value: YamlScalarValue, indent: string, step: number, eol: string): string[] {
  const out: string[] = [];
  let ind = indent;
  path.forEach((k, i) => {
    out.push(i === path.length - 1 ? `${ind}${keyText(k)}: ${scalarText(value)}${eol}` : `${ind}${keyText(k)}:${eol}`);
    ind += ' '.repeat(step);
  });
  return out;
}

function flowValue(rest: readonly string[], value: YamlScalarValue): string {
  return rest.length ? `{${keyText(rest[0]!)}: ${flowValue(rest.slice(1), value)}}` : scalarText(value);
}

/** A scalar as YAML reads it back as the same value: plain when that is safe, else double-quoted. */
export function scalarText(value: YamlScalarValue): string {
  if (typeof value !== 'string') return String(value);
  // Plain only for the characters config values use, and only when YAML reads it back as this
  // string (so "1000" or "true" are quoted: kubelet's map[string]string fields need strings).
  if (/^[A-Za-z0-9][A-Za-z0-9._/%+-]*$/.test(value) && plainIsString(value)) return value;
  return JSON.stringify(value);
}

function keyText(key: string): string {
  return scalarText(key);
}

function plainIsString(v: string): boolean {
  try {
    return (parse(`k: ${v}\n`) as { k: unknown }).k === v;
  } catch {
    return false;
  }
}

function quote(v: string, style: 'double' | 'single'): string {
  return style === 'double' ? JSON.stringify(v) : `'${v.replace(/'/g, "''")}'`;
}

function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}
