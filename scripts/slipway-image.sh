#!/usr/bin/env bash
# Builds slipway/slipway:dev, the image swarm-stack.yml runs, from this checkout and the
# machine's own node binary (no registry, no base image): node and its libraries, busybox,
# dist/, the browser code (services/receiver/static) and the production node_modules. Runs as
# user 65534 unless the stack says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npx tsc -p tsconfig.build.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/rootfs" "$work/app"
cp /bin/busybox "$work/bin/busybox"
node_bin=$(readlink -f "$(command -v node)")
mkdir -p "$work/rootfs$(dirname "$node_bin")"
cp "$node_bin" "$work/rootfs$node_bin"
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*' | sort -u); do
  mkdir -p "$work/rootfs$(dirname "$lib")"
  cp -L "$lib" "$work/rootfs$lib"
done
mkdir -p "$work/app/dist"
# The production image holds no test or benchmark code: only the services.
cp -r dist/services "$work/app/dist/services"
cp -r package.json package-lock.json schemas "$work/app/"
# The browser code is served as it is in the repository (services/receiver/static-files.ts).
mkdir -p "$work/app/services/receiver"
cp -r services/receiver/static "$work/app/services/receiver/static"
# The contents, also when node_modules is a symlink: the prune below must not reach through it.
mkdir -p "$work/app/node_modules" && cp -r node_modules/. "$work/app/node_modules/"
(cd "$work/app" && npm prune --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
cat >"$work/Dockerfile" <<DOCKERFILE
FROM scratch
COPY bin/busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY rootfs/ /
RUN ["/bin/sh", "-c", "mkdir -p /tmp /etc /usr/local/bin && chmod 1777 /tmp && ln -sf $node_bin /usr/local/bin/node && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd && echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >> /etc/passwd"]
COPY app/ /app/
WORKDIR /app
ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production
USER 65534
ENTRYPOINT ["node", "dist/services/cli/slipway.js"]
CMD ["server"]
DOCKERFILE
docker build -q -t slipway/slipway:dev "$work" >/dev/null 2>"$work/build.log" || { cat "$work/build.log" >&2; exit 1; }
echo "[image] built slipway/slipway:dev" >&2
