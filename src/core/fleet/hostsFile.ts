import { parseJumpHop, type JumpHop } from '../transport/ssh/hostConfig';

/** One line of a hosts file: the node as written, and as ssh takes it (an alias or user@host with a port). */
export interface HostsFileEntry {
  name: string;
  hop: JumpHop;
  line: number;
}

/**
 * A fleet's hosts file: one node a line, an ssh_config alias or `[user@]host[:port]` (`[v6]:port`
 * for IPv6), `#` starts a comment, blank lines are skipped, a node listed twice is scanned once.
 * A line that is not one such word is an error naming its line number.
 */
export function parseHostsFile(text: string): { entries: HostsFileEntry[]; errors: string[] } {
  const entries: HostsFileEntry[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    if (/\s/.test(line) || line.startsWith('-')) {
      errors.push(`line ${i + 1}: expected one host (alias or user@host[:port]), got '${line}'`);
      return;
    }
    let hop: JumpHop;
    try {
      hop = parseJumpHop(line);
    } catch {
      errors.push(`line ${i + 1}: not a host: '${line}'`);
      return;
    }
    if (seen.has(line)) return;
    seen.add(line);
    entries.push({ name: line, hop, line: i + 1 });
  });
  return { entries, errors };
}
