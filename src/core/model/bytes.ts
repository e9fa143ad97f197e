/**
 * Cgroup names are any bytes but '/' and NUL. The model keeps them exactly as "byte strings":
 * JS strings whose every char code is one byte (0-255), as Buffer's 'latin1' encoding makes them.
 * Only display and JSON turn them into text.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function bytesOf(byteString: string): Buffer {
  return Buffer.from(byteString, 'latin1');
}

export function byteStringOf(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** The UTF-8 text of a byte string, or undefined when its bytes are not valid UTF-8. */
export function utf8Of(byteString: string): string | undefined {
  // Pure ASCII is by far the common case and needs no decoding.
  if (!/[^\x00-\x7f]/.test(byteString)) return byteString;
  try {
    return utf8.decode(bytesOf(byteString));
  } catch {
    return undefined;
  }
}

/**
 * A byte string made safe to print on a terminal or in a message: valid UTF-8 is kept, control
 * characters and invalid bytes become visible escapes (\n, \t, \x1b, \xff), and a backslash is
 * doubled so the form is unambiguous.
 */
export function displayOf(byteString: string): string {
  const text = utf8Of(byteString);
  if (text !== undefined) {
    if (!/[\x00-\x1f\x7f-\x9f\\]/.test(text)) return text;
    return text.replace(/[\x00-\x1f\x7f-\x9f\\]/g, escapeChar);
  }
  let out = '';
  const bytes = bytesOf(byteString);
  let i = 0;
  while (i < bytes.length) {
    const len = utf8SequenceLength(bytes, i);
    if (len === 0) {
      out += `\\x${bytes[i]!.toString(16).padStart(2, '0')}`;
      i += 1;
    } else {
      out += displayOf(bytes.subarray(i, i + len).toString('latin1'));
      i += len;
    }
  }
  return out;
}

function escapeChar(c: string): string {
  switch (c) {
    case '\n':
      return '\\n';
    case '\t':
      return '\\t';
    case '\r':
      return '\\r';
    case '\\':
      return '\\\\';
    default:
      return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  }
}

/** Length of the valid UTF-8 sequence starting at i, or 0 when the byte there starts none. */
export function utf8SequenceLength(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (len === 0 || i + len > b.length) return 0;
  try {
    utf8.decode(b.subarray(i, i + len));
    return len;
  } catch {
    return 0;
  }
}
