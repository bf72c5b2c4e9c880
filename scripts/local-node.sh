#!/usr/bin/env bash
# The `local` node provisioner: a Docker node on this machine, in a network namespace of its
# own with its own dockerd (the recipe of scripts/multinode.sh), that joins a swarm by running
# Slipway's bootstrap script (services/core/provision/bootstrap-script.ts) inside it.
#
#   scripts/local-node.sh up NAME            make the node (idempotent); prints KEY=VALUE lines:
#                                            LOCAL_NODE_ADDRESS, LOCAL_NODE_SOCKET, LOCAL_NODE_HOST_ADDRESS
#   scripts/local-node.sh bootstrap NAME FILE  run the script FILE in the node's namespace, with
#                                            DOCKER_HOST set to the node's dockerd; its exit status
#   scripts/local-node.sh down NAME          leave the swarm, stop dockerd, remove it all (safe when gone)
#   scripts/local-node.sh list               the nodes this script made, one NAME ADDRESS per line
#
# Layout (NAME: lower-case letters, digits, dashes; at most 8 characters):
#   bridge $SLIPWAY_LN_BRIDGE (default slwln0) with 10.233.0.1/24 on the host, and one
#   FORWARD rule (comment slipway-local-node) letting its ports talk to each other; made by the
#   first `up`, removed by the last `down`.
#   netns slwln-NAME (host end of its veth: slln-NAME), eth0 10.233.0.(10+INDEX), hostname slwln-NAME, NO default route: it reaches
#   the bridge's other nodes and the host's bridge address, nothing else (a task's doomed
#   registry pull fails at once instead of after ~20 s).
#   dockerd: socket /run/slipway-ln/NAME.sock, exec-root /run/slipway-ln/NAME, data-root
#   /var/lib/slipway-ln/NAME/data, log /var/lib/slipway-ln/NAME/dockerd.log, container
#   cgroups under /slipway-ln-NAME, docker0 172.27.INDEX.1/24, local pools 172.26.INDEX.0/24.
#   SLIPWAY_LN_IMAGES (default "slipway/busybox:1"): host images loaded into the node at `up`.
#   SLIPWAY_LN_INSECURE_REGISTRIES: plain-HTTP registries the node's dockerd may pull from.
#   SLIPWAY_LN_LOOPBACK_MANAGER=ADDR: for a manager that advertises 127.0.0.1 (scripts/infra.sh's
#     swarm does), reachable at ADDR (e.g. the bridge's host address 10.233.0.1): inside the
#     namespace, connections to 127.0.0.1:2377 and :7946 (tcp and udp) are sent to ADDR (DNAT,
#     route_localnet). Without it a joined node works until its first reconnect, then dials
#     127.0.0.1:2377, its own loopback, for ever (measured). Overlay networks still do not reach
#     such a manager: it advertises 127.0.0.1 as its data path address too, and the kernel's
#     VXLAN driver delivers packets for a local address to itself, before any NAT (measured).
#     docs/operations.md, "Nodes on demand", says what changing the manager's address takes.
#
# Needs root. One at a time (flock on this file).
set -euo pipefail

BR=${SLIPWAY_LN_BRIDGE:-slwln0}
NET=10.233.0
HOST_ADDR=$NET.1
RUN=/run/slipway-ln
LIB=/var/lib/slipway-ln
FWD_RULE=(FORWARD -i "$BR" -o "$BR" -m comment --comment slipway-local-node -j ACCEPT)

# alive, cgroup_pids, wait_gone, node_init (shared with scripts/multinode.sh)
# shellcheck source=lib/netns-node.sh
. "$(cd "$(dirname "$0")" && pwd)/lib/netns-node.sh"

log() { printf '[local-node] %s\n' "$*" >&2; }
die() { printf '[local-node] ERROR: %s\n' "$*" >&2; exit 1; }
ns() { echo "slwln-$1"; }
veth() { echo "slln-$1"; } # the host end; interface names have at most 15 characters
sock() { echo "$RUN/$1.sock"; }
d() { local node=$1; shift; timeout 60 docker -H "unix://$(sock "$node")" "$@"; }
index_of() { cat "$LIB/$1/index" 2>/dev/null; }
address_of() { echo "$NET.$((10 + $(index_of "$1")))"; }

# The node's dockerd pid, only if that process really is its dockerd.
pid_of() {
  local pid cmd
  pid=$(cat "$RUN/$1.pid" 2>/dev/null) || return 0
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 0
  [[ $cmd == *" unix://$(sock "$1") "* ]] && echo "$pid"
  return 0
}

