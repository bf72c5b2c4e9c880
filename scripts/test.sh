#!/usr/bin/env bash
# The whole test suite, from a fresh clone on a bare machine: dependencies, the real
# infrastructure (Docker swarm, Redis, git, images), type checks, lint, unit and
# integration tests. Nothing is skipped for want of Docker or Redis: infra.sh fails first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/infra.sh
echo "[test] type check" >&2
npx tsc -p tsconfig.json --noEmit
echo "[test] lint" >&2
npm run lint --silent
jest() { node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js "$@"; }
echo "[test] unit" >&2
jest --selectProjects unit
echo "[test] build (the executor-recovery test runs dist/ as a separate process)" >&2
npx tsc -p tsconfig.build.json
echo "[test] integration (real Redis, real swarm)" >&2
jest --selectProjects integration --runInBand
