#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds everything (a warning fails the
# build), then runs every test target. Used by CI (.ci/run) and by developers alike.
#
# Each test target runs in its own process: Swift Testing runs a process's tests on as many
# threads as there are cores, and the end-to-end targets (which drive servers and subprocesses)
# would otherwise make the timing tests of the others wait for a thread.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/setup-test-peers.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Every target imports only the project's modules it declares (a warm build hides a missing one).
scripts/check-imports.py
# House style (.swift-format), checked, never rewritten here: `scripts/format.sh` rewrites.
if ! swift format lint --strict -r --configuration .swift-format Sources Tests Benchmarks Package.swift; then
    echo "test: the code above is not in the house style; run scripts/format.sh" >&2
    exit 1
fi
swift build --build-tests 2>&1 | tee "$log"
# Compiler warnings in the project's own Swift files (file:line:column); the linker's notes about
# the toolchain's static libraries are not ours.
swift_warnings() { grep -E "^/.*\.swift:[0-9]+:[0-9]+: warning: " "$1" | grep -v "/.build"; }
if swift_warnings "$log"; then
    echo "test: the build has warnings (above); the project builds warning-free" >&2
    exit 1
fi

targets=(PipelineTests ExpressionsTests HTTPTests AWSTests StorageTests TransformsTests SourcesTests SinksTests CatalogTests SupportTests PipelineCLITests)
extra=("$@")
passed=0
failed=0
failed_targets=()
# `record LABEL COMMAND…`: runs one Swift test command and adds its tests to the counts.
record() {
    local label=$1 status ran bad
    shift
    if "$@" 2>&1 | tee "$log"; then status=0; else status=1; fi
    ran=$(grep -Eo "Test run with [0-9]+ tests?" "$log" | grep -Eo "[0-9]+" | tail -1 || true)
    bad=$(grep -E "^✘ Test .* failed after" "$log" | grep -vc "^✘ Test run with" || true)
    if [ "$status" -ne 0 ] || ! grep -q "Test run with .* passed" "$log"; then
        failed_targets+=("$label")
        [ "$bad" -gt 0 ] || bad=1
    fi
    passed=$((passed + ${ran:-0} - bad))
    failed=$((failed + bad))
}
for target in "${targets[@]}"; do
    echo "== $target"
    record "$target" swift test --skip-build --filter "^$target\." "${extra[@]}"
done

# The binary that ships: the end-to-end tests again, against the release build the image
# contains (-c release --static-swift-stdlib; the optimizer has exposed crashes the debug build
# hides). test-image-deps.sh below reuses this build.
echo "== PipelineCLITests (release binary)"
release_build=(swift build -c release --product pipeline --static-swift-stdlib --scratch-path .build-release-static)
if "${release_build[@]}" 2>&1 | tee "$log" && ! swift_warnings "$log"; then
    PIPELINE_BIN="$("${release_build[@]}" --show-bin-path)/pipeline" \
        record "PipelineCLITests (release)" swift test --skip-build --filter "^PipelineCLITests\." "${extra[@]}"
else
    failed_targets+=("release build")
    failed=$((failed + 1))
fi

# Deployment: the Helm chart, then the image's libraries (a release build: last, it takes minutes).
# Each script ends with "N passed, M failed" and exits non-zero on a failure.
for script in scripts/test-chart.sh scripts/test-image-deps.sh; do
    echo "== $script"
    if "$script" 2>&1 | tee "$log"; then status=0; else status=1; fi
    ok=0 bad=0
    read -r ok _ bad _ <<<"$(grep -E "^[0-9]+ passed, [0-9]+ failed$" "$log" | tail -1 || true)"
    if [ "$status" -ne 0 ]; then failed_targets+=("$script"); [ "${bad:-0}" -gt 0 ] || bad=1; fi
    passed=$((passed + ${ok:-0}))
    failed=$((failed + ${bad:-0}))
done
echo
if [ ${#failed_targets[@]} -gt 0 ]; then
    echo "failed targets: ${failed_targets[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
