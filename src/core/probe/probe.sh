# cgroup-forensics probe, protocol 1.
#
# One constant POSIX sh + awk program, run on the node as
# `sh -c PROGRAM probe ARGS` (after the shared prelude, src/core/nodeScript/prelude.sh). Nothing
# in it is built from data: every value arrives as an
# argument or through the environment, and cgroup names are only ever file names, never code.
# Works with dash, bash and busybox sh; mawk, gawk and busybox awk; GNU and busybox find.
#
# Arguments: HOST_ROOT CGROUP_ROOT MAX_DEPTH MAX_COUNT MAX_BYTES
#   HOST_ROOT   "" or a directory holding the node's root filesystem (as a debug pod's /host)
#   CGROUP_ROOT "" to walk every cgroup hierarchy, or one directory to walk as a hierarchy root
#   MAX_*       bounds of one walk (0 = none); hitting one is reported, never silent
#
# Output: one record per line, fields separated by TAB. In every field, backslash, TAB, LF and
# CR are written as \\ \t \n \r; all other bytes are passed through (names may be any bytes).
#   V probe PROTOCOL                  first line
#   F KEY VALUE                       a node fact (meminfo_FIELD: kB from /proc/meminfo)
#   G LINE                            a line of /proc/cgroups
#   M LINE                            a cgroup line of mountinfo (as the kernel escapes it)
#   H ID KIND CONTROLLERS MOUNTPOINT MOUNTROOT WALKROOT MTIME_SUPPORTED
#   C ID RELPATH MTIME PROCS POPULATED NR_DESC NR_DYING MEM ANON FILE KERNEL SLAB CPU_USEC
#     PIDS PIDS_MAX PSI_CPU PSI_MEM PSI_IO FROZEN    (empty field = not present)
#     FROZEN: 0 thawed, 1 frozen, 2 freezing (v2: cgroup.events "frozen"; v1: freezer.state)
#   X ID RELPATH WHAT                 a cgroup that vanished or could not be read mid-walk
#   L ID BOUND LIMIT                  the walk of hierarchy ID stopped at a bound
#   W ID MESSAGE                      a walk went on after a problem that may have lost records
#   E CODE MESSAGE                    the probe could not do what was asked
#   Z END                             last line; its absence means the output was cut short
set -u
LC_ALL=C
export LC_ALL
R=${1-}
CGROOT=${2-}
MAXDEPTH=${3:-0}
MAXCOUNT=${4:-0}
MAXBYTES=${5:-0}
NL='
'
TAB='	'
# Which awk: gawk where there is one. A cgroup removed between open() and read() makes read()
# fail (ENODEV); gawk and busybox awk return -1 from getline, but mawk stops the whole program
# ("read error"), so with mawk the walk stages are restarted and the gap is reported.
if command -v gawk >/dev/null 2>&1; then AWK=gawk; else AWK=awk; fi
case $($AWK -W version 2>&1 </dev/null) in mawk*) FATALREAD=1 ;; *) FATALREAD=0 ;; esac
printf 'V\tprobe\t1\n'

# The awk escaping function ESC comes from the prelude (src/core/nodeScript/prelude.sh).

# ---- node facts ------------------------------------------------------------------------------
fact_files() {
	# KEY FILE pairs; the awk below reads each file by name (never through a shell).
	hn="$R/proc/sys/kernel/hostname"
	if [ -n "$R" ] && [ -r "$R/etc/hostname" ]; then hn="$R/etc/hostname"; fi
	CF_FACTS="hostname${NL}$hn${NL}kernel${NL}$R/proc/sys/kernel/osrelease${NL}cmdline${NL}$R/proc/cmdline${NL}pid_max${NL}$R/proc/sys/kernel/pid_max${NL}threads_max${NL}$R/proc/sys/kernel/threads-max${NL}uptime${NL}$R/proc/uptime${NL}loadavg${NL}$R/proc/loadavg"
	export CF_FACTS
}
fact_files
$AWK "$ESC"'
BEGIN {
	n = split(ENVIRON["CF_FACTS"], a, "\n")
	for (i = 1; i + 1 <= n; i += 2) {
		f = a[i + 1]; v = ""; first = 1
		while ((r = (getline line < f)) > 0) { if (first) { v = line; first = 0 } else v = v "\n" line }
		close(f)
		if (r < 0 && first) continue
		printf "F\t%s\t%s\n", a[i], esc(v)
	}
}' </dev/null
printf 'F\tnow\t%s\n' "$(date +%s 2>/dev/null)"
if [ -r "$R/etc/os-release" ]; then
	$AWK "$ESC"'index($0, "PRETTY_NAME=") == 1 { v = substr($0, 13); gsub(/^"|"$/, "", v); printf "F\tos\t%s\n", esc(v) }' <"$R/etc/os-release"
