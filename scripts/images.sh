#!/usr/bin/env bash
# Builds the images Slipway's demo and tests use, from nothing (no registry is reachable):
#   slipway/busybox:1  a shell and the usual tools (busybox-static)
#   slipway/git:1      busybox plus git (git://, http and https), for checking out a build's workspace
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
# Clones over http(s) (GitHub's clone URLs, mirrors) need git's curl helper and the CA certificates.
with_libs /usr/lib/git-core/git-remote-http "$work/git/rootfs"
ln -sf git-remote-http "$work/git/rootfs/usr/lib/git-core/git-remote-https"
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  install -D -m 644 /etc/ssl/certs/ca-certificates.crt "$work/git/rootfs/etc/ssl/certs/ca-certificates.crt"
fi
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

# buildah ---------------------------------------------------------------------------------
# Debian's buildah with chroot isolation and vfs storage: what works inside a Swarm task
# (measured; docs/buildspec.md "Building and pushing images"). No runc: `--isolation oci`
# cannot make cgroups in a task (/sys/fs/cgroup is read-only there); chroot isolation needs
# no runtime. newuidmap/newgidmap (setuid, from uidmap) give the user `build` (uid 1000) its
# subordinate ids for rootless builds.
if ! command -v buildah >/dev/null 2>&1 || ! command -v newuidmap >/dev/null 2>&1; then
  log "no buildah or newuidmap on this machine; run scripts/infra.sh (it installs buildah and uidmap)"
  exit 1
fi
mkdir -p "$work/buildah/bin" "$work/buildah/rootfs/etc/containers"
cp /bin/busybox "$work/buildah/bin/busybox"
for bin in "$(readlink -f "$(command -v buildah)")" /usr/bin/newuidmap /usr/bin/newgidmap; do
  with_libs "$bin" "$work/buildah/rootfs"
done
# For pushes to registries with TLS.
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  install -D -m 644 /etc/ssl/certs/ca-certificates.crt "$work/buildah/rootfs/etc/ssl/certs/ca-certificates.crt"
fi
cat >"$work/buildah/rootfs/etc/containers/storage.conf" <<'EOF'
[storage]
driver = "vfs"
runroot = "/var/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
cat >"$work/buildah/rootfs/etc/containers/registries.conf" <<'EOF'
# Image names say their registry: no search list, no short-name aliases.
unqualified-search-registries = []
short-name-mode = "disabled"
EOF
cat >"$work/buildah/rootfs/etc/containers/policy.json" <<'EOF'
{"default": [{"type": "insecureAcceptAnything"}]}
EOF
# What RUN instructions get: all of it is in Docker's default set, so a step needs only
# CAP_SYS_ADMIN added and may drop NET_RAW, MKNOD and AUDIT_WRITE. Without this file buildah's
# built-in list also asks for those three, and RUN fails where they are dropped.
cat >"$work/buildah/rootfs/etc/containers/containers.conf" <<'EOF'
[containers]
default_capabilities = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE",
  "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
cat >"$work/buildah/users.sh" <<'EOF'
mkdir -p /tmp /var/tmp /root /home/build /workspace /var/lib/containers /var/run/containers
chmod 1777 /tmp /var/tmp
printf 'root:x:0:0:root:/root:/bin/sh\nbuild:x:1000:1000:build:/home/build:/bin/sh\n' >/etc/passwd
printf 'root:x:0:\nbuild:x:1000:\n' >/etc/group
echo build:100000:65536 >/etc/subuid
echo build:100000:65536 >/etc/subgid
chown 1000:1000 /home/build
# COPY keeps no setuid bit.
chmod 4755 /usr/bin/newuidmap /usr/bin/newgidmap
EOF
cat >"$work/buildah/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY bin/busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY rootfs/ /
COPY users.sh /tmp/users.sh
RUN ["/bin/sh", "-c", "sh -e /tmp/users.sh && rm /tmp/users.sh"]
ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root BUILDAH_ISOLATION=chroot STORAGE_DRIVER=vfs
CMD ["/bin/sh"]
DOCKERFILE
build slipway/buildah:1 "$work/buildah"
