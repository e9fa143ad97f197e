# cgroup-forensics node facts, protocol 1.
#
# A second constant POSIX sh + awk program (see probe.sh for the conventions): it reads what the
# node's kubelet, container runtime and systemd know, so findings can tell a leak from a live pod.
# Read-only: it reads files and runs only listing/version commands (ctr ... ls/info, crictl pods/ps,
# systemctl list-units, --version); the one thing it writes is a temporary file holding a command's
# error text, removed at once. Nothing in it is built from data; values arrive as arguments.
#
# Arguments: HOST_ROOT CTR_ADDRESS CTR_NAMESPACE KUBELET_DIR CONTAINERD_CONFIG CRI_ENDPOINT
#   HOST_ROOT          "" or the node's root filesystem (a debug pod's /host); commands then run
#                      through chroot HOST_ROOT
#   CTR_ADDRESS        containerd socket ("" = the one kubelet's --container-runtime-endpoint names,
#                      else the first of /run/containerd/containerd.sock and k3s's socket)
#   CTR_NAMESPACE      containerd namespace ("" = k8s.io)
#   KUBELET_DIR        kubelet's root directory ("" = /var/lib/kubelet)
#   CONTAINERD_CONFIG  containerd's config file ("" = the --config of the running containerd, else
#                      /etc/containerd/config.toml)
#   CRI_ENDPOINT       crictl --runtime-endpoint ("" = crictl's own default)
#
# Output: one record per line, TAB-separated fields escaped as in probe.sh (\\ \t \n \r).
#   V facts PROTOCOL
#   F KEY SOURCE VALUE     a fact and where it came from (a file or a command); KEY may repeat
#   N KEY SOURCE REASON    a fact that could not be had (missing tool, unreadable file, failure)
#   Z END
set -u
LC_ALL=C
export LC_ALL
R=${1-}
CTR_ADDRESS=${2-}
CTR_NS=${3:-k8s.io}
KUBELET_DIR=${4:-/var/lib/kubelet}
CONTAINERD_CONFIG=${5-}
CRI_ENDPOINT=${6-}
printf 'V\tfacts\t1\n'

# rec, have and node come from the prelude (src/core/nodeScript/prelude.sh).

# file KEY PATH: the whole file as one fact (node paths are read below the host root).
file() {
	if [ ! -e "$R$2" ]; then rec N "$1" "$2" missing; return 1; fi
	if [ ! -r "$R$2" ]; then rec N "$1" "$2" unreadable; return 1; fi
	# $(...) drops trailing newlines only; the x keeps a file's exact end.
	# &&: a cat that fails (a directory, an I/O error) is unreadable, not an empty file.
	v=$(cat -- "$R$2" 2>/dev/null && printf x) || { rec N "$1" "$2" unreadable; return 1; }
	rec F "$1" "$2" "${v%x}"
}