fi
# systemd's version from its shared library's name: works for a host root too, and runs nothing.
SYSTEMD_V=
for lib in "$R"/usr/lib/systemd/libsystemd-shared-*.so "$R"/lib/systemd/libsystemd-shared-*.so "$R"/usr/lib/*/systemd/libsystemd-shared-*.so; do
	if [ -e "$lib" ]; then
		v=${lib##*/libsystemd-shared-}
		v=${v%.so}
		SYSTEMD_V=$v
		printf 'F\tsystemd\t%s\n' "$v" | $AWK "$ESC"'{ print }'
		break
	fi
done
# Kernel memory dying memory cgroups hold (kB); only numbers pass.
if [ -r "$R/proc/meminfo" ]; then
	$AWK '$1 ~ /^(MemTotal|Slab|SUnreclaim|Percpu):$/ && $2 ~ /^[0-9]+$/ { printf "F\tmeminfo_%s\t%s\n", substr($1, 1, length($1) - 1), $2 }' <"$R/proc/meminfo"
fi
# systemd before 231 (RHEL 7's 219) has no libsystemd-shared: its version is the "systemd NNN"
# string (PACKAGE_STRING) in PID 1's own binary, read as text, never run.
if [ -z "$SYSTEMD_V" ]; then
	for bin in "$R"/usr/lib/systemd/systemd "$R"/lib/systemd/systemd; do
		if [ -f "$bin" ] && [ -r "$bin" ]; then
			tr -c '[:print:]' '\n' <"$bin" 2>/dev/null | $AWK '/^systemd [0-9][0-9]*$/ { printf "F\tsystemd\t%s\n", $2; exit }'
			break
		fi
	done
fi
if [ -r "$R/proc/cgroups" ]; then
	$AWK "$ESC"'{ printf "G\t%s\n", esc($0) }' <"$R/proc/cgroups"
fi

# ---- hierarchies -----------------------------------------------------------------------------
mountinfo
if [ ! -r "$MI" ]; then
	printf 'E\tno-mountinfo\tcannot read the mount table (%s)\n' "${MI#"$R"}"
	printf 'Z\tEND\n'
	exit 3
fi
$AWK "$ESC"'{ s = index($0, " - "); split(substr($0, s + 3), t, " "); if (t[1] == "cgroup" || t[1] == "cgroup2") printf "M\t%s\n", esc($0) }' <"$MI"

# GNU find prints each directory's mtime as it walks; busybox find cannot, so ages are left out.
if find / -maxdepth 0 -printf '' >/dev/null 2>&1; then HASPRINTF=1; else HASPRINTF=0; fi

# mawk and gawk split records on NUL; busybox awk cannot.
if [ "$(printf 'a\0b\0' | $AWK 'BEGIN { RS = "\0" } END { print NR }')" = 2 ]; then NULRS=1; else NULRS=0; fi

# Turn an escaped mountinfo path (\040 for space etc.) back into its bytes.
unoctal() {
	case $1 in
	*\\*) v=$(printf '%s' "$1" | sed 's/\\\([0-7][0-7][0-7]\)/\\0\1/g'); v=$(printf "%b." "$v"); printf '%s' "${v%.}" ;;
	*) printf '%s' "$1" ;;
	esac
}

