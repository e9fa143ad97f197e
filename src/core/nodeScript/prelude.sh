# cgroup-forensics node-side prelude: put in front of every node-side program (probe, facts,
# evidence, watch) by nodeProgram(), so each still runs as one constant `sh -c PROGRAM ARGS`.
# It only defines; it runs nothing. Programs set R (the host root, "" for /) before calling.

# An awk library of the escaping function: backslash, TAB, LF and CR become \\ \t \n \r.
ESC='
function esc(s,   o, i, c, n) {
	if (s !~ /[\\\t\n\r]/) return s
	o = ""; n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c == "\\") o = o "\\\\"; else if (c == "\t") o = o "\\t"; else if (c == "\n") o = o "\\n"; else if (c == "\r") o = o "\\r"; else o = o c
	}
	return o
}'

# rec TYPE KEY SOURCE VALUE: one escaped record; values travel through the environment.
rec() {
	CF_K=$2 CF_S=$3 CF_V=$4 awk -v t="$1" "$ESC"'
BEGIN { printf "%s\t%s\t%s\t%s\n", t, esc(ENVIRON["CF_K"]), esc(ENVIRON["CF_S"]), esc(ENVIRON["CF_V"]); exit }' </dev/null
}

# have TOOL: is the tool on the node (below the host root when there is one)?
have() {
	if [ -z "$R" ]; then command -v "$1" >/dev/null 2>&1; return; fi
	for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
		if [ -x "$R$d/$1" ]; then return 0; fi
	done
	return 1
}

# node CMD ARGS...: runs a command on the node: here, or chrooted into the host root; bounded in time.
node() {
	if [ -n "$R" ]; then set -- chroot "$R" "$@"; fi
	if command -v timeout >/dev/null 2>&1; then set -- timeout 20 "$@"; fi
	"$@"
}

# mountinfo: sets MI to the node's mount table: its init's when there is a host root (the
# program's own, in a debug pod, is the pod's).
mountinfo() {
	MI="$R/proc/self/mountinfo"
	if [ -n "$R" ] && [ -r "$R/proc/1/mountinfo" ]; then MI="$R/proc/1/mountinfo"; fi
}

# cgmounts TYPES [CTRL [FIRST]]: mount points in $MI of the cgroup filesystem TYPES ("cgroup",
# "cgroup2" or "cgroup cgroup2"), with controller CTRL when given, only the first when FIRST is 1.
# Mount points with escapes (\040 ...) are left out.
cgmounts() {
	awk -v types=" $1 " -v ctrl="${2-}" -v first="${3-0}" '{ s = index($0, " - "); split(substr($0, s + 3), t, " "); split(substr($0, 1, s - 1), f, " ")
		if (index(types, " " t[1] " ") && f[5] !~ /\\/ && (ctrl == "" || index("," t[3] ",", "," ctrl ","))) { print f[5]; if (first == 1) exit } }' <"$MI"
}
