/**
 * The one way a value becomes shell text: a single-quoted word. Inside single quotes a POSIX
 * shell interprets nothing, so the only byte to handle is the quote itself ('\'' closes, adds an
 * escaped quote, reopens). NUL cannot be passed in a word at all and is refused.
 */
export function shellQuote(word: string): string {
  if (word.includes('\0')) throw new Error('a shell word cannot contain a NUL byte');
  if (word !== '' && /^[A-Za-z0-9_./=:,+@%-]+$/.test(word) && !word.startsWith('-')) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line of quoted words, for transports that can only send a string (ssh exec). */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
