# cgroup-forensics process inspection, protocol 1.
#
# A constant POSIX sh + awk program (conventions as probe.sh; the shared prelude in front): lists
# the processes of cgroups. Read-only. Cgroup directories arrive as arguments and are only ever
# file names.
#
# Arguments: HOST_ROOT RECURSIVE HEXDIR...
#   HOST_ROOT  "" or the node's root filesystem (/proc and /etc/passwd are read below it)
#   RECURSIVE  1 = every cgroup below each DIR too, 0 = each DIR only
#   HEXDIR     cgroup directories (as the scan saw them), each spelled as lowercase hex of its
#              bytes: a directory name is any bytes, an argv word that crosses Node's spawn or an
#              SSH exec request is UTF-8 text, so the bytes travel as hex and are decoded here.
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
export CF_R ESC
printf 'V\tprocs\t1\n'
printf 'K\t%s\t%s\t%s\n' "$(getconf CLK_TCK 2>/dev/null || echo 100)" "$(getconf PAGESIZE 2>/dev/null || echo 4096)" "$(awk '$1 == "btime" { print $2; exit }' "$CF_R/proc/stat" 2>/dev/null)"

# The records go through a private temporary file (command lines may hold secrets): mktemp's own
# (0600), removed however the program ends. No mktemp: no file, and no user names.
umask 077
SEEN=$(mktemp 2>/dev/null) || SEEN=
trap 'rm -f "$SEEN"' EXIT
trap 'exit 143' HUP INT TERM
# ONE: prints the records of the cgroups whose cgroup.procs files it gets as arguments.
ONE='
rec() {
	CF_A=$2 CF_B=$3 CF_C=$4 CF_D=$5 CF_E=$6 awk -v t="$1" -v n="$7" "$ESC"'"'"'
BEGIN {
	printf "%s", t
	split("A B C D E", k, " ")
	for (i = 1; i <= n; i++) printf "\t%s", esc(ENVIRON["CF_" k[i]])
	printf "\n"
	exit
}'"'"' </dev/null
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
# unhex HEX: sets d to the bytes HEX spells (any byte but NUL; a trailing newline kept).
unhex() {
	d=$(printf "$(printf '%s\n' "$1" | awk '{ h = "0123456789abcdef"; for (i = 1; i < length($0); i += 2) printf "\\%03o", (index(h, substr($0, i, 1)) - 1) * 16 + index(h, substr($0, i + 1, 1)) - 1 }')x")
	d=${d%x}
}
# list: the records of every directory argument.
list() {
	for hex in "$@"; do
		case $hex in '' | *[!0-9a-f]*) continue ;; esac
		unhex "$hex"
		if [ ! -d "$d" ]; then
			CF_D=$d awk "$ESC"'BEGIN { printf "X\t%s\tvanished\n", esc(ENVIRON["CF_D"]) }' </dev/null
			continue
		fi
		if [ "$RECURSIVE" = 1 ]; then
			find "$d" -name cgroup.procs -type f -exec sh -c "$ONE" cf-procs {} +
		else
			sh -c "$ONE" cf-procs "$d/cgroup.procs"
		fi
	done
}
# The records, then the users of the UIDs seen (no tee or sort: a node may lack them). Without a
# writable temporary file the records still come, only the user names do not.
if [ -z "$SEEN" ] || ! { : >"$SEEN"; } 2>/dev/null; then
	list "$@"
	printf 'Z\tEND\n'
	exit 0
fi
list "$@" >"$SEEN"
cat "$SEEN"
awk -F '\t' '$1 == "P" && !seen[$5]++ { print $5 }' "$SEEN" | while IFS= read -r u; do
	[ -n "$u" ] || continue
	name=$(awk -F: -v u="$u" '$3 == u { print $1; exit }' "$CF_R/etc/passwd" 2>/dev/null)
	if [ -n "$name" ]; then printf 'U\t%s\t%s\n' "$u" "$name" | tr -d '\r'; fi
done
rm -f "$SEEN"
printf 'Z\tEND\n'
