# cgroup-forensics watch sample, protocol 2 (2 added the N record).
#
# A constant POSIX sh + awk program (conventions as in probe.sh): one sample of how many cgroups
# each hierarchy holds, live and dying, and the same per kubepods subtree. Cheap enough to run
# every few seconds: cgroup v2 counts come from cgroup.stat without a walk; v1 hierarchies are
# counted with one find each (dying there = /proc/cgroups' count minus the live directories).
# Read-only. Values arrive as arguments.
#
# Arguments: HOST_ROOT CGROUP_ROOT
#   HOST_ROOT    "" or the node's root filesystem (a debug pod's /host)
#   CGROUP_ROOT  "" or one directory to count below, as if it were a hierarchy root
#
# Output (TAB-separated; paths escaped as in probe.sh):
#   V watch PROTOCOL
#   T NOW                                      the node's clock, epoch seconds
#   N MEMTOTAL MEMAVAIL SLAB SUNRECLAIM PERCPU LOAD1
#                                              node stats: kB from /proc/meminfo (Percpu grows
#                                              with dying memcgs), the 1-minute load; "-" when absent
#   H KIND NAME DIR LIVE DYING                 a hierarchy (DYING "-" when it cannot be told)
#   K NAME DIR LIVE DYING                      a kubepods subtree within hierarchy NAME
#   Z END
set -u
LC_ALL=C
export LC_ALL
R=${1-}
ROOT=${2-}
printf 'V\twatch\t2\n'
printf 'T\t%s\n' "$(date +%s)"
# Node stats: meminfo, then the load as one more "key: value" line; only numbers pass.
{
	cat "$R/proc/meminfo" 2>/dev/null
	l=$(cat "$R/proc/loadavg" 2>/dev/null) && printf 'load1: %s\n' "${l%% *}"
} | awk '$1 ~ /^(MemTotal|MemAvailable|Slab|SUnreclaim|Percpu|load1):$/ && $2 ~ /^[0-9]+(\.[0-9]+)?$/ { v[substr($1, 1, length($1) - 1)] = $2 }
	function g(k) { return (k in v) ? v[k] : "-" }
	END { printf "N\t%s\t%s\t%s\t%s\t%s\t%s\n", g("MemTotal"), g("MemAvailable"), g("Slab"), g("SUnreclaim"), g("Percpu"), g("load1") }'

# stat DIR KEY: a number from DIR/cgroup.stat, or "-".
stat() {
	awk -v k="$2" '$1 == k { print $2; f = 1; exit } END { if (!f) print "-" }' "$1/cgroup.stat" 2>/dev/null || echo -
}

# tally KIND DIR: sets tl (cgroups in DIR's tree, itself included) and td (dying ones, "-" when
# unknown). v2 reads them from cgroup.stat; v1 counts directories and cannot tell dying ones.
tally() {
	if [ "$1" = v2 ]; then
		tl=$(stat "$2" nr_descendants)
		td=$(stat "$2" nr_dying_descendants)
		[ "$tl" = - ] || tl=$((tl + 1))
	else
		tl=$(find "$2" -mindepth 0 -type d 2>/dev/null | wc -l | tr -d ' ')
		td=-
	fi
}

# count KIND NAME DIR FIRSTCTRL: prints one H record.
count() {
	tally "$1" "$3"
	live=$tl dying=$td
	if [ "$1" != v2 ]; then
		if [ -z "$ROOT" ] && [ -n "$4" ] && [ -r "$R/proc/cgroups" ]; then
			n=$(awk -v c="$4" '$1 == c { print $3; exit }' "$R/proc/cgroups")
			if [ -n "$n" ] && [ "$n" -ge "$live" ]; then dying=$((n - live)); fi
		fi
	fi
	CF_N=$2 CF_D=${3#"$R"} awk -v k="$1" -v l="$live" -v d="$dying" "$ESC"'BEGIN { printf "H\t%s\t%s\t%s\t%s\t%s\n", k, esc(ENVIRON["CF_N"]), esc(ENVIRON["CF_D"]), l, d; exit }' </dev/null
	# kubepods subtrees: kubepods itself (cgroupfs: /kubepods, systemd: /kubepods.slice) and its QoS children.
	for k in "$3"/kubepods "$3"/kubepods.slice "$3"/kubepods/* "$3"/kubepods.slice/kubepods-*.slice "$3"/*/kubepods "$3"/*/kubepods.slice; do
		[ -d "$k" ] || continue
		case ${k##*/} in kubepods | kubepods.slice | burstable | besteffort | kubepods-burstable.slice | kubepods-besteffort.slice) ;; *) continue ;; esac
		tally "$1" "$k"
		kl=$tl kd=$td
		CF_N=$2 CF_D=${k#"$R"} awk -v l="$kl" -v d="$kd" "$ESC"'BEGIN { printf "K\t%s\t%s\t%s\t%s\n", esc(ENVIRON["CF_N"]), esc(ENVIRON["CF_D"]), l, d; exit }' </dev/null
	done
}

mountinfo
# One line per hierarchy (the first mount of each device): KIND NAME FIRSTCTRL MOUNTPOINT.
awk '{ s = index($0, " - "); split(substr($0, s + 3), t, " "); split(substr($0, 1, s - 1), f, " ")
	if (f[5] ~ /\\/ || seen[f[3]]++) next
	if (t[1] == "cgroup2") print "v2 unified - " f[5]
	else if (t[1] == "cgroup") {
		n = split(t[3], o, ","); name = ""; first = ""
		for (i = 1; i <= n; i++) {
			if (o[i] ~ /^(rw|ro|xattr|noprefix|clone_children|cpuset_v2_mode|favordynmods)$/ || o[i] ~ /^release_agent=/) continue
			name = name (name == "" ? "" : ",") o[i]; if (first == "" && o[i] !~ /^name=/) first = o[i]
		}
		print "v1 " name " " (first == "" ? "-" : first) " " f[5]
	} }' "$MI" 2>/dev/null | while read -r kind name first mp; do
	[ "$first" = - ] && first=
	if [ -n "$ROOT" ]; then
		case $ROOT in "$mp" | "$mp"/*) count "$kind" "$name" "$R$ROOT" "$first" ;; esac
	else
		count "$kind" "$name" "$R$mp" "$first"
	fi
done
printf 'Z\tEND\n'
