#!/usr/bin/env bash
# A separate three-node Docker swarm inside network namespaces on this machine, for Slipway's
# placement, node-loss and stack smoke tests (the last promotes slwmn-w2 to a second manager,
# for executors on two nodes). The host's own dockerd, its swarm and /var/run/docker.sock are
# only read (to `docker save` the test images); nothing of theirs is changed. Inside each node,
# /var/run/docker.sock is that node's own dockerd (see NODE_SOCKET_BIND).
#
#   scripts/multinode.sh up      build it (or reuse a healthy one); last stdout line: manager socket
#   scripts/multinode.sh down    tear it all down; safe when nothing is up
#   scripts/multinode.sh status  node list, or "down"
#   scripts/multinode.sh revive NODE  a worker (w1, w2) whose dockerd was killed (a lost node)
#                                     started again from its data-root; it rejoins as itself
#
# Layout (everything is removed by `down`):
#   bridge slwmn0 10.231.0.1/24 on the host, one FORWARD rule letting its ports talk to each other
#   netns slwmn-mgr (eth0 10.231.0.10, hostname slwmn-mgr): swarm manager
#   netns slwmn-w1  (eth0 10.231.0.11, hostname slwmn-w1):  worker, node label slipway.pool=board
#   netns slwmn-w2  (eth0 10.231.0.12, hostname slwmn-w2):  worker, no label: with w1, the second
#     node `node.role==worker` matches, so a step lost with one worker can run again on the other
#   dockerd per node: socket /run/slipway-mn/NODE.sock, pidfile /run/slipway-mn/NODE.pid,
#     exec-root /run/slipway-mn/NODE, data-root /var/lib/slipway-mn/NODE/data,
#     log /var/lib/slipway-mn/NODE/dockerd.log, container cgroups under /slipway-mn-NODE
# The namespaces have no default route: the only peers they can reach are each other and the
# bridge address, and a task's doomed registry pull fails at once instead of after ~20 s.
# Needs root. Runs one at a time (flock on this file).
# SLIPWAY_MN_HEARTBEAT (default 5s, Docker's default) sets the swarm's dispatcher heartbeat: a
# lost node is marked down 2-3 heartbeats after its last one (measured: 11.6-14.7 s with 5s,
# 3.9 s with 1s). Set, it is applied to a reused healthy swarm too (`swarm update`).
# SLIPWAY_MN_IMAGES (space-separated host images, e.g. slipway/slipway:dev for the cleanup job)
# are loaded into every node besides the test images, also into a reused swarm that lacks them.
# SLIPWAY_MN_KEEP=1 keeps a failed `up` in place (logs in /var/lib/slipway-mn/NODE/) to debug.
set -euo pipefail

BR=slwmn0
BR_ADDR=10.231.0.1/24
NODES=(mgr w1 w2)
WORKERS=(w1 w2)
declare -A ADDR=([mgr]=10.231.0.10 [w1]=10.231.0.11 [w2]=10.231.0.12)
declare -A IDX=([mgr]=0 [w1]=1 [w2]=2)
declare -A LAUNCHER=()
# shellcheck disable=SC2206 # a list of image names, split on spaces on purpose
IMAGES=(slipway/busybox:1 slipway/git:1 ${SLIPWAY_MN_IMAGES:-})
RUN=/run/slipway-mn
LIB=/var/lib/slipway-mn
FWD_RULE=(FORWARD -i "$BR" -o "$BR" -m comment --comment slipway-multinode -j ACCEPT)

# alive, cgroup_pids, wait_gone, node_init
# shellcheck source=lib/netns-node.sh
. "$(cd "$(dirname "$0")" && pwd)/lib/netns-node.sh"

log() { printf '[multinode] %s\n' "$*" >&2; }
die() { printf '[multinode] ERROR: %s\n' "$*" >&2; exit 1; }
ns() { echo "slwmn-$1"; }
sock() { echo "$RUN/$1.sock"; }
pidfile() { echo "$RUN/$1.pid"; }
d() { local node=$1; shift; timeout 60 docker -H "unix://$(sock "$node")" "$@"; }
# The node's dockerd pid, only if that process really is our dockerd (a stale pidfile's pid may
# belong to someone else by now).
pid_of() {
  local pid cmd
  pid=$(cat "$(pidfile "$1")" 2>/dev/null) || return 0
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 0
  [[ $cmd == *" unix://$(sock "$1") "* ]] && echo "$pid"
  return 0
}

