import type { Finding } from '../analysis/finding';
import { cleanupPlan } from '../analysis/orphanVerdict';
import { displayOf, utf8Of, utf8SequenceLength } from '../model/bytes';
import { shellQuote } from '../shellQuote';
import type { FixDocument } from './fixDocument';
import { evidenceLine } from '../analysis/evidence';

// The script's fixed part. It only ever rmdirs (never rm -rf) directories it is given, each
// checked again at the moment of removal, and never writes any cgroup file.
const PRELUDE = `set -u
APPLY=0
case \${1-} in
--apply) APPLY=1 ;;
'' | --dry-run) ;;
*) echo "usage: $0 [--dry-run | --apply]" >&2; exit 2 ;;
esac
removed=0 skipped=0 failed=0 stopped=0
say() { printf '%s\\n' "$*"; }
# has_procs DIR: does DIR or any cgroup below it hold a process?
has_procs() {
	find "$1" -name cgroup.procs -type f 2>/dev/null | while IFS= read -r f; do
		if IFS= read -r _ <"$f"; then echo yes; break; fi
	done | grep -q yes
}
# The cgroups this run removed (with --apply) or would remove (dry run), one per line between
# newlines: a dry run then plays out the leaf-first walk, a parent whose children would be gone
# counts as childless, so its lines and summary are the real run's. A newline-separated list is
# safe here because every entry is a path of this script, and cgroup-forensics refuses to write a
# path with a newline into it (checkDir): an entry is always exactly one line.
nl='
'
gone=$nl
# has_children DIR: does DIR hold a child directory this run has not removed (or would not)? The
# globs give every child, dot-names too, as whole words (no name is parsed); a child whose name
# holds a newline cannot be one of this script's paths, so it always counts.
has_children() {
	for c in "$1"/* "$1"/.[!.]* "$1"/..?*; do
		[ -d "$c" ] || continue
		case $c in *"$nl"*) return 0 ;; esac
		case $gone in *"$nl$c$nl"*) ;; *) return 0 ;; esac
	done
	return 1
}
# rm_cgroup DIR LABEL: rmdir one cgroup if it is still empty, unpopulated and a leaf.
rm_cgroup() {
	d=$1 label=$2
	if [ ! -e "$d" ]; then say "gone already: $label"; return 0; fi
	if [ ! -f "$d/cgroup.procs" ]; then say "SKIP (not a cgroup directory): $label"; skipped=$((skipped + 1)); return 0; fi
	if IFS= read -r _ <"$d/cgroup.procs"; then say "SKIP (has processes): $label"; skipped=$((skipped + 1)); return 0; fi
	if [ -f "$d/cgroup.events" ] && grep -q '^populated 1' "$d/cgroup.events"; then say "SKIP (populated): $label"; skipped=$((skipped + 1)); return 0; fi
	if has_children "$d"; then say "SKIP (has child cgroups): $label"; skipped=$((skipped + 1)); return 0; fi
	if [ "$APPLY" = 0 ]; then say "would rmdir: $label"; removed=$((removed + 1)); gone=$gone$d$nl; return 0; fi
	if err=$(rmdir -- "$d" 2>&1); then
		say "removed: $label"; removed=$((removed + 1)); gone=$gone$d$nl
	else
		case $err in
		*[Bb]usy*) say "BUSY (EBUSY, not forced): $label" ;;
		*) say "FAILED ($err): $label" ;;
		esac
		failed=$((failed + 1))
	fi
}
# stop_unit UNIT DIR LABEL: stop a systemd unit and reset its failed state, only when systemd runs,
# knows the unit, and its cgroup holds no process.
stop_unit() {
	u=$1 d=$2 label=$3
	[ -d /run/systemd/system ] || return 0
	if ! systemctl list-units --all --plain --no-legend --no-pager -- "$u" 2>/dev/null | grep -q .; then return 0; fi
	if [ -d "$d" ] && has_procs "$d"; then say "SKIP (unit has processes): $label"; skipped=$((skipped + 1)); return 0; fi
	if [ "$APPLY" = 0 ]; then say "would run: systemctl stop $label; systemctl reset-failed $label"; stopped=$((stopped + 1)); return 0; fi
	systemctl stop -- "$u" 2>&1 | sed 's/^/  systemctl: /'
	systemctl reset-failed -- "$u" 2>/dev/null
	stopped=$((stopped + 1))
	say "stopped: $label"
}
`;