# cmd KEY SOURCE CMD ARGS...: a command's output as one fact, or why there is none.
cmd() {
	k=$1 s=$2
	shift 2
	if ! have "$1"; then rec N "$k" "$s" "not installed: $1"; return 1; fi
	errf=$(mktemp 2>/dev/null) || errf=${TMPDIR:-/tmp}/cf-facts-err.$$
	v=$(node "$@" 2>"$errf"; st=$?; printf 'x%s' "$st")
	st=${v##*x}
	v=${v%x*}
	err=$(head -c 400 "$errf" 2>/dev/null)
	rm -f "$errf"
	if [ "$st" != 0 ]; then rec N "$k" "$s" "exit status $st: $err"; return 1; fi
	rec F "$k" "$s" "$v"
}

# ---- kernel, versions --------------------------------------------------------------------------
file kernel /proc/sys/kernel/osrelease
cmd runc-version 'runc --version' runc --version
cmd containerd-version 'containerd --version' containerd --version
cmd crio-version 'crio --version' crio --version
cmd kubelet-version 'kubelet --version' kubelet --version

# ---- processes: kubelet's flags, containerd's --config ------------------------------------------
kubelet_seen=0
for d in "$R"/proc/[0-9]*; do
	[ -r "$d/comm" ] || continue
	comm=$(cat "$d/comm" 2>/dev/null) || continue
	case $comm in
	kubelet | containerd | crio) ;;
	*) continue ;;
	esac
	pid=${d##*/}
	# Any user can name a process "kubelet": only root's are believed (their flags name files to read).
	uid=$(awk '$1 == "Uid:" { print $2; exit }' "$d/status" 2>/dev/null)
	[ "$uid" = 0 ] || continue
	# One fact per argument (arguments are NUL-separated; none of the flags read holds a newline).
	args=$(tr '\0' '\n' <"$d/cmdline" 2>/dev/null) || continue
	[ -n "$args" ] || continue
	if [ "$comm" = kubelet ]; then kubelet_seen=1; fi
	while IFS= read -r a; do
		rec F "$comm-arg" "/proc/$pid/cmdline" "$a"
		if [ "$comm" = containerd ] && [ -z "$CONTAINERD_CONFIG" ]; then
			case $a in --config=*) CONTAINERD_CONFIG=${a#--config=} ;; esac
			if [ "${prev-}" = --config ] || [ "${prev-}" = -c ]; then CONTAINERD_CONFIG=$a; fi
		fi
		if [ "$comm" = kubelet ]; then
			case $a in --config=*) KUBELET_CONFIG=${a#--config=} ;; --container-runtime-endpoint=*) KUBELET_ENDPOINT=${a#--container-runtime-endpoint=} ;; esac
			if [ "${prev-}" = --config ]; then KUBELET_CONFIG=$a; fi
			if [ "${prev-}" = --container-runtime-endpoint ]; then KUBELET_ENDPOINT=$a; fi
		fi
		prev=$a
	done <<EOF_ARGS
$args
EOF_ARGS
	prev=
done
if [ "$kubelet_seen" = 0 ]; then rec N kubelet-arg /proc/PID/cmdline 'no kubelet process'; fi

# containerd's socket: as given, else where kubelet reaches it, else where distributions put it.
if [ -z "$CTR_ADDRESS" ] && [ -n "${KUBELET_ENDPOINT-}" ]; then
	case $KUBELET_ENDPOINT in
	*containerd*) CTR_ADDRESS=${KUBELET_ENDPOINT#unix://} ;;
	esac
fi
if [ -z "$CTR_ADDRESS" ]; then
	CTR_ADDRESS=/run/containerd/containerd.sock
	for s in /run/containerd/containerd.sock /run/k3s/containerd/containerd.sock; do
		if [ -S "$R$s" ]; then CTR_ADDRESS=$s; break; fi
	done
fi

# ---- kubelet ------------------------------------------------------------------------------------
file kubelet-config "${KUBELET_CONFIG:-$KUBELET_DIR/config.yaml}"
if [ -d "$R$KUBELET_DIR/pods" ]; then
	n=0
	for p in "$R$KUBELET_DIR"/pods/*; do
		[ -d "$p" ] || continue
		rec F kubelet-pod "$KUBELET_DIR/pods" "${p##*/}"
		n=$((n + 1))
	done
	rec F kubelet-pods-count "$KUBELET_DIR/pods" "$n"
else
	rec N kubelet-pod "$KUBELET_DIR/pods" missing
fi

# ---- kubelet unit files -------------------------------------------------------------------------
# Where kubelet's flags are written: its systemd unit, the unit's drop-ins, and the environment
# files they name (kubeadm: /var/lib/kubelet/kubeadm-flags.env, /etc/default/kubelet or
# /etc/sysconfig/kubelet). A flag on kubelet's command line overrides its config file, so a fix
# must change the file that sets it. The unit in the first of systemd's directories wins; drop-ins
# of every directory are read, a name in an earlier directory hiding the same name in a later one.
# Facts come in the order systemd reads them: the unit, then drop-ins by name.
unit_dirs='/etc/systemd/system /run/systemd/system /usr/lib/systemd/system /lib/systemd/system'
kfiles=$(
	for dir in $unit_dirs; do
		if [ -f "$R$dir/kubelet.service" ]; then
			printf '%s\n' "$dir/kubelet.service"
			break
		fi
	done
	for dir in $unit_dirs; do
		for f in "$R$dir"/kubelet.service.d/*.conf; do
			if [ -f "$f" ]; then printf '%s\t%s\n' "${f##*/}" "${f#"$R"}"; fi
		done
	done | awk -F '\t' '
		# The first of a name wins; then by name (insertion sort: awk has no portable sort, and
		# a unit has a handful of drop-ins).
		!seen[$1]++ { n++; name[n] = $1; path[n] = $2 }
		END {
			for (i = 2; i <= n; i++) {
				k = name[i]; p = path[i]
				for (j = i - 1; j >= 1 && name[j] > k; j--) { name[j + 1] = name[j]; path[j + 1] = path[j] }
				name[j + 1] = k; path[j + 1] = p
			}
			for (i = 1; i <= n; i++) print path[i]
		}'
)
envs=
while IFS= read -r path; do
	[ -n "$path" ] || continue
	file kubelet-unit "$path"
	# EnvironmentFile=[-]PATH (a leading - means the file is optional), in the order systemd reads them.
	envs="$envs$(sed -n 's/^[[:space:]]*EnvironmentFile[[:space:]]*=[[:space:]]*-\{0,1\}\(\/[^[:space:]]*\)[[:space:]]*$/\1/p' "$R$path" 2>/dev/null)
