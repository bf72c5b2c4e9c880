#!/usr/bin/env bash
# The demo, from a fresh clone on a bare machine: dependencies, infrastructure, build, run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/infra.sh
npx tsc -p tsconfig.build.json
exec node dist/scripts/demo.js
