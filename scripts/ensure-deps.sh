#!/usr/bin/env bash
# Installs the npm dependencies exactly as package-lock.json locks them (`npm ci`), when
# node_modules is missing or older than the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
# A node_modules that is a symlink (a git worktree sharing another checkout's) is that
# checkout's to keep: `npm ci` here would empty it through the link.
if [ -L node_modules ]; then
  [ -e node_modules/.package-lock.json ] || { echo "[deps] node_modules is a broken symlink" >&2; exit 1; }
  exit 0
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[deps] npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