"
done <<EOF_UNITS
$kfiles
EOF_UNITS
printf '%s' "$envs" | awk 'NF && !seen[$0]++' | while IFS= read -r path; do
	file kubelet-env "$path"
done

# ---- containerd ---------------------------------------------------------------------------------
file containerd-config "${CONTAINERD_CONFIG:-/etc/containerd/config.toml}"
if ! have ctr; then
	rec N ctr-reachable ctr 'not installed: ctr'
elif [ ! -S "$R$CTR_ADDRESS" ]; then
	rec N ctr-reachable "$CTR_ADDRESS" 'no such socket'
else
	if ids=$(node ctr --connect-timeout 5s -a "$CTR_ADDRESS" -n "$CTR_NS" containers ls -q 2>&1); then
		rec F ctr-reachable "ctr -a $CTR_ADDRESS -n $CTR_NS containers ls -q" yes
		# containers info prints indented JSON; the lines kept name the container, its pod and its
		# cgroup (each "key": "value" on a line of its own).
		for id in $ids; do
			v=$(node ctr --connect-timeout 5s -a "$CTR_ADDRESS" -n "$CTR_NS" containers info "$id" 2>/dev/null | awk '/^    "ID": |"io\.kubernetes\.pod\.uid": |"io\.kubernetes\.cri\.container-type": |"io\.kubernetes\.cri\.sandbox-id": |"cgroupsPath": / { print }')
			rec F ctr-container "ctr containers info $id" "$v"
		done
		cmd ctr-tasks "ctr -n $CTR_NS tasks ls" ctr --connect-timeout 5s -a "$CTR_ADDRESS" -n "$CTR_NS" tasks ls
	else
		rec N ctr-reachable "ctr -a $CTR_ADDRESS -n $CTR_NS containers ls -q" "$(printf '%s' "$ids" | head -c 400)"
	fi
fi

# ---- CRI (crictl) and CRI-O -----------------------------------------------------------------------
if [ -n "$CRI_ENDPOINT" ]; then set -- --runtime-endpoint "$CRI_ENDPOINT"; else set --; fi
cmd crictl-pods 'crictl pods -o json' crictl "$@" pods -o json
cmd crictl-containers 'crictl ps -a -o json' crictl "$@" ps -a -o json
file crio-config /etc/crio/crio.conf
for f in "$R"/etc/crio/crio.conf.d/*; do
	[ -f "$f" ] || continue
	file crio-config "${f#"$R"}"
done

# ---- systemd: failed or abandoned scopes and slices -------------------------------------------------
cmd systemd-units 'systemctl list-units --all --type=scope,slice --state=failed,abandoned' \
	systemctl list-units --all --type=scope,slice --state=failed,abandoned --no-legend --plain --no-pager

# ---- cgroup v1 release agents (a security finding when set) and kmem on 3.10 ------------------------
mountinfo
if [ -r "$MI" ]; then
	# Mount points of v1 hierarchies (mount points with escapes are skipped: release agents live on
	# the standard /sys/fs/cgroup/<controller> mounts).
	for mp in $(cgmounts cgroup); do
		if [ -e "$R$mp/release_agent" ]; then file release-agent "$mp/release_agent"; fi
	done
	memmp=$(cgmounts cgroup memory 1)
	case $(cat "$R/proc/sys/kernel/osrelease" 2>/dev/null) in
	3.10.*)
		if [ -n "$memmp" ]; then
			find "$R$memmp" -maxdepth 6 -path '*kubepods*' -name memory.kmem.slabinfo 2>/dev/null | head -n 200 | while IFS= read -r f; do
				rec F kmem-slabinfo-lines "${f#"$R"}" "$(wc -l <"$f" 2>/dev/null)"
			done
		fi
		;;
	esac
fi
printf 'Z\tEND\n'
