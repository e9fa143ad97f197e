/**
 * A unified diff (as `diff -u`) of two texts, by lines, with three lines of context. Config files
 * are small: a plain LCS table is enough and keeps the output exactly what diff -u would show.
 */
export function unifiedDiff(before: string, after: string, fromName: string, toName: string, context = 3): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const n = a.length;
  const m = b.length;
  if (n * m > 25_000_000) return [`--- ${fromName}`, `+++ ${toName}`, `@@ -1,${n} +1,${m} @@`, ...a.flatMap((l) => printed('-', l)), ...b.flatMap((l) => printed('+', l))].join('\n') + '\n';
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  type Op = { t: ' ' | '-' | '+'; line: string; ai: number; bi: number };
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ t: ' ', line: a[i]!, ai: i++, bi: j++ });
    // Deletions before insertions, as diff -u prints a changed line.
    else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ t: '-', line: a[i]!, ai: i++, bi: j });
    else ops.push({ t: '+', line: b[j]!, ai: i, bi: j++ });
  }
  const out = [`--- ${fromName}`, `+++ ${toName}`];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.t === ' ') {
      k++;
      continue;
    }
    let start = Math.max(0, k - context);
    let end = k;
    // Extend the hunk while changes are within 2*context lines of each other.
    for (;;) {
      while (end < ops.length && ops[end]!.t !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next]!.t === ' ' && next - end < 2 * context) next++;
      if (next < ops.length && ops[next]!.t !== ' ' && next - end <= 2 * context) {
        end = next;
        continue;
      }
      end = Math.min(ops.length, end + context);
      break;
    }
    const hunk = ops.slice(start, end);
    const aStart = hunk[0]!.ai;
    const bStart = hunk[0]!.bi;
    const aLen = hunk.filter((o) => o.t !== '+').length;
    const bLen = hunk.filter((o) => o.t !== '-').length;
    out.push(`@@ -${aLen ? aStart + 1 : aStart},${aLen} +${bLen ? bStart + 1 : bStart},${bLen} @@`);
    for (const o of hunk) out.push(...printed(o.t, o.line));
    k = end;
    start = end;
  }
  return out.join('\n') + '\n';
}

/**
 * A last line without a newline carries this mark: it differs from the same text with one (as in
 * diff), and prints with diff's "\\ No newline at end of file" so patch(1) keeps the file's end.
 */
const NO_EOL = '\u0000';

function printed(t: string, line: string): string[] {
  return line.endsWith(NO_EOL) ? [t + line.slice(0, -1), '\\ No newline at end of file'] : [t + line];
}

function splitLines(t: string): string[] {
  if (t === '') return [];
  const lines = t.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += NO_EOL;
  return lines;
}