// The two summaries say the same in the same order; only the verbs differ (and a dry run cannot fail).
const EPILOGUE = `if [ "$APPLY" = 0 ]; then
	say "would stop $stopped unit(s), would remove $removed cgroup(s); $skipped skipped. Dry run: run with --apply to do it."
else
	say "stopped $stopped unit(s), removed $removed cgroup(s); $skipped skipped, $failed failed."
fi
[ "$skipped" = 0 ] && [ "$failed" = 0 ]
`;

/**
 * A POSIX sh script that removes exactly the cgroups of the given findings: dry run unless run with
 * --apply; systemd units stopped and reset when systemd owns them; every directory re-checked and
 * rmdir'ed leaf-first. Every name in it is a single-quoted word made by shellQuote.
 */
export function cleanupScript(findings: readonly Finding[], o: { allowedRoots: readonly string[]; generatedFor?: string; hostRoot?: string }): FixDocument {
  const { targets: picked, leftOut } = cleanupPlan(findings);
  // Read below a host root (a pod's /host), the script still names the node's own paths: it runs
  // on the node, where systemctl and the cgroup filesystem are (in such a pod: chroot HOST_ROOT).
  const root = o.hostRoot?.replace(/\/+$/, '') || undefined;
  const onNode = (dir: string): string => (root !== undefined && dir.startsWith(`${root}/`) ? dir.slice(root.length) : dir);
  const lines: string[] = [];
  // What looks like an orphan but is not one to act on (the API knows its pod; an empty pod cgroup
  // of unknown age may be one kubelet is starting) is named, not removed.
  for (const { finding, why } of leftOut) lines.push(`# not included (${oneLine(why)}): ${oneLine(finding.title)}`);
  const seenDirs = new Set<string>();
  for (const f of picked) {
    lines.push('', `# ${oneLine(f.title)}`);
    for (const e of f.evidence) lines.push(`#   ${oneLine(evidenceLine(e))}`);
    if ((f.processes ?? 0) > 0) lines.push('#   processes remain: the cgroups holding them are skipped (see cgroup-forensics inspect)');
    for (const c of f.cgroups) {
      if (seenDirs.has(c.dir)) continue;
      seenDirs.add(c.dir);
      checkDir(c.dir, o.allowedRoots);
      const dir = onNode(c.dir);
      lines.push(`rm_cgroup ${shellWord(dir)} ${shellQuote(displayOf(dir))}`);
    }
    // Units after their cgroups: what systemctl stop would remove is not predictable (systemd
    // trims only the hierarchies it manages), so the dry run could not foretell it; stopping a
    // unit whose empty cgroups are already gone leaves it inactive, and reset-failed forgets it.
    for (const u of unitsOf(f)) lines.push(`stop_unit ${shellWord(u.unit)} ${shellWord(onNode(u.dir))} ${shellQuote(displayOf(u.unit))}`);
  }
  const head = [
    '#!/bin/sh',
    `# Generated by cgroup-forensics${o.generatedFor ? ` for ${oneLine(o.generatedFor)}` : ''}: removes exactly the orphaned cgroups below.`,
    '# Dry run by default: it only says what it would do. Run it with --apply to act.',
    '# Each cgroup is checked again at the moment of removal (exists, no processes, not populated, no',
    '# child cgroups) and removed with rmdir, leaf-first; a busy cgroup is reported, never forced.',
    '# The dry run plays out the same walk (a cgroup it would remove no longer counts as a child), so',
    '# on an unchanged tree it prints the lines and counts --apply will.',
    '# systemd units are stopped and reset only where systemd runs, knows them, and they are empty.',
    ...(root !== undefined
      ? [`# The node was read with its / at ${oneLine(root)}; the paths here are the node's own. Run it on the node,`, `# or where the node's / is at ${oneLine(root)}: chroot ${oneLine(shellQuote(root))} sh cleanup.sh`]
      : []),
  ];
  const content = [...head, PRELUDE, ...lines, '', EPILOGUE].join('\n');
  return {
    kind: 'cleanup',
    title: `remove ${picked.length} orphan(s): ${seenDirs.size} cgroup directories`,
    content,
    reasons: picked.map((f) => oneLine(f.title)),
    apply:
      root === undefined
        ? ['review the script', 'sh cleanup.sh            # dry run: prints what it would do', 'sh cleanup.sh --apply    # as root on the node']
        : ['review the script', 'sh cleanup.sh            # on the node: a dry run, prints what it would do', 'sh cleanup.sh --apply    # as root on the node', `chroot ${shellQuote(root)} sh cleanup.sh [--apply]    # instead, where the node's / is at ${oneLine(root)} (a debug pod)`],
  };
}

