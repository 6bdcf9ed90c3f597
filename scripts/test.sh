#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds everything (a warning fails the
# build), then runs every test. Used by CI (.ci/run) and by developers alike.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build --build-tests 2>&1 | tee "$log"
if grep -E "^/.*: warning: " "$log" | grep -v "/.build" ; then
    echo "test: the build has warnings (above); the project builds warning-free" >&2
    exit 1
fi
swift test --skip-build "$@"
