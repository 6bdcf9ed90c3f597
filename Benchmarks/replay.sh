#!/usr/bin/env bash
# Benchmarks for the SQLite sink and replay (issue #3): the metrics store's write and read
# throughput (target ≥ 300,000 points/s written), then 1,000,000 stored points replayed to the
# fake Datadog intake on loopback (target < 15 s).
set -euo pipefail
cd "$(dirname "$0")/.."
points=${POINTS:-1000000}
swift build -c release --product pipeline >&2
swift build -c release --product SQLiteBench >&2
swift build -c release --product ReplayBench >&2
bin=$(swift build -c release --show-bin-path)
"$bin/SQLiteBench" "$points"
"$bin/ReplayBench" "$bin/pipeline" "$points"
