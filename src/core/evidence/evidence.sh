# cgroup-forensics node evidence, protocol 1.
#
# A constant POSIX sh + awk program (see probe.sh and facts.sh for the conventions) that gathers
# the evidence beyond the tree in one round trip: the daemons' logs and the kernel log, matched
# loosely on the node so only cgroup-related lines travel (the exact signatures are matched by the
# reader), kubelet/containerd/CRI-O/systemd health from /proc, and processes holding open file
# descriptors on cgroup directories or files. Read-only; every command bounded in time, every
# source bounded in lines and bytes. Nothing in it is built from data; values arrive as arguments.
#
# Arguments: HOST_ROOT SINCE MAX_LINES
#   HOST_ROOT  "" or the node's root filesystem (a debug pod's /host); commands then run chrooted
#   SINCE      epoch seconds: journal lines older than this are not read ("" = one day back)
#   MAX_LINES  most lines kept per log source ("" = 2000): the newest ones
#
# Output: one record per line, TAB-separated fields escaped as in probe.sh (\\ \t \n \r).
#   V evidence PROTOCOL
#   T NOW UPTIME_SECONDS CLK_TCK PAGE_KB          the node's clock, to place dmesg times
#   L SOURCE LINE                                  a log line that mentions something cgroup-related
#   S SOURCE LINES_KEPT                            a log source that was read (0: nothing found)
#   N KEY SOURCE REASON                            something that could not be had
#   F KEY SOURCE VALUE                             a fact (kubelet --version)
#   D PID COMM UID RSS_KB THREADS FDS UTIME STIME STARTTIME   a daemon's health from /proc
#   P PID COMM FD TARGET                           an open fd on a cgroup directory or file
#   U DIR MEMORY_LIMIT CPU_LIMIT                   a pod cgroup's limits as its files say (v2
#                                                  memory.max/cpu.max, v1 memory.limit_in_bytes/
#                                                  cpu.cfs_quota_us; "-" unreadable), at most 5000
#   Z END
set -u
LC_ALL=C
export LC_ALL
R=${1-}
NOW=$(date +%s)
SINCE=${2:-$((NOW - 86400))}
MAX=${3:-2000}
case $SINCE in '' | *[!0-9]*) SINCE=$((NOW - 86400)) ;; esac
case $MAX in '' | *[!0-9]*) MAX=2000 ;; esac
printf 'V\tevidence\t1\n'


# rec, have and node come from the prelude (src/core/nodeScript/prelude.sh).

up=$(awk '{ print int($1); exit }' "$R/proc/uptime" 2>/dev/null)
tck=$(getconf CLK_TCK 2>/dev/null || echo 100)
pg=$(getconf PAGESIZE 2>/dev/null || echo 4096)
printf 'T\t%s\t%s\t%s\t%s\n' "$NOW" "${up:-0}" "$tck" "$((pg / 1024))"

# Lines worth the trip: anything that names cgroups or one of the signatures' key phrases. The
# reader matches the exact signatures; this only keeps the output small.
PATTERN='cgroup|orphaned pod|resource busy|no space left|SLUB: Unable to allocate|argument list too long|misconfiguration|cgroup.?driver|kubepods'

# keep SOURCE: filters standard input, keeps the newest MAX matching lines (each cut to 2000
# bytes), prints them as L records and an S record with their count.
# grep -a (binary bytes in a log are still text) where grep has it (busybox's may not).
GA=
if printf 'x\n' | grep -a x >/dev/null 2>&1; then GA=-a; fi
keep() {
	grep $GA -i -E "$PATTERN" | tail -n "$MAX" | awk -v src="$1" "$ESC"'
{ print "L\t" esc(src) "\t" esc(substr($0, 1, 2000)); n++ }
END { printf "S\t%s\t%d\n", esc(src), n }'
}

# ---- journald ---------------------------------------------------------------------------------
journal=0
if have journalctl; then
	# journalctl prints "No journal files were found." and exits 0 where journald never ran.
	probe=$(node journalctl -q --no-pager -n 1 2>&1 </dev/null | head -c 400)
	if [ -n "$probe" ] && ! printf '%s' "$probe" | grep -q -i 'no journal files'; then
		journal=1
	else
		rec N journal journalctl "${probe:-no entries: journald holds no logs on this node}"
	fi
else
	rec N journal journalctl 'not installed: journalctl'
fi
if [ "$journal" = 1 ]; then
	for u in kubelet containerd crio; do
		node journalctl -q --no-pager -o short-iso -u "$u" --since "@$SINCE" </dev/null 2>/dev/null | keep "journalctl -u $u"
	done
	node journalctl -q --no-pager -o short-iso -k --since "@$SINCE" </dev/null 2>/dev/null | keep 'journalctl -k'
