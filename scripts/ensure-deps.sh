#!/usr/bin/env bash
# Installs the npm dependencies when node_modules is missing or older than package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm ci` is refused by npm 11 for this lock file (it lists no entries for other
  # platforms' optional packages); `npm install` installs exactly the locked versions.
  echo "[deps] npm install" >&2
  npm install --no-audit --no-fund --loglevel=error >&2
fi