# The walk is a pipeline of three processes, so a node's cores share the kernel's work of
# generating the stat files: find lists the directories; stage 1 reads cgroup.procs,
# cgroup.events, cgroup.stat and cpu.stat (cpuacct.usage on v1) and passes a partial record on;
# stage 2 reads memory, pids and pressure files (freezer.state in a v1 freezer hierarchy) and
# prints the finished C record.
# Shared awk functions of both stages:
WALKLIB="$ESC"'
function unesc(s,   o, i, c, n) {
	if (index(s, "\\") == 0) return s
	o = ""; n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c == "\\" && i < n) {
			c = substr(s, ++i, 1)
			if (c == "t") c = "\t"; else if (c == "n") c = "\n"; else if (c == "r") c = "\r"
		}
		o = o c
	}
	return o
}
# Output goes out in batches: gawk flushes standard output on every close(), which would
# otherwise mean one write (and one pipe wake-up) per cgroup.
function emit(s) { outbuf = outbuf s; if (++outn >= 256) flushout() }
function flushout() { if (outbuf != "") printf "%s", outbuf; outbuf = ""; outn = 0 }
END { flushout() }
function exists(f,   r, l) { r = (getline l < f); close(f); return r >= 0 }
function readone(f,   r, l) { l = ""; r = (getline l < f); close(f); if (r > 0) return l; return "" }
function after(l,   p) { p = index(l, " "); return p ? substr(l, p + 1) : "" }
# cgroup.events (v2): "populated N" and, since Linux 5.2, "frozen N"; sets evpop and evfrozen.
function events(f,   r, l, n) {
	evpop = ""; evfrozen = ""; n = 0
	while (n < 2 && (r = (getline l < f)) > 0) {
		n++
		if (index(l, "populated ") == 1) evpop = substr(l, 11); else if (index(l, "frozen ") == 1) evfrozen = substr(l, 8)
	}
	close(f)
}
function kv(f, want, nwant, out,   r, l, k, p, got) {
	# want: " key1 key2 "; fills out[key] from lines "key value", stopping once all nwant are in.
	got = 0
	while ((r = (getline l < f)) > 0) {
		p = index(l, " "); if (p == 0) continue
		k = substr(l, 1, p - 1)
		if (index(want, " " k " ")) { out[k] = substr(l, p + 1); if (++got == nwant) break }
	}
	close(f)
	return r
}
function psi(f,   l, p) {
	l = readone(f); if (l == "") return ""
	p = index(l, "avg10="); if (p == 0) return ""
	l = substr(l, p + 6); p = index(l, " "); if (p) l = substr(l, 1, p - 1)
	return l
}'