# --- down ---------------------------------------------------------------------------------

# A containerd shim's socket lives in /run/containerd/s/ under a hash of its containerd's
# address, namespace and container id; a shim killed with SIGKILL leaves it behind.
shim_socket() { # shim_socket PID
  local args=() a addr='' nsp='' id='' i
  while IFS= read -r -d '' a; do args+=("$a"); done <"/proc/$1/cmdline" 2>/dev/null || return 0
  for ((i = 0; i < ${#args[@]}; i++)); do
    case ${args[$i]} in
      -address) addr=${args[$((i + 1))]:-} ;;
      -namespace) nsp=${args[$((i + 1))]:-} ;;
      -id) id=${args[$((i + 1))]:-} ;;
    esac
  done
  [ -n "$addr" ] && [ -n "$id" ] || return 0
  echo "/run/containerd/s/$(printf '%s' "$addr/$nsp/$id" | sha256sum | cut -c1-64)"
}

stop_node() {
  local node=$1 n pid pids shims=() p
  n=$(ns "$node")
  pid=$(pid_of "$node")
  alive "$pid" && kill -KILL "$pid" 2>/dev/null || true # still there after the graceful stop
  # What is left (after killWorker: containerd, shims and the task's container) dies hard.
  pids=$(cgroup_pids "slipway-mn-$node")
  [ -z "$pids" ] || { kill -KILL $pids 2>/dev/null || true; wait_gone 10 $pids || true; }
  if ip netns list 2>/dev/null | grep -qw "^$n"; then
    pids=$(ip netns pids "$n" 2>/dev/null || true)
    for p in $pids; do
      case $(cat "/proc/$p/comm" 2>/dev/null) in containerd-shim*) shims+=("$(shim_socket "$p")") ;; esac
    done
    if [ -n "$pids" ]; then
      kill -TERM $pids 2>/dev/null || true
      wait_gone 10 $pids || { kill -KILL $pids 2>/dev/null || true; wait_gone 10 $pids || true; }
    fi
    for p in "${shims[@]}"; do [ -n "$p" ] && rm -f "$p"; done
  fi
  # Empty container cgroups, deepest first, in every hierarchy.
  find /sys/fs/cgroup -depth -type d -path "*/slipway-mn-$node*" -exec rmdir {} \; 2>/dev/null || true
}

