/** The probe writes \\ \t \n \r for backslash, TAB, LF and CR in every field; this undoes it. */
export function unescapeField(field: string): string {
  if (!field.includes('\\')) return field;
  let out = '';
  for (let i = 0; i < field.length; i++) {
    const c = field[i];
    if (c !== '\\' || i + 1 >= field.length) {
      out += c;
      continue;
    }
    const n = field[++i];
    out += n === 't' ? '\t' : n === 'n' ? '\n' : n === 'r' ? '\r' : n;
  }
  return out;
}

/** The inverse, for fixtures and tests that write probe output. */
export function escapeField(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** mountinfo writes space, TAB, LF and backslash in paths as \040 \011 \012 \134. */
export function unescapeMountinfo(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