# Stage 1: input is find output: "DEPTH<TAB>MTIME<TAB>PATH" (GNU find) or "PATH" (busybox),
# NUL-terminated where awk can split on NUL, else one per line, or hex bytes from od for the
# paths that hold a newline.
WALK1="$WALKLIB"'
BEGIN {
	# Main input may be NUL-separated; the stat files are read line by line, so one() runs with
	# RS at newline and the main RS is put back before the next path is read.
	mainrs = (rs == "nul") ? "\0" : "\n"
	RS = mainrs
	n = 0; stopped = 0
	if (hex) { for (i = 1; i < 256; i++) hx[sprintf("%02x", i)] = sprintf("%c", i); buf = "" }
}
function one(line,   mt, p, rel, depth, t, procs, r, l, pop, st, cpu, fz) {
	if (stopped) return
	if (gnu) {
		t = index(line, "\t"); depth = substr(line, 1, t - 1); line = substr(line, t + 1)
		t = index(line, "\t"); mt = substr(line, 1, t - 1); p = substr(line, t + 1)
		t = index(mt, "."); if (t) mt = substr(mt, 1, t - 1)
	} else {
		mt = ""; p = line; depth = -1
	}
	rel = substr(p, 2); if (rel == "") rel = "/" # find prints "." and "./a/b"
	if (maxdepth > 0) {
		if (depth < 0) { depth = gsub(/\//, "/", rel); if (rel == "/") depth = 0 }
		if (depth + 0 > maxdepth + 0) { if (!deepsaid) { emit("L\t" hid "\tdepth\t" maxdepth "\n"); deepsaid = 1 }; return }
	}
	# At a bound, stop reading: find then ends on a closed pipe instead of walking on.
	if (maxcount > 0 && n >= maxcount + 0) { emit("L\t" hid "\tcount\t" maxcount "\n"); stopped = 1; exit }
	procs = 0; l = p "/cgroup.procs"
	while ((r = (getline t < l)) > 0) procs++
	close(l)
	if (r < 0) {
		# cgroup.procs is in every cgroup directory, but threaded cgroups refuse to list it: look
		# at a file every cgroup has before calling the directory gone.
		procs = ""
		if (!exists(p (kind == "v2" ? "/cgroup.type" : "/tasks"))) { emit("X\t" hid "\t" esc(rel) "\tvanished\n"); return }
	}
	pop = ""; cpu = ""; fz = ""
	split("", st)
	if (kind == "v2") {
		events(p "/cgroup.events"); pop = evpop; fz = evfrozen
		kv(p "/cgroup.stat", " nr_descendants nr_dying_descendants ", 2, st)
		cpu = readone(p "/cpu.stat"); cpu = (index(cpu, "usage_usec ") == 1) ? substr(cpu, 12) : ""
	} else if (hascpuacct) {
		cpu = readone(p "/cpuacct.usage"); if (cpu != "") cpu = int(cpu / 1000)
	}
	n++
	emit("c\t" esc(rel) "\t" mt "\t" procs "\t" pop "\t" st["nr_descendants"] "\t" st["nr_dying_descendants"] "\t" cpu "\t" fz "\n")
}
!hex { RS = "\n"; one($0); RS = mainrs; next }
{
	for (i = 1; i <= NF; i++) {
		if ($i == "00") { one(buf); buf = "" } else buf = buf hx[$i]
	}
}'

# Stage 2: partial records in, finished C records out; everything else passes through.
WALK2="$WALKLIB"'
BEGIN { FS = "\t"; bytes = 0; stopped = 0 }
stopped { next }
$1 != "c" { emit($0 "\n"); next }
{
	rel = $2; p = "." (rel == "/" ? "" : unesc(rel))
	mem = ""; anon = ""; file = ""; kern = ""; slab = ""; pc = ""; pm = ""
	split("", ms)
	if (kind == "v2") {
		if (hasmem) mem = readone(p "/memory.current")
		if (mem != "") { kv(p "/memory.stat", " anon file kernel slab ", 4, ms); anon = ms["anon"]; file = ms["file"]; kern = ms["kernel"]; slab = ms["slab"] }
		if (haspids) { pc = readone(p "/pids.current"); if (pc != "") pm = readone(p "/pids.max") }
		rec = sprintf("C\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", hid, rel, $3, $4, $5, $6, $7, mem, anon, file, kern, slab, $8, pc, pm, psi(p "/cpu.pressure"), psi(p "/memory.pressure"), psi(p "/io.pressure"), $9)
	} else {
		if (hasmem) {
			mem = readone(p "/memory.usage_in_bytes")
			# total_* are hierarchical, as memory.usage_in_bytes and the v2 memory.stat are.
			if (mem != "") { kv(p "/memory.stat", " total_rss total_cache ", 2, ms); anon = ms["total_rss"]; file = ms["total_cache"] }
		}
		if (haspids) { pc = readone(p "/pids.current"); if (pc != "") pm = readone(p "/pids.max") }
		# Only the freezer hierarchy has freezer.state (not its root): one small read per cgroup there.
		fz = ""
		if (hasfreezer) { fz = readone(p "/freezer.state"); fz = (fz == "THAWED") ? 0 : (fz == "FROZEN") ? 1 : (fz == "FREEZING") ? 2 : "" }
		rec = sprintf("C\t%s\t%s\t%s\t%s\t\t\t\t%s\t%s\t%s\t\t\t%s\t%s\t%s\t\t\t\t%s\n", hid, rel, $3, $4, mem, anon, file, $8, pc, pm, fz)
	}
	bytes += length(rec)
	emit(rec)
	if (maxbytes > 0 && bytes >= maxbytes + 0) { emit("L\t" hid "\tbytes\t" maxbytes "\n"); stopped = 1; exit }
}'

stage1() { # RS HEX, reading find output on stdin
	restarting "$AWK" -v rs="$1" -v hex="$2" -v hid="$hid" -v kind="$kind" -v gnu="$HASPRINTF" \
		-v hascpuacct="$hascpuacct" -v maxdepth="$MAXDEPTH" -v maxcount="$MAXCOUNT" "$WALK1"
}
stage2() {
	restarting "$AWK" -v hid="$hid" -v kind="$kind" -v hasmem="$hasmem" -v haspids="$haspids" \
		-v hasfreezer="$hasfreezer" -v maxbytes="$MAXBYTES" "$WALK2"
}
# Runs an awk stage; under mawk, a stage that stopped on a read error (status 2) is started
# again on the rest of its input, and a W record says that records near that point were lost
# (what the stopped process had read or written but not passed on).
restarting() {
	if [ "$FATALREAD" != 1 ]; then
		"$@"
		return
	fi
	while :; do
		"$@"
		st=$?
		[ "$st" = 2 ] || return "$st"
		printf 'W\t%s\tmawk stopped on a read error (a cgroup removed while read) and was restarted; cgroups read just before it may be missing\n' "$hid"
	done
}

walk() { # HID KIND CONTROLLERS DIR
	hid=$1 kind=$2 ctrls=$3 dir=$4
	if [ "$ctrls" = - ]; then ctrls=; fi
	if [ "$kind" = v2 ]; then
		# The controllers a v2 tree can have are those of its top: files of the others exist nowhere
		# below it, so they are not tried.
		ctrls=$(tr ' ' ',' <"$dir/cgroup.controllers" 2>/dev/null)
		if [ -z "$ctrls" ] && [ ! -e "$dir/cgroup.controllers" ]; then ctrls=memory,pids; fi
	fi
	case ",$ctrls," in *,memory,*) hasmem=1 ;; *) hasmem=0 ;; esac
	case ",$ctrls," in *,cpuacct,*) hascpuacct=1 ;; *) hascpuacct=0 ;; esac
	case ",$ctrls," in *,pids,*) haspids=1 ;; *) haspids=0 ;; esac
	hasfreezer=0
	if [ "$kind" = v1 ]; then case ",$ctrls," in *,freezer,*) hasfreezer=1 ;; esac; fi
	if [ "$MAXDEPTH" -gt 0 ]; then set -- -maxdepth "$((MAXDEPTH + 1))"; else set --; fi
	# Paths relative to the walk root keep every open's path lookup short.
	(
		cd -- "$dir" || exit 0
		if [ "$NULRS" = 1 ]; then
			# One walk, NUL-terminated paths: any byte a name may hold travels as it is.
			if [ "$HASPRINTF" = 1 ]; then
				find . -xdev "$@" -type d -printf '%d\t%T@\t%p\0'
			else
				find . -xdev "$@" -type d -print0
			fi | stage1 nul 0 | stage2
			exit 0
		fi
		# An awk that cannot split on NUL (busybox) gets paths one per line, and the paths holding
		# a newline NUL-terminated through od in a second, rarely non-empty, walk.
		{
			if [ "$HASPRINTF" = 1 ]; then
				find . -xdev "$@" -type d ! -path "*$NL*" -printf '%d\t%T@\t%p\n'
			else
				find . -xdev "$@" -type d ! -path "*$NL*" -print
			fi | stage1 nl 0
			if [ "$HASPRINTF" = 1 ]; then
				find . -xdev "$@" -type d -path "*$NL*" -printf '%d\t%T@\t%p\0'
			else
				find . -xdev "$@" -type d -path "*$NL*" -print0
			fi | od -An -v -tx1 | stage1 nl 1
		} | stage2
	)
}

