#!/usr/bin/env bash
# A local container registry for Slipway's tests and demo: Debian's `docker-registry`
# (the CNCF distribution registry), storage in a folder, basic auth from an htpasswd file.
# Idempotent like scripts/infra.sh: `up` starts it only when it is not already answering.
#
#   scripts/registry.sh up      start it (or reuse it); prints its facts as KEY=VALUE lines
#   scripts/registry.sh down    stop it (its storage and credentials stay)
#   scripts/registry.sh status  the KEY=VALUE lines when it answers, else "down" (exit 1)
#
# Where it is reached (measured on this machine, Docker 20.10):
#   - It listens on 0.0.0.0:$SLIPWAY_REGISTRY_PORT (default 5000).
#   - Step containers (Swarm tasks, on the default bridge or an overlay) reach it at the
#     docker0 gateway, 172.17.0.1:PORT. They push there over plain HTTP
#     (`buildah push --tls-verify=false`).
#   - dockerd itself pulls task images from 127.0.0.1:PORT: 127.0.0.0/8 is an insecure
#     registry by default. It refuses 172.17.0.1:PORT ("server gave HTTP response to HTTPS
#     client") unless daemon.json lists it in `insecure-registries`; this script never
#     changes the daemon's configuration. Both names are the same registry, so an image
#     pushed as 172.17.0.1:PORT/app runs as 127.0.0.1:PORT/app@sha256:... (same digest).
#
# Files, in $SLIPWAY_STATE_DIR/registry (default /var/lib/slipway/registry):
#   config.yml, htpasswd (bcrypt), storage/ (the blobs), registry.log, registry.pid,
#   credentials      "USER:PASSWORD" (mode 600), made once with a random password
#   auth.json        the same as a containers-auth.json / Docker config for both addresses:
#                    hand it to a step as a secret (`buildah push --authfile ...`)
# Needs root to install packages (docker-registry, apache2-utils for htpasswd).
set -euo pipefail
state=${SLIPWAY_STATE_DIR:-/var/lib/slipway}/registry
port=${SLIPWAY_REGISTRY_PORT:-5000}
user=slipway
pidfile=$state/registry.pid

log() { printf '[registry] %s\n' "$*" >&2; }
die() { printf '[registry] ERROR: %s\n' "$*" >&2; exit 1; }

# The registry's pid, only if that process really is our registry (a stale pid may be reused).
pid_of() {
  local pid cmd
  pid=$(cat "$pidfile" 2>/dev/null) || return 0
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 0
  [[ $cmd == *"docker-registry serve $state/config.yml"* ]] && echo "$pid"
  return 0
}

# 401 without credentials and 200 with them: it is up, and it is ours.
answers() {
  local creds code
  creds=$(cat "$state/credentials" 2>/dev/null) || return 1
  code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$port/v2/") || return 1
  [ "$code" = 401 ] || return 1
  code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' -u "$creds" "http://127.0.0.1:$port/v2/") || return 1
  [ "$code" = 200 ]
}

facts() {
  echo "SLIPWAY_REGISTRY=127.0.0.1:$port"
  echo "SLIPWAY_REGISTRY_PUSH=172.17.0.1:$port"
  echo "SLIPWAY_REGISTRY_USER=$user"
  echo "SLIPWAY_REGISTRY_CREDENTIALS=$state/credentials"
  echo "SLIPWAY_REGISTRY_AUTHFILE=$state/auth.json"
}

install_packages() {
  local need=()
  command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
  command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
  command -v curl >/dev/null 2>&1 || need+=(curl)
  [ ${#need[@]} = 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing ${need[*]}; run as root or install them"
  log "installing ${need[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  # docker-registry's own service is not started: there is no init system, and it would use
  # the package's config (port 5000, /var/lib/docker-registry), not ours.
  apt-get install -y -q --no-install-recommends "${need[@]}" >>"$state/apt.log" 2>&1 ||
    { apt-get update -q >>"$state/apt.log" 2>&1 &&
      apt-get install -y -q --no-install-recommends "${need[@]}" >>"$state/apt.log" 2>&1; } ||
    die "apt-get install ${need[*]} failed, see $state/apt.log"
}

write_files() {
  mkdir -p "$state/storage"
  chmod 700 "$state"
  if [ ! -s "$state/credentials" ]; then
    (umask 077 && printf '%s:%s\n' "$user" "$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$state/credentials")
  fi
  local creds password auth
  creds=$(cat "$state/credentials")
  password=${creds#*:}
  htpasswd -Bbn "$user" "$password" >"$state/htpasswd.new" 2>/dev/null
  mv "$state/htpasswd.new" "$state/htpasswd"
  auth=$(printf '%s' "$creds" | base64 -w0)
  (umask 077 && printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"},"172.17.0.1:%s":{"auth":"%s"}}}\n' \
    "$port" "$auth" "$port" "$auth" >"$state/auth.json")
  cat >"$state/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $state/storage
  delete:
    enabled: true
http:
  addr: 0.0.0.0:$port
auth:
  htpasswd:
    realm: slipway-registry
    path: $state/htpasswd
EOF
}

up() {
  mkdir -p "$state"
  install_packages
  if answers; then
    facts
    return 0
  fi
  local pid
  pid=$(pid_of)
  [ -z "$pid" ] || { kill "$pid" 2>/dev/null || true; sleep 0.5; }
  if curl -s -o /dev/null -m 2 "http://127.0.0.1:$port/v2/"; then
    die "something else answers on port $port; set SLIPWAY_REGISTRY_PORT to another port"
  fi
  write_files
  log "starting docker-registry on 0.0.0.0:$port (storage $state/storage)"
  nohup docker-registry serve "$state/config.yml" >"$state/registry.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 40); do answers && break; sleep 0.25; done
  answers || { tail -20 "$state/registry.log" >&2; die "docker-registry did not answer on port $port"; }
  facts
}

down() {
  local pid
  pid=$(pid_of)
  [ -n "$pid" ] || return 0
  kill "$pid"
  for _ in $(seq 1 40); do [ -d "/proc/$pid" ] || break; sleep 0.25; done
  rm -f "$pidfile"
  log "stopped"
}

case ${1:-up} in
  up) up ;;
  down) down ;;
  status) if answers; then facts; else echo down; exit 1; fi ;;
  *) die "usage: $0 up|down|status" ;;
esac
