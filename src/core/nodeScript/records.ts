/**
 * The envelope every node-side program's whole output shares (probe.sh conventions): records one
 * a line, fields TAB-separated and escaped; first `V PROGRAM PROTOCOL`, last `Z END`, which marks
 * the output complete. Each reader handles its own record types in `record` and returns false for
 * one it does not know, which is an error, as is output without the V record.
 */
export function readRecords(
  text: string,
  program: string,
  protocols: readonly string[],
  record: (f: string[]) => boolean,
): { complete: boolean; protocol: string } {
  let protocol: string | undefined;
  let complete = false;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = line.split('\t');
    if (f[0] === 'V') {
      if (f[1] !== program || !protocols.includes(f[2] ?? '')) throw new Error(`the ${program} program speaks ${f[1]} ${f[2]}, this reader ${program} ${protocols.join(' and ')}`);
      protocol = f[2]!;
    } else if (f[0] === 'Z') {
      complete = true;
    } else if (!record(f)) {
      throw new Error(`unexpected ${program} record ${JSON.stringify(line.slice(0, 40))}`);
    }
  }
  if (protocol === undefined) throw new Error(`the ${program} program printed nothing recognisable`);
  return { complete, protocol };
}