# Choose the hierarchies: one line per hierarchy, "KIND<TAB>CONTROLLERS<TAB>MOUNTPOINT<TAB>ROOT",
# the mount point and root still escaped as mountinfo escapes them. A hierarchy mounted several
# times (bind mounts) is walked once, from the mount that shows most of it. With CF_DIR set, only
# the mount holding that directory, and nothing when that mount is not a cgroup filesystem.
HIERAWK='
function mesc(s,   o, i, c, n) { # escape as mountinfo does
	o = ""; n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c == " ") o = o "\\040"; else if (c == "\t") o = o "\\011"; else if (c == "\n") o = o "\\012"; else if (c == "\\") o = o "\\134"; else o = o c
	}
	return o
}
BEGIN { d = ENVIRON["CF_DIR"]; if (d != "") d = mesc(d) }
{
	s = index($0, " - "); split(substr($0, 1, s - 1), f, " "); split(substr($0, s + 3), t, " ")
	if (t[1] == "cgroup2") { kind = "v2"; c = "" }
	else if (t[1] == "cgroup") {
		kind = "v1"; c = ""; m = split(t[3], o, ",")
		for (i = 1; i <= m; i++) {
			if (o[i] == "rw" || o[i] == "ro" || o[i] ~ /^(xattr|noprefix|clone_children|cpuset_v2_mode|release_agent=)/) continue
			c = c (c == "" ? "" : ",") o[i]
		}
	} else kind = ""
	if (c == "") c = "-" # read(1) would fold an empty field between two TABs
	line = kind "\t" c "\t" f[5] "\t" f[4]
	if (d != "") {
		mp = f[5]
		if ((d == mp || index(d, mp "/") == 1 || mp == "/") && length(mp) >= bestlen) { bestlen = length(mp); pick = (kind == "" ? "" : line) }
		next
	}
	if (kind == "") next
	key = f[3] # major:minor names the hierarchy; bind mounts share it
	if (!(key in best) || length(f[4]) < length(root[key])) { best[key] = line; root[key] = f[4] }
	if (!(key in seen)) { seen[key] = 1; keys[++n] = key }
}
END { if (d != "") { if (pick != "") print pick } else for (i = 1; i <= n; i++) print best[keys[i]] }'

