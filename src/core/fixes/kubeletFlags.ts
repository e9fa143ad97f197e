import type { Sourced } from '../facts/nodeFacts';

/**
 * kubelet flags where they are written: a systemd unit or drop-in (`ExecStart=`, `Environment=`)
 * or an environment file it names (kubeadm's `KUBELET_KUBEADM_ARGS="--cgroup-driver=cgroupfs ..."`).
 * A flag on kubelet's command line overrides its config file, so a fix changes the flag's value
 * in the file that sets it, as text: quotes and the other flags stay as they were.
 */

/** One place a flag is set: the file, the line (1-based) and the value written there. */
export interface FlagSite {
  source: string;
  line: number;
  value: string;
}

// --name=value or --name value, as a whole word: after the start of the line, a blank, a quote
// or the = of VAR=; the value ends at a blank, a quote or a backslash (a continued line), and
// is not the next flag.
const flagRe = (name: string): RegExp => new RegExp(`(^|[\\s"'=])(${escapeRe(name)})(=|[ \\t]+)([^\\s"'\\\\-][^\\s"'\\\\]*)`, 'g');

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Lines that systemd and sh both skip. */
const isComment = (line: string): boolean => /^\s*[#;]/.test(line);

/** Where each file sets `name` (comment lines skipped). */
export function flagSites(files: readonly Sourced<string>[], name: string): FlagSite[] {
  const out: FlagSite[] = [];
  for (const f of files) {
    f.value.split('\n').forEach((line, i) => {
      if (isComment(line)) return;
      for (const m of line.matchAll(flagRe(name))) out.push({ source: f.source, line: i + 1, value: m[4]! });
    });
  }
  return out;
}

/** The file's text with every setting of `name` given `value`; other bytes kept. */
export function setFlagText(text: string, name: string, value: string): string {
  return text
    .split('\n')
    .map((line) => (isComment(line) ? line : line.replace(flagRe(name), (_m, pre: string, flag: string, sep: string) => `${pre}${flag}${sep}${value}`)))
    .join('\n');
}
