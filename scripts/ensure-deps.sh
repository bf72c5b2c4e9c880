#!/usr/bin/env bash
# Installs the npm dependencies exactly as package-lock.json locks them (`npm ci`), when
# node_modules is missing or older than the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[deps] npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
