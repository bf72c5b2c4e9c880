#!/usr/bin/env bash
# The whole test suite, from a fresh clone on a bare machine: dependencies, the real
# infrastructure (Docker swarm, Redis, git, Chromium, images), type checks (the server's and
# the browser code's), lint, unit, integration and browser tests. Nothing is skipped for want
# of Docker, Redis or Chromium: infra.sh fails first, and a browser test without Chromium fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/infra.sh
echo "[test] type check" >&2
npx tsc -p tsconfig.json --noEmit
npx tsc -p tsconfig.browser.json
echo "[test] lint" >&2
npm run lint --silent
JEST=(node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js)
jest() { "${JEST[@]}" "$@"; }
# The real-infrastructure runs end when their tests do: a handle a library leaves behind (a
# BullMQ timer after Redis went away) must not hold CI until its deadline, and a phase that
# hangs for good fails with a message instead.
slow() {
  local limit=$1 rc=0
  shift
  timeout --foreground "$limit" "${JEST[@]}" --forceExit "$@" || rc=$?
  [ "$rc" = 124 ] && echo "[test] gave up after ${limit}: the phase hung" >&2
  return "$rc"
}
echo "[test] unit" >&2
jest --selectProjects unit
echo "[test] build (the executor-recovery test runs dist/ as a separate process)" >&2
npx tsc -p tsconfig.build.json
echo "[test] integration (real Redis, real swarm)" >&2
slow 40m --selectProjects integration --runInBand
echo "[test] browser (real Chromium)" >&2
slow 15m --selectProjects browser --runInBand