down() {
  local node n pid pids=()
  # Graceful first, both at once: each dockerd stops its containers, then its containerd.
  for node in "${NODES[@]}"; do
    pid=$(pid_of "$node")
    alive "$pid" && kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  done
  [ ${#pids[@]} = 0 ] || wait_gone 20 "${pids[@]}" || true
  for node in "${NODES[@]}"; do stop_node "$node"; done
  for node in "${NODES[@]}"; do
    n=$(ns "$node")
    ip link del "$n-h" 2>/dev/null || true
    ip netns del "$n" 2>/dev/null || true
  done
  while iptables -C "${FWD_RULE[@]}" 2>/dev/null; do iptables -D "${FWD_RULE[@]}"; done
  ip link del "$BR" 2>/dev/null || true
  # `ip netns add` made /run/netns (and bind-mounted it onto itself) if it was not there.
  if [ -f "$RUN/made-run-netns" ] && [ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ]; then
    umount /run/netns 2>/dev/null || true
    rmdir /run/netns 2>/dev/null || true
  fi
  rm -rf "$RUN" "$LIB"
}

# --- up -----------------------------------------------------------------------------------

healthy() {
  local node
  for node in "${NODES[@]}"; do
    alive "$(pid_of "$node")" || return 1
    [ "$(d "$node" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" = active ] || return 1
  done
  # As built: one manager (a worker promoted by a test is not the layout the next test expects).
  [ "$(d mgr node ls --format '{{.Hostname}}={{.Status}}/{{.ManagerStatus}}' 2>/dev/null | sort | tr '\n' ' ')" = \
    "slwmn-mgr=Ready/Leader slwmn-w1=Ready/ slwmn-w2=Ready/ " ]
}

wait_healthy() {
  local deadline=$((SECONDS + $1))
  until healthy; do
    [ $SECONDS -lt $deadline ] || { d mgr node ls >&2 || true; die "nodes not Ready within $1 s"; }
    sleep 0.3
  done
}


start_node() {
  local node=$1 n i
  n=$(ns "$node")
  i=${IDX[$node]}
  mkdir -p "$LIB/$node/data" "$RUN/$node"
  ip netns add "$n"
  ip link add "$n-h" type veth peer name eth0 netns "$n"
  ip link set "$n-h" master "$BR" up
  ip -n "$n" link set lo up
  ip -n "$n" addr add "${ADDR[$node]}/24" dev eth0
  ip -n "$n" link set eth0 up

  local cg2='' mounts
  rm -f "$(sock "$node")" # a killed dockerd's (revive): the wait below is for the new one
  [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && cg2=1
  mounts=$(awk '$2 ~ "^/sys/fs/cgroup/" && ($3 == "cgroup" || $3 == "cgroup2") { print $2, $3, $4 }' /proc/self/mounts)
  NODE_HOSTNAME=$n CGROUP2_ONLY=$cg2 CGROUP_MOUNTS=$mounts setsid --wait \
    ip netns exec "$n" unshare --uts --mount --propagation private \
    bash -c "$(node_init)" node-init \
    bash -c "$NODE_SOCKET_BIND" node-socket "$(sock "$node")" \
    dockerd \
      --data-root "$LIB/$node/data" \
      --exec-root "$RUN/$node" \
      --pidfile "$(pidfile "$node")" \
      -H "unix://$(sock "$node")" \
      --bip "172.31.$((10 + i)).1/24" \
      --default-address-pool "base=172.30.$((16 * i)).0/20,size=24" \
      --cgroup-parent "/slipway-mn-$node" \
      --shutdown-timeout 3 \
      >"$LIB/$node/dockerd.log" 2>&1 </dev/null 9<&- &
  LAUNCHER[$node]=$! # dockerd itself, or a setsid waiting on it: gone = dockerd died
}

# Images a reused swarm's nodes lack (SLIPWAY_MN_IMAGES asked for more than it was made with).
load_missing_images() {
  local node img missing=()
  for img in "${IMAGES[@]}"; do
    for node in "${NODES[@]}"; do
      d "$node" image inspect "$img" >/dev/null 2>&1 || { missing+=("$img"); break; }
    done
  done
  [ ${#missing[@]} = 0 ] && return 0
  log "loading ${missing[*]} into the nodes"
  docker save "${missing[@]}" >"$LIB/images.tar"
  for node in "${NODES[@]}"; do d "$node" load -q -i "$LIB/images.tar" >/dev/null; done
  rm -f "$LIB/images.tar"
}

# Runs dockerd (its arguments) in the node's private mount namespace and, once its socket is
# there, binds that socket over /run/docker.sock, in that namespace only: a task that mounts
# /var/run/docker.sock (the cleanup job, the stack's executor) reaches its own node's engine,
# not the host's. The host's socket is untouched (mount propagation is private).
# shellcheck disable=SC2016 # expanded by the inner bash
NODE_SOCKET_BIND='
sock=$1; shift
"$@" &
pid=$!
until [ -S "$sock" ]; do kill -0 "$pid" 2>/dev/null || exit 1; sleep 0.05; done
[ -e /run/docker.sock ] && mount --bind "$sock" /run/docker.sock
wait "$pid"
'

wait_daemon() {
  local node=$1 deadline=$((SECONDS + 40))
  until d "$node" version >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ] || ! alive "${LAUNCHER[$node]}"; then
      tail -n 30 "$LIB/$node/dockerd.log" >&2 || true
      die "dockerd of $node did not answer on $(sock "$node") (log above)"
    fi
    sleep 0.2
  done
}

up() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  if ! command -v ip >/dev/null || ! command -v unshare >/dev/null || ! command -v iptables >/dev/null; then
    log "installing iproute2, util-linux, iptables from Debian"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q iproute2 util-linux iptables >/dev/null ||
      die "apt-get install iproute2 util-linux iptables failed"
  fi
  command -v dockerd >/dev/null || die "no dockerd; run scripts/infra.sh first"
  local img
  for img in "${IMAGES[@]}"; do
    docker image inspect "$img" >/dev/null 2>&1 || die "host image $img missing; run scripts/images.sh"
  done

  if healthy; then
    [ -z "${SLIPWAY_MN_HEARTBEAT:-}" ] || d mgr swarm update --dispatcher-heartbeat "$SLIPWAY_MN_HEARTBEAT" >/dev/null
    load_missing_images
    log "already up"
    sock mgr
    return 0
  fi
  down # whatever half-built state there is
  # A failed `up` leaves nothing behind (SLIPWAY_MN_KEEP=1 keeps it, logs included, to debug).
  trap 'rc=$?; if [ $rc != 0 ] && [ "${SLIPWAY_MN_KEEP:-}" != 1 ]; then log "up failed; tearing down"; down; fi' EXIT

  mkdir -p "$RUN" "$LIB"
  [ -d /run/netns ] || touch "$RUN/made-run-netns"
  ip link add "$BR" type bridge
  ip addr add "$BR_ADDR" dev "$BR"
  ip link set "$BR" up
  # The host bridges with br_netfilter on and FORWARD's policy is DROP (set by the host's
  # dockerd): without this rule the nodes cannot reach each other across the bridge.
  iptables -C "${FWD_RULE[@]}" 2>/dev/null || iptables -I "${FWD_RULE[@]}"

  local node
  for node in "${NODES[@]}"; do start_node "$node"; done

  # Images go in while the daemons start.
  docker save "${IMAGES[@]}" >"$LIB/images.tar"
  for node in "${NODES[@]}"; do
    wait_daemon "$node"
    d "$node" load -q -i "$LIB/images.tar" >/dev/null
  done
  rm -f "$LIB/images.tar"

  d mgr swarm init --advertise-addr "${ADDR[mgr]}" --listen-addr "${ADDR[mgr]}:2377" \
    --default-addr-pool 10.232.0.0/16 --dispatcher-heartbeat "${SLIPWAY_MN_HEARTBEAT:-5s}" >/dev/null
  local token
  token=$(d mgr swarm join-token -q worker)
  for node in "${WORKERS[@]}"; do
    d "$node" swarm join --token "$token" \
      --advertise-addr "${ADDR[$node]}" --listen-addr "${ADDR[$node]}:2377" "${ADDR[mgr]}:2377" >/dev/null
  done
  d mgr node update --label-add slipway.pool=board "$(d w1 info --format '{{.Swarm.NodeID}}')" >/dev/null

  wait_healthy 30
  trap - EXIT
  log "up: manager $(sock mgr), workers slwmn-w1 (label slipway.pool=board) and slwmn-w2"
  sock mgr
}

# A lost worker back: whatever its killed dockerd left (containerd, shims, the containers of its
# tasks) is killed, its namespace made again, and its dockerd started on the same data-root, so
# it rejoins the swarm as the same node, with its images.
revive() {
  local node=$1 n
  [[ " ${WORKERS[*]} " == *" $node "* ]] || die "revive: no worker named $node (one of: ${WORKERS[*]})"
  [ -d "$LIB/$node/data" ] || die "revive: $node was never up (run up)"
  n=$(ns "$node")
  stop_node "$node"
  ip link del "$n-h" 2>/dev/null || true
  ip netns del "$n" 2>/dev/null || true
  start_node "$node"
  wait_daemon "$node"
  wait_healthy 60
  log "revived $n"
}

status() {
  if alive "$(pid_of mgr)" && d mgr node ls 2>/dev/null; then return 0; fi
  echo down
}

[ $# = 1 ] || [ "${1:-}:$#" = revive:2 ] || die "usage: $0 up|down|status|revive NODE"
exec 9<"$0"
flock -w 120 9 || die "another multinode.sh is running"
case $1 in
  up) up ;;
  revive) [ "$(id -u)" = 0 ] || die "must run as root"; revive "$2" ;;
  down) [ "$(id -u)" = 0 ] || die "must run as root"; down; log "down" ;;
  status) status ;;
  *) die "usage: $0 up|down|status|revive NODE" ;;
esac
