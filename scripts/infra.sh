#!/usr/bin/env bash
# Brings up what Slipway needs on this machine, idempotently: Docker Engine in swarm mode,
# Redis (AOF on, noeviction), git, buildah, Chromium (the browser tests drive it through playwright-core),
# and the locally built images the tests and the demo use.
# The local registry (scripts/registry.sh) is started by the tests and the demo that need it.
# Safe to run again and again; it only starts what is not already running.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
state=${SLIPWAY_STATE_DIR:-/var/lib/slipway}
redis_port=${SLIPWAY_REDIS_PORT:-6379}
mkdir -p "$state"

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

# --- packages ---------------------------------------------------------------------------
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v git >/dev/null 2>&1 || need+=(git)
# The browser tests launch exactly this binary; `npx playwright install` cannot download one here.
[ -x /usr/bin/chromium ] || need+=(chromium)
# buildah and uidmap (newuidmap) for the slipway/buildah:1 image (scripts/images.sh)
command -v buildah >/dev/null 2>&1 || need+=(buildah)
command -v newuidmap >/dev/null 2>&1 || need+=(uidmap)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${need[*]}; run as root or install them"
  log "installing ${need[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >"$state/apt.log" 2>&1 || die "apt-get update failed, see $state/apt.log"
  apt-get install -y -q "${need[@]}" >>"$state/apt.log" 2>&1 || die "apt-get install failed, see $state/apt.log"
fi
command -v docker >/dev/null 2>&1 || die "no docker client on PATH after install"
# (Debian's launcher script prints a harmless shell warning on stderr here; keep it out of the version.)
chromium_version=$(/usr/bin/chromium --version 2>"$state/chromium.log") \
  || die "/usr/bin/chromium --version failed, see $state/chromium.log"

# --- Docker Engine ----------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd (log: $state/dockerd.log)"
  nohup dockerd >"$state/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { tail -20 "$state/dockerd.log" >&2; die "dockerd did not answer within 30 s"; }
fi

# --- Swarm ------------------------------------------------------------------------------
swarm=$(docker info --format '{{.Swarm.LocalNodeState}}')
if [ "$swarm" != active ]; then
  log "initialising a one-node swarm"
  docker swarm init --advertise-addr 127.0.0.1 >/dev/null || die "docker swarm init failed"
fi

# --- Redis ------------------------------------------------------------------------------
if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
  log "starting redis-server on port $redis_port (AOF, noeviction, dir $state/redis)"
  mkdir -p "$state/redis"
  redis-server --daemonize yes --port "$redis_port" --bind 127.0.0.1 --appendonly yes \
    --maxmemory-policy noeviction --dir "$state/redis" --logfile "$state/redis/redis.log" \
    || die "redis-server did not start"
  for _ in $(seq 1 40); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.25; done
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 || die "redis did not answer on port $redis_port"
fi
policy=$(redis-cli -p "$redis_port" config get maxmemory-policy | tail -1)
[ "$policy" = noeviction ] || die "redis on port $redis_port has maxmemory-policy $policy; BullMQ needs noeviction"

# --- images -----------------------------------------------------------------------------
bash "$here/scripts/images.sh"
log "ready: docker $(docker version --format '{{.Server.Version}}') swarm active, redis :$redis_port, $chromium_version"
