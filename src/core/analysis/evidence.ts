import type { MemcgIdState } from './memcgIds';

/**
 * One checkable statement behind a finding, as data: the producers (analysis rules, the evidence
 * report, the Kubernetes view) say what they saw in the shape a consumer needs (the Findings view
 * shows a log line with its time, an open fd as a link to its holder), and evidenceLine prints it.
 * Every text field is display-safe as the producer wrote it (control bytes escaped by safeLogText
 * where the text came from the node); paths are byte strings as everywhere (model/bytes.ts).
 */
export type Evidence =
  /** A statement in words: what was counted, judged or found missing, and what it means. */
  | { kind: 'note'; text: string }
  /** What a file (or /proc, /sys entry) holds: "PATH: VALUE". */
  | { kind: 'file'; path: string; value: string }
  /** What a command on the node showed: "COMMAND shows OUTPUT". */
  | { kind: 'command'; command: string; output: string }
  /** A log line that matched a known signature (analysis/logSignatures.ts). */
  | { kind: 'log'; signature: string; /** Milliseconds since the epoch, when the line carried a time. */ time?: number; source: string; line: string }
  /** An open file descriptor on a cgroup directory; comm when the holder is named. */
  | { kind: 'open-fd'; pid: number; fd: string; target: string; comm?: string }
  /** Where a claim can be checked upstream: a commit, an issue, a release. */
  | { kind: 'source'; ref: string }
  /** The kernel's memcg ID verdict (analysis/memcgIds.ts): whether dying memory cgroups keep their IDs. */
  | { kind: 'memcg-ids'; ids: MemcgIdState; why: string };

export const note = (text: string): Evidence => ({ kind: 'note', text });
export const fileEvidence = (path: string, value: string): Evidence => ({ kind: 'file', path, value });
export const sourceEvidence = (ref: string): Evidence => ({ kind: 'source', ref });

/** A log line's time as evidence prints it (UTC, seconds), or "time unknown". */
export function logTime(time: number | undefined): string {
  return time !== undefined ? new Date(time).toISOString().replace('.000Z', 'Z') : 'time unknown';
}

/** The one text form of an evidence item: the CLI's text and JSON, the reports, the cleanup script's comments and the views print it. */
export function evidenceLine(e: Evidence): string {
  switch (e.kind) {
    case 'note':
      return e.text;
    case 'file':
      return `${e.path}: ${e.value}`;
    case 'command':
      return `${e.command} shows ${e.output}`;
    case 'log':
      return `log ${e.signature} ${logTime(e.time)} ${e.source}: ${e.line}`;
    case 'open-fd': {
      const link = `/proc/${e.pid}/fd/${e.fd} -> ${e.target}`;
      return e.comm !== undefined ? `open fd: ${e.comm} (pid ${e.pid}) holds ${link}` : link;
    }
    case 'source':
      return `source: ${e.ref}`;
    case 'memcg-ids':
      return `memcg IDs: ${e.ids} on this kernel: ${e.why}`;
    default: {
      const never: never = e;
      return never;
    }
  }
}

/** A finding's evidence as lines (what the string array was before evidence had a shape). */
export function evidenceLines(f: { evidence: readonly Evidence[] }): string[] {
  return f.evidence.map(evidenceLine);
}
