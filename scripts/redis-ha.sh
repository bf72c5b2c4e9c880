#!/usr/bin/env bash
# A Redis that fails over, on this machine: a primary, a replica and three Sentinels
# (Debian's redis-server and redis-sentinel, installed when missing), all on 127.0.0.1.
#
#   scripts/redis-ha.sh start | stop | status | failover | purge
#
# Settings (environment):
#   SLIPWAY_HA_BASE_PORT  primary on it, replica on +1, Sentinels on +2, +3, +4 (default 26400)
#   SLIPWAY_HA_DIR        data, configuration and logs (default /var/lib/slipway/redis-ha-<base port>)
#   SLIPWAY_HA_MASTER     the master's name the Sentinels watch (default slipway)
#   SLIPWAY_HA_PASSWORD   requirepass/masterauth of both data nodes (default: none)
#   SLIPWAY_HA_APPENDFSYNC  always | everysec (default) | no: see docs/operations.md
#
# Services then use SLIPWAY_REDIS_SENTINELS=127.0.0.1:<base+2>,127.0.0.1:<base+3>,127.0.0.1:<base+4>
# and SLIPWAY_REDIS_MASTER_NAME (and SLIPWAY_REDIS_PASSWORD). Idempotent: start starts what is
# not running; stop stops only the processes this script started for this base port (pid files).
set -euo pipefail
base=${SLIPWAY_HA_BASE_PORT:-26400}
dir=${SLIPWAY_HA_DIR:-/var/lib/slipway/redis-ha-$base}
master=${SLIPWAY_HA_MASTER:-slipway}
password=${SLIPWAY_HA_PASSWORD:-}
fsync=${SLIPWAY_HA_APPENDFSYNC:-everysec}
# Sentinel decides a primary is down after this many ms without an answer, and times a failover out after the other.
down_after=${SLIPWAY_HA_DOWN_AFTER_MS:-2000}
failover_timeout=${SLIPWAY_HA_FAILOVER_TIMEOUT_MS:-10000}

log() { printf '[redis-ha] %s\n' "$*" >&2; }
die() { printf '[redis-ha] ERROR: %s\n' "$*" >&2; exit 1; }

cli() { local port=$1; shift; redis-cli -p "$port" ${password:+--no-auth-warning -a "$password"} "$@"; }
scli() { local port=$1; shift; redis-cli -p "$port" "$@"; }

install() {
  local need=()
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  command -v redis-sentinel >/dev/null 2>&1 || need+=(redis-sentinel)
  [ ${#need[@]} -eq 0 ] && return
  [ "$(id -u)" = 0 ] || die "missing ${need[*]}; run as root or install them"
  log "installing ${need[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p "$dir"
  apt-get update -q >"$dir/apt.log" 2>&1 || die "apt-get update failed, see $dir/apt.log"
  apt-get install -y -q "${need[@]}" >>"$dir/apt.log" 2>&1 || die "apt-get install failed, see $dir/apt.log"
  # Debian's package starts a Sentinel of its own through its init script where one runs; this script runs its own.
}

# Whether the node on a port answers PONG (a WRONGPASS from someone else's Redis is no answer).
pong() { [ "$($1 "$2" ping 2>/dev/null)" = PONG ]; }

wait_ping() {
  local port=$1 how=$2
  for _ in $(seq 1 40); do pong "$how" "$port" && return 0; sleep 0.25; done
  die "nothing answers on port $port (see $dir/*.log)"
}

start_data() {
  local name=$1 port=$2 replica_of=${3:-}
  pong cli "$port" && return
  mkdir -p "$dir/$name"
  local args=(--port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir/$name" --pidfile "$dir/$name.pid"
    --logfile "$dir/$name.log" --appendonly yes --appendfsync "$fsync" --maxmemory-policy noeviction
    --save '' --protected-mode no)
  [ -n "$password" ] && args+=(--requirepass "$password" --masterauth "$password")
  # After a failover the old primary comes back as a replica: Sentinel rewrote its config,
  # but a restart from the command line would forget it, so ask a Sentinel who the primary is.
  local current
  current=$(scli $((base + 2)) sentinel get-master-addr-by-name "$master" 2>/dev/null | tr '\n' ' ' || true)
  if [ -n "${current// /}" ] && [ "${current%% *}" != "" ] && [ "$(echo "$current" | awk '{print $2}')" != "$port" ]; then
    args+=(--replicaof $(echo "$current" | awk '{print $1, $2}'))
  elif [ -n "$replica_of" ] && [ -z "${current// /}" ]; then
    args+=(--replicaof 127.0.0.1 "$replica_of")
  fi
  redis-server "${args[@]}" || die "redis-server on $port did not start"
  wait_ping "$port" cli
}

start_sentinel() {
  local n=$1 port=$((base + 1 + $1))
  pong scli "$port" && return
  local conf="$dir/sentinel-$n.conf"
  if [ ! -f "$conf" ]; then
    {
      echo "port $port"
      echo "bind 127.0.0.1"
      echo "protected-mode no"
      echo "daemonize yes"
      echo "pidfile $dir/sentinel-$n.pid"
      echo "logfile $dir/sentinel-$n.log"
      echo "dir $dir"
      echo "sentinel monitor $master 127.0.0.1 $base 2"
      echo "sentinel down-after-milliseconds $master $down_after"
      echo "sentinel failover-timeout $master $failover_timeout"
      echo "sentinel parallel-syncs $master 1"
      [ -n "$password" ] && echo "sentinel auth-pass $master $password"
    } >"$conf"
  fi
  # Sentinel rewrites its file (what it learnt: replicas, other Sentinels, the current primary).
  redis-sentinel "$conf" || die "redis-sentinel on $port did not start"
  wait_ping "$port" scli
}

stop_pid() {
  local file=$1
  [ -f "$file" ] || return 0
  local pid
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -f "$file"
}

case ${1:-start} in
  start)
    install
    mkdir -p "$dir"
    start_data primary "$base"
    start_data replica $((base + 1)) "$base"
    for n in 1 2 3; do start_sentinel "$n"; done
    for _ in $(seq 1 40); do
      [ "$(scli $((base + 2)) sentinel master "$master" 2>/dev/null | grep -A1 -x num-other-sentinels | tail -1)" = 2 ] && break
      sleep 0.5
    done
    log "ready: primary $(scli $((base + 2)) sentinel get-master-addr-by-name "$master" | tr '\n' ' ')sentinels 127.0.0.1:$((base + 2)),127.0.0.1:$((base + 3)),127.0.0.1:$((base + 4)) master $master"
    ;;
  stop)
    for n in 1 2 3; do stop_pid "$dir/sentinel-$n.pid"; done
    stop_pid "$dir/replica.pid"
    stop_pid "$dir/primary.pid"
    ;;
  status)
    scli $((base + 2)) sentinel get-master-addr-by-name "$master"
    ;;
  failover)
    # A Sentinel-driven failover: the replica is promoted, the primary demoted.
    scli $((base + 2)) sentinel failover "$master"
    ;;
  purge)
    "$0" stop
    rm -rf "$dir"
    ;;
  *) die "usage: $0 start | stop | status | failover | purge" ;;
esac