# Sends the namespace's connections to 127.0.0.1's swarm ports to the manager at ADDR.
loopback_manager() {
  local n=$1 addr=$2 spec
  [[ $addr =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "SLIPWAY_LN_LOOPBACK_MANAGER must be an IPv4 address"
  ip netns exec "$n" sysctl -q -w net.ipv4.conf.all.route_localnet=1
  for spec in tcp:2377 tcp:7946 udp:7946; do
    ip netns exec "$n" iptables -t nat -A OUTPUT -d 127.0.0.1/32 -p "${spec%:*}" --dport "${spec#*:}" \
      -j DNAT --to-destination "$addr:${spec#*:}"
  done
  # Replies must come back to the namespace's own address, not to 127.0.0.1.
  ip netns exec "$n" iptables -t nat -A POSTROUTING -d "$addr/32" -o eth0 -j MASQUERADE
}

ensure_bridge() {
  if ! ip link show "$BR" >/dev/null 2>&1; then
    ip link add "$BR" type bridge
    ip addr add "$HOST_ADDR/24" dev "$BR"
    ip link set "$BR" up
  fi
  # br_netfilter is on and FORWARD's policy is DROP (the host's dockerd sets it): without
  # this the nodes cannot reach each other across the bridge.
  iptables -C "${FWD_RULE[@]}" 2>/dev/null || iptables -I "${FWD_RULE[@]}"
}

free_index() {
  local i used
  used=" $(cat "$LIB"/*/index 2>/dev/null | tr '\n' ' ') "
  for i in $(seq 1 200); do [[ $used == *" $i "* ]] || { echo "$i"; return 0; }; done
  die "no free node index (200 nodes?)"
}

healthy() {
  alive "$(pid_of "$1")" && d "$1" version >/dev/null 2>&1
}

facts() {
  echo "LOCAL_NODE_ADDRESS=$(address_of "$1")"
  echo "LOCAL_NODE_SOCKET=$(sock "$1")"
  echo "LOCAL_NODE_HOST_ADDRESS=$HOST_ADDR"
}

up() {
  local node=$1 n i
  n=$(ns "$node")
  if [ -f "$LIB/$node/index" ] && healthy "$node"; then
    facts "$node"
    return 0
  fi
  down_node "$node" # whatever half-made state there is
  # shellcheck disable=SC2064 # the name is fixed now; the trap runs after `up` has returned
  trap "rc=\$?; if [ \$rc != 0 ]; then log 'up $node failed; removing it'; down_node '$node'; fi" EXIT
  mkdir -p "$RUN/$node" "$LIB/$node/data"
  i=$(free_index)
  echo "$i" >"$LIB/$node/index"
  [ -d /run/netns ] || touch "$LIB/made-run-netns"
  ensure_bridge
  ip netns add "$n"
  ip link add "$(veth "$node")" type veth peer name eth0 netns "$n"
  ip link set "$(veth "$node")" master "$BR" up
  ip -n "$n" link set lo up
  ip -n "$n" addr add "$(address_of "$node")/24" dev eth0
  ip -n "$n" link set eth0 up
  if [ -n "${SLIPWAY_LN_LOOPBACK_MANAGER:-}" ]; then loopback_manager "$n" "$SLIPWAY_LN_LOOPBACK_MANAGER"; fi

  local cg2='' mounts insecure=()
  [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && cg2=1
  mounts=$(awk '$2 ~ "^/sys/fs/cgroup/" && ($3 == "cgroup" || $3 == "cgroup2") { print $2, $3, $4 }' /proc/self/mounts)
  for r in ${SLIPWAY_LN_INSECURE_REGISTRIES:-}; do insecure+=(--insecure-registry "$r"); done
  NODE_HOSTNAME=$n CGROUP2_ONLY=$cg2 CGROUP_MOUNTS=$mounts setsid \
    ip netns exec "$n" unshare --uts --mount --propagation private \
    bash -c "$(node_init)" node-init \
    dockerd \
      --data-root "$LIB/$node/data" \
      --exec-root "$RUN/$node" \
      --pidfile "$RUN/$node.pid" \
      -H "unix://$(sock "$node")" \
      --bip "172.27.$i.1/24" \
      --default-address-pool "base=172.26.$i.0/24,size=26" \
      --cgroup-parent "/slipway-ln-$node" \
      --shutdown-timeout 3 \
      "${insecure[@]}" \
      >"$LIB/$node/dockerd.log" 2>&1 </dev/null 9<&- &
  local launcher=$! deadline=$((SECONDS + 40))
  until d "$node" version >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ] || ! alive "$launcher"; then
      tail -n 20 "$LIB/$node/dockerd.log" >&2 || true
      die "dockerd of $node did not answer on $(sock "$node")"
    fi
    sleep 0.2
  done
  local images=${SLIPWAY_LN_IMAGES-slipway/busybox:1}
  if [ -n "$images" ]; then
    # shellcheck disable=SC2086 # a list of image names
    docker save $images | d "$node" load -q >/dev/null
  fi
  trap - EXIT
  log "up: $node at $(address_of "$node"), dockerd $(sock "$node")"
  facts "$node"
}

bootstrap() {
  local node=$1 file=$2
  [ -r "$file" ] || die "no script $file"
  healthy "$node" || die "node $node is not up"
  flock -u 9 # a bootstrap may take minutes (apt-get): others may come and go meanwhile
  # In a UTS namespace named like the node's, so that the script sees the node's hostname.
  ip netns exec "$(ns "$node")" unshare --uts env DOCKER_HOST="unix://$(sock "$node")" \
    sh -c 'hostname "$1" && exec sh "$2"' bootstrap "$(ns "$node")" "$file"
}

down_node() {
  local node=$1 n pid pids
  n=$(ns "$node")
  pid=$(pid_of "$node")
  if alive "$pid"; then
    # The node leaves on its own side; the manager then shows it `down` until it is removed there.
    d "$node" swarm leave --force >/dev/null 2>&1 || true
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone 20 "$pid" || kill -KILL "$pid" 2>/dev/null || true
  fi
  pids=$(cgroup_pids "slipway-ln-$node")
  [ -z "$pids" ] || { kill -KILL $pids 2>/dev/null || true; wait_gone 10 $pids || true; }
  if ip netns list 2>/dev/null | grep -qw "^$n"; then
    pids=$(ip netns pids "$n" 2>/dev/null || true)
    [ -z "$pids" ] || { kill -KILL $pids 2>/dev/null || true; wait_gone 10 $pids || true; }
    ip netns del "$n" 2>/dev/null || true
  fi
  ip link del "$(veth "$node")" 2>/dev/null || true
  find /sys/fs/cgroup -depth -type d -path "*/slipway-ln-$node*" -exec rmdir {} \; 2>/dev/null || true
  # Mounts of the node's containers live in the namespace's mount namespace, gone with it.
  rm -rf "${RUN:?}/$node" "$RUN/$node.sock" "$RUN/$node.pid" "${LIB:?}/$node"
  if [ -z "$(ls -A "$LIB" 2>/dev/null | grep -v '^made-run-netns$')" ]; then
    while iptables -C "${FWD_RULE[@]}" 2>/dev/null; do iptables -D "${FWD_RULE[@]}"; done
    ip link del "$BR" 2>/dev/null || true
    if [ -f "$LIB/made-run-netns" ] && [ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ]; then
      umount /run/netns 2>/dev/null || true
      rmdir /run/netns 2>/dev/null || true
    fi
    rm -rf "$LIB" "$RUN"
  fi
}

list() {
  local dir
  for dir in "$LIB"/*/; do
    [ -f "$dir/index" ] || continue
    dir=${dir%/}
    echo "${dir##*/} $(address_of "${dir##*/}")"
  done
}

check_name() {
  [[ ${1:-} =~ ^[a-z0-9][a-z0-9-]{0,7}$ ]] || die "node name must be 1-8 lower-case letters, digits or dashes"
}

[ "$(id -u)" = 0 ] || die "must run as root"
exec 9<"$0"
flock -w 120 9 || die "another local-node.sh is running"
case ${1:-} in
  up) [ $# = 2 ] || die "usage: $0 up NAME"; check_name "$2"; up "$2" ;;
  bootstrap) [ $# = 3 ] || die "usage: $0 bootstrap NAME FILE"; check_name "$2"; bootstrap "$2" "$3" ;;
  down) [ $# = 2 ] || die "usage: $0 down NAME"; check_name "$2"; down_node "$2"; log "down: $2" ;;
  list) list ;;
  *) die "usage: $0 up NAME | bootstrap NAME FILE | down NAME | list" ;;
esac
