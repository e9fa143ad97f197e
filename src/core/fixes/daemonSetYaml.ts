/**
 * YAML for manifests this project writes itself (not an operator's file edited as text): plain
 * objects to block YAML. Strings are plain only when YAML cannot read them as anything else;
 * otherwise double-quoted, with every character outside printable ASCII escaped, so a value (the
 * bundled CLI is one) reads back byte for byte whatever it holds (YAML 1.1 would fold a raw
 * U+2028 or NEL into a line break). Multi-line scripts are literal blocks, to be read.
 */
export type YamlValue = string | number | boolean | YamlValue[] | { [key: string]: YamlValue | undefined };

/** A string YAML reads back as this same string when written bare (not a number, bool, null, or syntax). */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;

export function yamlString(s: string): string {
  if (PLAIN.test(s) && !RESERVED.test(s)) return s;
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** A literal block keeps a script as it is written, when YAML can hold it so (printable ASCII, no trailing blanks). */
function literalBlock(s: string, indent: string): string | undefined {
  if (!s.includes('\n') || !s.endsWith('\n') || s.endsWith('\n\n') || /^[ \t]/.test(s)) return undefined;
  if (!/^[\x20-\x7e\n]*$/.test(s) || /[ ]\n/.test(s)) return undefined;
  return `|\n${s.slice(0, -1).split('\n').map((l) => (l === '' ? '' : indent + l)).join('\n')}`;
}

function scalar(v: string | number | boolean, indent: string): string {
  if (typeof v !== 'string') return String(v);
  return literalBlock(v, indent) ?? yamlString(v);
}

const isScalar = (v: YamlValue): v is string | number | boolean => typeof v !== 'object';

/** One YAML document for a mapping; keys whose value is undefined are left out. */
export function yamlDocument(value: { [key: string]: YamlValue | undefined }): string {
  return mapping(value, '').join('\n') + '\n';
}

function mapping(m: { [key: string]: YamlValue | undefined }, indent: string): string[] {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined) continue;
    const key = `${indent}${yamlString(k)}:`;
    if (isScalar(v)) lines.push(`${key} ${scalar(v, indent + '  ')}`);
    else if (Array.isArray(v)) {
      if (v.length === 0) lines.push(`${key} []`);
      else lines.push(key, ...sequence(v, indent));
    } else if (Object.values(v).every((x) => x === undefined)) lines.push(`${key} {}`);
    else lines.push(key, ...mapping(v, indent + '  '));
  }
  return lines;
}

/** Sequence items at the parent key's indent ("- " counts as indentation), as kubectl prints them. */
function sequence(items: YamlValue[], indent: string): string[] {
  const lines: string[] = [];
  for (const item of items) {
    if (isScalar(item)) lines.push(`${indent}- ${scalar(item, indent + '  ')}`);
    else if (Array.isArray(item)) lines.push(`${indent}-`, ...sequence(item, indent + '  '));
    else {
      const inner = mapping(item, indent + '  ');
      if (inner.length === 0) lines.push(`${indent}- {}`);
      else lines.push(`${indent}- ${inner[0]!.slice(indent.length + 2)}`, ...inner.slice(1));
    }
  }
  return lines;
}
