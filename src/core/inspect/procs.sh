# cgroup-forensics process inspection, protocol 1.
#
# A constant POSIX sh + awk program (conventions as probe.sh): lists the processes of cgroups.
# Read-only. Cgroup directories arrive as arguments and are only ever file names.
#
# Arguments: HOST_ROOT RECURSIVE DIR...
#   HOST_ROOT  "" or the node's root filesystem (/proc and /etc/passwd are read below it)
#   RECURSIVE  1 = every cgroup below each DIR too, 0 = each DIR only
#   DIR        cgroup directories (as the scan saw them)
#
# Output, TAB-separated fields escaped as in probe.sh:
#   V procs PROTOCOL
#   K CLK_TCK PAGESIZE BTIME          clock ticks per second, page size, boot time (epoch s)
#   P CGDIR PID STAT UID CMDLINE      /proc/PID/stat as it is; the real UID; argv joined by LF
#   U UID NAME                        user names of the UIDs seen (from /etc/passwd)
#   X CGDIR WHAT                      a cgroup that could not be read
#   Z END
set -u
LC_ALL=C
export LC_ALL
CF_R=${1-}
RECURSIVE=${2:-0}
if [ $# -ge 2 ]; then shift 2; else set --; fi
export CF_R
printf 'V\tprocs\t1\n'
printf 'K\t%s\t%s\t%s\n' "$(getconf CLK_TCK 2>/dev/null || echo 100)" "$(getconf PAGESIZE 2>/dev/null || echo 4096)" "$(awk '$1 == "btime" { print $2; exit }' "$CF_R/proc/stat" 2>/dev/null)"

SEEN=$(mktemp 2>/dev/null || echo "${TMPDIR:-/tmp}/cf-procs.$$")
# ONE: prints the records of the cgroups whose cgroup.procs files it gets as arguments.
ONE='
rec() {
	CF_A=$2 CF_B=$3 CF_C=$4 CF_D=$5 CF_E=$6 awk -v t="$1" -v n="$7" "
function esc(s,   o, i, c, m) {
	if (s !~ /[\\\\\\t\\n\\r]/) return s
	o = \"\"; m = length(s)
	for (i = 1; i <= m; i++) {
		c = substr(s, i, 1)
		if (c == \"\\\\\") o = o \"\\\\\\\\\"; else if (c == \"\\t\") o = o \"\\\\t\"; else if (c == \"\\n\") o = o \"\\\\n\"; else if (c == \"\\r\") o = o \"\\\\r\"; else o = o c
	}
	return o
}
BEGIN {
	printf \"%s\", t
	split(\"A B C D E\", k, \" \")
	for (i = 1; i <= n; i++) printf \"\\t%s\", esc(ENVIRON[\"CF_\" k[i]])
	printf \"\\n\"
	exit
}" </dev/null
}
for f in "$@"; do
	cg=${f%/cgroup.procs}
	if ! pids=$(cat "$f" 2>/dev/null); then rec X "$cg" unreadable "" "" "" 2; continue; fi
	for pid in $pids; do
		stat=$(cat "$CF_R/proc/$pid/stat" 2>/dev/null) || continue
		uid=$(awk "\$1 == \"Uid:\" { print \$2; exit }" "$CF_R/proc/$pid/status" 2>/dev/null)
		cmd=$(tr "\\000" "\\n" 2>/dev/null <"$CF_R/proc/$pid/cmdline" | head -c 4096)
		rec P "$cg" "$pid" "$stat" "$uid" "$cmd" 5
	done
done
'
for d in "$@"; do
	if [ ! -d "$d" ]; then
		CF_D=$d awk 'BEGIN { s = ENVIRON["CF_D"]; gsub(/\\/, "\\\\", s); gsub(/\t/, "\\t", s); gsub(/\n/, "\\n", s); gsub(/\r/, "\\r", s); printf "X\t%s\tvanished\n", s }'
		continue
	fi
	if [ "$RECURSIVE" = 1 ]; then
		find "$d" -name cgroup.procs -type f -exec sh -c "$ONE" cf-procs {} +
	else
		sh -c "$ONE" cf-procs "$d/cgroup.procs"
	fi
done | tee "$SEEN"
# The users of the UIDs seen.
awk -F '\t' '$1 == "P" { print $5 }' "$SEEN" | sort -u | while IFS= read -r u; do
	[ -n "$u" ] || continue
	name=$(awk -F: -v u="$u" '$3 == u { print $1; exit }' "$CF_R/etc/passwd" 2>/dev/null)
	if [ -n "$name" ]; then printf 'U\t%s\t%s\n' "$u" "$name" | tr -d '\r'; fi
done
rm -f "$SEEN"
printf 'Z\tEND\n'