/** The systemd units among a finding's cgroups: the shallowest .slice/.scope per hierarchy's path. */
function unitsOf(f: Finding): { unit: string; dir: string }[] {
  if (f.unit) {
    const c = f.cgroups[f.cgroups.length - 1];
    return [{ unit: f.unit, dir: c?.dir ?? '/nonexistent' }];
  }
  const out = new Map<string, string>();
  const top = f.cgroups[f.cgroups.length - 1];
  if (!top) return [];
  for (const c of f.cgroups) {
    if (c.path !== top.path) continue;
    const name = c.path.slice(c.path.lastIndexOf('/') + 1);
    if (/\.(slice|scope)$/.test(name) && !out.has(name)) out.set(name, c.dir);
  }
  return [...out].map(([unit, dir]) => ({ unit, dir }));
}

/**
 * A byte-string name as one shell word. The script is UTF-8 text, so the bytes of a name that are
 * not UTF-8 are spelled as printf octal escapes ("$(printf '%b' '\\0377')"), which only ever
 * expand to those bytes; the rest stays readable in single-quoted words from shellQuote. The
 * pieces are adjacent, so the shell joins them into one word.
 */
export function shellWord(byteString: string): string {
  const text = utf8Of(byteString);
  if (text !== undefined) return shellQuote(text);
  const bytes = Buffer.from(byteString, 'latin1');
  const parts: string[] = [];
  let run: number[] = [];
  const flush = (): void => {
    if (run.length) parts.push(shellQuote(Buffer.from(run).toString('utf8')));
    run = [];
  };
  for (let i = 0; i < bytes.length; ) {
    const len = utf8SequenceLength(bytes, i);
    if (len > 0) {
      for (let k = 0; k < len; k++) run.push(bytes[i + k]!);
      i += len;
    } else {
      flush();
      parts.push(`"$(printf '%b' '\\0${bytes[i]!.toString(8).padStart(3, '0')}')"`);
      i++;
    }
  }
  flush();
  return parts.join('');
}

function checkDir(dir: string, roots: readonly string[]): void {
  // The kernel refuses newlines in cgroup names; a path with one did not come from a cgroup.
  if (/[\n\0]/.test(dir)) throw new Error(`refusing a path with a newline or NUL: ${displayOf(dir)}`);
  if (dir.split('/').some((p) => p === '.' || p === '..')) throw new Error(`refusing a path with . or ..: ${displayOf(dir)}`);
  if (!roots.some((r) => dir.startsWith(r.replace(/\/$/, '') + '/'))) throw new Error(`refusing a path outside the cgroup hierarchies: ${displayOf(dir)}`);
}

/** Untrusted text in a comment: one line, control characters made visible. */
function oneLine(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, '?');
}