else
	# Without a journal: the kernel's ring buffer and the classic log files.
	if have dmesg; then
		errf=$(mktemp 2>/dev/null) || errf=${TMPDIR:-/tmp}/cf-evidence-err.$$
		node dmesg </dev/null 2>"$errf" | keep dmesg
		if [ -s "$errf" ]; then rec N dmesg dmesg "$(head -c 400 "$errf")"; fi
		rm -f "$errf"
	else
		rec N dmesg dmesg 'not installed: dmesg'
	fi
	files=0
	for f in /var/log/syslog /var/log/messages /var/log/kern.log /var/log/daemon.log; do
		[ -e "$R$f" ] || continue
		files=$((files + 1))
		if [ ! -r "$R$f" ]; then rec N log-file "$f" unreadable; continue; fi
		# Only the file's last 64 MiB: an old, huge syslog is not read whole.
		tail -c 67108864 -- "$R$f" 2>/dev/null | keep "$f"
	done
	if [ "$files" = 0 ]; then rec N log-file /var/log 'no /var/log/syslog, messages, kern.log or daemon.log'; fi
fi

if have kubelet; then
	v=$(node kubelet --version </dev/null 2>/dev/null | head -c 200)
	if [ -n "$v" ]; then rec F kubelet-version 'kubelet --version' "$v"; fi
fi

# ---- daemon health ------------------------------------------------------------------------------
for d in "$R"/proc/[0-9]*; do
	[ -r "$d/stat" ] || continue
	comm=$(cat "$d/comm" 2>/dev/null) || continue
	case $comm in
	kubelet | containerd | crio | dockerd | systemd | systemd-journal) ;;
	*) continue ;;
	esac
	pid=${d##*/}
	fds=$(ls -- "$d/fd" 2>/dev/null | wc -l)
	# stat's comm may hold spaces and parentheses: fields are counted after the last ")".
	awk -v pid="$pid" -v comm="$comm" -v fds="$fds" "$ESC"'
FILENAME ~ /status$/ { if ($1 == "Uid:") uid = $2; if ($1 == "VmRSS:") rss = $2; if ($1 == "Threads:") thr = $2; next }
{ s = $0; i = 0; while ((j = index(substr(s, i + 1), ")")) > 0) i += j; split(substr(s, i + 2), f, " "); ut = f[12]; st = f[13]; start = f[20] }
END { printf "D\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", pid, esc(comm), uid, rss + 0, thr + 0, fds + 0, ut + 0, st + 0, start + 0 }' "$d/status" "$d/stat" 2>/dev/null
done

# ---- open fds on cgroup directories and files ----------------------------------------------------
mountinfo
# ls -l of every fd directory (one command, not one readlink per fd); targets under a cgroup mount
# point are kept, at most 2000. A removed cgroup still held open reads "... (deleted)".
if [ -r "$MI" ]; then
	mps=$(cgmounts 'cgroup cgroup2')
	if [ -n "$mps" ]; then
		ls -l -- "$R"/proc/[0-9]*/fd 2>/dev/null | CF_MPS=$mps CF_R=$R awk "$ESC"'
BEGIN { n = split(ENVIRON["CF_MPS"], m, "\n"); r = ENVIRON["CF_R"] }
/^\/.*\/fd:$/ { p = $0; sub(/\/fd:$/, "", p); sub(/^.*\//, "", p); pid = p; c = ""; cf = r "/proc/" pid "/comm"; if ((getline c < cf) <= 0) c = ""; close(cf); next }
/ -> / {
	k = index($0, " -> "); t = substr($0, k + 4); pre = substr($0, 1, k - 1); fd = pre; sub(/^.* /, "", fd)
	for (i = 1; i <= n; i++) if (t == m[i] || index(t, m[i] "/") == 1) {
		if (++kept > 2000) exit
		printf "P\t%s\t%s\t%s\t%s\n", pid, esc(c), fd, esc(t); break
	}
}'
	fi
else
	rec N fd-pins "$MI" unreadable
fi

# ---- pod cgroups and their limits (pods without limits show "max" / -1) ---------------------------
if [ -r "$MI" ]; then
	T=
	if command -v timeout >/dev/null 2>&1; then T="timeout 20"; fi
	# The v2 mount, else the v1 memory and cpu mounts (pod directories have the same names there).
	v2mp=$(cgmounts cgroup2 '' 1)
	memmp=$(cgmounts cgroup memory 1)
	cpump=$(cgmounts cgroup cpu 1)
	if [ -n "$memmp" ]; then base=$memmp; v=1; elif [ -n "$v2mp" ]; then base=$v2mp; v=2; else base=; fi
	if [ -n "$base" ]; then
		$T find "$R$base" -maxdepth 5 -type d -path '*kubepods*' \( -name 'pod*' -o -name '*-pod*.slice' \) 2>/dev/null | head -n 5000 |
			CF_R=$R CF_BASE=$base CF_CPU=${cpump:-$base} awk -v v="$v" "$ESC"'
function rd(f,   x) { x = "-"; if ((getline x < f) <= 0) x = "-"; close(f); return x }
{
	d = $0; rel = substr(d, length(ENVIRON["CF_R"] ENVIRON["CF_BASE"]) + 1)
	if (v == 2) { m = rd(d "/memory.max"); c = rd(d "/cpu.max") }
	else { m = rd(d "/memory.limit_in_bytes"); c = rd(ENVIRON["CF_R"] ENVIRON["CF_CPU"] rel "/cpu.cfs_quota_us") }
	printf "U\t%s\t%s\t%s\n", esc(substr(d, length(ENVIRON["CF_R"]) + 1)), esc(m), esc(c)
}'
	fi
fi
printf 'Z\tEND\n'