header() { # HID KIND CONTROLLERS MOUNTPOINT MOUNTROOT WALKROOT
	c=$3
	if [ "$c" = - ]; then c=; fi
	CF_W=$6 $AWK "$ESC"'BEGIN { printf "H\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], esc(ENVIRON["CF_W"]), ARGV[6]; exit }' "$1" "$2" "$c" "$4" "$5" "$HASPRINTF"
}

# The nearest ancestor of $1 that exists: a directory the user may not search hides what is below
# it, so a path under one is "permission denied", not "no such directory".
existing_ancestor() {
	a=$1
	while :; do
		case $a in
		*/*) a=${a%/*} ;;
		*) a=. ;;
		esac
		if [ -z "$a" ]; then a=/; fi
		if [ -e "$a" ] || [ "$a" = / ] || [ "$a" = . ]; then break; fi
	done
	printf '%s\n' "$a"
}

if [ -n "$CGROOT" ]; then
	if [ ! -e "$CGROOT" ] && anc=$(existing_ancestor "$CGROOT") && [ -d "$anc" ] && [ ! -x "$anc" ]; then
		printf 'E\tpermission-denied\tpermission denied\n'
		printf 'Z\tEND\n'
		exit 3
	elif [ ! -e "$CGROOT" ]; then
		printf 'E\tno-such-directory\tno such directory\n'
		printf 'Z\tEND\n'
		exit 3
	elif [ ! -d "$CGROOT" ]; then
		printf 'E\tno-such-directory\tnot a directory\n'
		printf 'Z\tEND\n'
		exit 3
	elif ! dir=$(cd -- "$CGROOT" 2>/dev/null && pwd -P) || [ ! -r "$dir" ]; then
		printf 'E\tpermission-denied\tpermission denied\n'
		printf 'Z\tEND\n'
		exit 3
	fi
	# The mount table is the node's: below a host root, match the directory as the node sees it.
	nd=$dir
	if [ -n "$R" ] && rr=$(cd -- "$R" 2>/dev/null && pwd -P); then
		case $dir in
		"$rr") nd=/ ;;
		"$rr"/*) nd=${dir#"$rr"} ;;
		esac
	fi
	HIER=$(CF_DIR=$nd $AWK "$HIERAWK" <"$MI")
	if [ -z "$HIER" ]; then
		printf 'E\tnot-cgroupfs\tnot on a cgroup filesystem\n'
		printf 'Z\tEND\n'
		exit 3
	fi
	IFS="$TAB" read -r kind ctrls mpoint mroot <<EOF_HIER
$HIER
EOF_HIER
	header 1 "$kind" "$ctrls" "$mpoint" "$mroot" "$dir"
	walk 1 "$kind" "$ctrls" "$dir"
else
	HIER=$(CF_DIR= $AWK "$HIERAWK" <"$MI")
	hid=0
	while IFS="$TAB" read -r kind ctrls mpoint mroot; do
		[ -n "$kind" ] || continue
		hid=$((hid + 1))
		mp=$R$(unoctal "$mpoint")
		header "$hid" "$kind" "$ctrls" "$mpoint" "$mroot" "$mp"
		walk "$hid" "$kind" "$ctrls" "$mp"
	done <<EOF_HIER
$HIER
EOF_HIER
fi
printf 'Z\tEND\n'
