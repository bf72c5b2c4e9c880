# Shared by scripts/multinode.sh and scripts/local-node.sh: the pieces of running a dockerd in
# a network namespace of its own, and of making sure its processes are gone. Sourced, not run.
# shellcheck shell=bash

# Alive and not a zombie (field 3 of /proc/PID/stat, after the parenthesised name).
alive() {
  local stat
  [ -n "${1:-}" ] && stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# All processes in the cgroup subtree NAME of any cgroup hierarchy (v1 controllers or v2).
cgroup_pids() {
  find /sys/fs/cgroup -type d -name "$1" -prune -print 2>/dev/null |
    while read -r dir; do find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null; done | sort -u
}

wait_gone() { # wait_gone SECONDS PID...
  local deadline=$((SECONDS + $1)) p left; shift
  while :; do
    left=0
    for p in "$@"; do alive "$p" && left=1; done
    [ $left = 0 ] && return 0
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.2
  done
}

# The script that runs inside the node's netns: its own hostname, /sys/fs/cgroup put back on the
# fresh sysfs that `ip netns exec` mounts (dockerd wants the devices cgroup), then dockerd.
node_init() {
  cat <<'EOF'
set -e
hostname "$NODE_HOSTNAME"
if [ -n "$CGROUP2_ONLY" ]; then
  mount -t cgroup2 cgroup2 /sys/fs/cgroup
else
  mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
  while read -r dir type opts; do
    mkdir -p "$dir"
    mount -t "$type" -o "$opts" "$type" "$dir"
  done <<<"$CGROUP_MOUNTS"
fi
exec "$@"
EOF
}
