#!/usr/bin/env bash
# Builds the images Slipway's demo and tests use, from nothing (no registry is reachable):
#   slipway/busybox:1  a shell and the usual tools (busybox-static)
#   slipway/git:1      busybox plus git, for checking out a build's workspace
#   slipway/redis:1    busybox plus redis-server: Slipway's own Redis in swarm-stack.yml, a sidecar in tests
# Each image carries a label with a hash of its inputs; an image whose hash matches is kept.
set -euo pipefail
log() { printf '[images] %s\n' "$*" >&2; }

build() { # build NAME CONTEXT_DIR
  local name=$1 ctx=$2 sum
  sum=$(cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
  if [ "$(docker image inspect --format '{{index .Config.Labels "slipway.inputs"}}' "$name" 2>/dev/null || true)" = "$sum" ]; then
    return 0
  fi
  log "building $name"
  printf 'LABEL slipway.inputs=%s\n' "$sum" >>"$ctx/Dockerfile"
  docker build -q -t "$name" "$ctx" >/dev/null 2>"$ctx.log" || { cat "$ctx.log" >&2; return 1; }
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# busybox ---------------------------------------------------------------------------------
mkdir -p "$work/busybox/bin"
cp /bin/busybox "$work/busybox/bin/busybox"
cat >"$work/busybox/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY bin/busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN ["/bin/busybox", "sh", "-c", "mkdir -p /tmp /usr/bin /usr/sbin /sbin /root /workspace && chmod 1777 /tmp && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd 2>/dev/null || (mkdir -p /etc && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd)"]
ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
CMD ["/bin/sh"]
DOCKERFILE
build slipway/busybox:1 "$work/busybox"

# copies a binary and the libraries it links to into ROOTFS
with_libs() { # with_libs BINARY ROOTFS
  local bin=$1 root=$2
  mkdir -p "$root$(dirname "$bin")"
  cp -L "$bin" "$root$bin"
  for lib in $(ldd "$bin" | grep -o '/[^ ]*' | sort -u); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

# git -------------------------------------------------------------------------------------
mkdir -p "$work/git/bin" "$work/git/rootfs/usr/lib/git-core"
cp /bin/busybox "$work/git/bin/busybox"
git_bin=$(readlink -f "$(command -v git)")
with_libs "$git_bin" "$work/git/rootfs"
[ "$git_bin" = /usr/lib/git-core/git ] || cp "$git_bin" "$work/git/rootfs/usr/lib/git-core/git"
cat >"$work/git/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY bin/busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY rootfs/ /
RUN ["/bin/sh", "-c", "mkdir -p /tmp /etc /root /workspace /usr/bin /usr/share/git-core/templates && chmod 1777 /tmp && ln -sf /usr/lib/git-core/git /usr/bin/git && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd"]
ENV PATH=/usr/local/bin:/usr/bin:/bin GIT_EXEC_PATH=/usr/lib/git-core HOME=/root
CMD ["/bin/sh"]
DOCKERFILE
build slipway/git:1 "$work/git"

# redis -----------------------------------------------------------------------------------
mkdir -p "$work/redis/bin"
cp /bin/busybox "$work/redis/bin/busybox"
with_libs "$(readlink -f "$(command -v redis-server)")" "$work/redis/rootfs"
cat >"$work/redis/Dockerfile" <<DOCKERFILE
FROM scratch
COPY bin/busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY rootfs/ /
RUN ["/bin/sh", "-c", "mkdir -p /tmp /etc /data && chmod 1777 /tmp && ln -sf $(readlink -f "$(command -v redis-server)") /usr/local/bin/redis-server 2>/dev/null || (mkdir -p /usr/local/bin && ln -sf $(readlink -f "$(command -v redis-server)") /usr/local/bin/redis-server); echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd"]
ENV PATH=/usr/local/bin:/usr/bin:/bin
WORKDIR /data
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no", "--appendonly", "yes", "--maxmemory-policy", "noeviction", "--dir", "/data"]
DOCKERFILE
build slipway/redis:1 "$work/redis"
