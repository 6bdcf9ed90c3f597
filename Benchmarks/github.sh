#!/usr/bin/env bash
# Benchmark: the GitHub collector (release build) against the fake GitHub with 40 ms added to
# every answer, at two scales:
#   seed  the architecture's numbers: 128 open PRs, 126 closed in the window plus 2,000 older,
#         1,162 branches, 91 commits and 2,500 workflow runs in the window;
#   big   300 open PRs, 400 closed in the window plus 3,000 older, 3,000 branches, 400 commits
#         and 6,000 workflow runs in the window.
# For each scale, cold runs (--no-cache): the wall time, the lower bound computed from the run's
# own request count (requests x 40 ms / 8 slots, plus 0.13 s that cannot overlap: process start,
# then the repository and the commit list before any commit detail), their ratio, the peak RSS
# and the most requests in flight. Then warm runs at seed scale (a state directory kept from the
# run before). Every value of every run is checked against the fake's own computation.
#
#   Benchmarks/github.sh                 RUNS=5 per scale; SCALES="seed big"
#   REQUEST_LOG=1 Benchmarks/github.sh   also where the median cold run's time went (request_log.py)
#   PIPELINE=path Benchmarks/github.sh   another binary (default: the release build with Swift's
#                                        libraries linked statically, as the image ships it)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
scales=${SCALES:-seed big}
delay_ms=${DELAY_MS:-40}
now=$(date -u +%Y-%m-%dT%H:00:00Z)  # the current hour: a live run (an older clock is a backfill)

# The binary that ships (the image's: Swift's libraries linked statically), unless PIPELINE names another.
swift build -c release --product pipeline --static-swift-stdlib --scratch-path .build-release-static >&2
swift build -c release --product fake-github >&2
bin=$(swift build -c release --show-bin-path)
pipeline=${PIPELINE:-$(swift build -c release --static-swift-stdlib --scratch-path .build-release-static --show-bin-path)/pipeline}

work=$(mktemp -d)
fake_pid=
trap 'kill $fake_pid 2>/dev/null; rm -rf "$work"' EXIT

for scale in $scales; do
    "$bin/fake-github" --scenario "$scale" --delay-ms "$delay_ms" --now "$now" > "$work/url-$scale" &
    fake_pid=$!
    for _ in $(seq 100); do [ -s "$work/url-$scale" ] && break; sleep 0.1; done
    url=$(head -1 "$work/url-$scale")
    expected=$("$bin/fake-github" --scenario "$scale" --now "$now" --expected)
    python3 - "$pipeline" "$url" "$now" "$runs" "$expected" "$work/state-$scale" "$scale" "$delay_ms" \
        "${REQUEST_LOG:-0}" <<'PY'
import json, os, subprocess, sys, time, urllib.request
sys.path.insert(0, "Benchmarks")
from request_log import analyse
binary, url, now, runs, expected, state, scale, delay_ms, show_log = sys.argv[1:10]
runs, expected, delay = int(runs), json.loads(expected), int(delay_ms) / 1000
slots, fixed = 8, 0.13
base_env = dict(os.environ, GITHUB_REPOSITORY="octo-org/octo-repo", GITHUB_API_URL=url, PIPELINE_LOG_LEVEL="warning",
                PIPELINE_STATE_DIR=state)
base_env.pop("GITHUB_TOKEN", None)

def stats():
    return json.load(urllib.request.urlopen(url + "/_stats"))

def run(extra):
    """One run: wall seconds, its own peak RSS (MiB, from wait4), its values, its request log, its start."""
    before = stats()["requests"]
    started = time.time()
    start = time.monotonic()
    proc = subprocess.Popen([binary, "run", "github", "--dry-run", "--format", "json", "--as-of", now] + extra,
                            env=base_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    if status != 0:
        sys.exit(f"{scale}: exit status {status}: {err.decode()}")
    values = {p["metric"]: p["value"] for p in map(json.loads, out.decode().splitlines())}
    wrong = {k: (values.get(k), v) for k, v in expected.items()
             if values.get(k) is None or abs(values[k] - v) > 1e-9 * max(1, abs(v))}
    if wrong:
        sys.exit(f"{scale}: wrong values (got, expected): {wrong}")
    log = json.load(urllib.request.urlopen(f"{url}/_log?after={before}"))
    return {"wall": wall, "rss": usage.ru_maxrss / 1024, "values": values, "log": log, "started": started}

def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]

run(["--no-cache"])  # warm-up, not counted: the fake renders each page once and caches it
cold = [run(["--no-cache"]) for _ in range(runs)]
walls = [r["wall"] for r in cold]
requests = sorted({len(r["log"]) for r in cold})
bound = median([len(r["log"]) for r in cold]) * delay / slots + fixed
wall = median(walls)
print(f"github collector, {scale} scale, {int(delay * 1000)} ms per answer, {runs} cold runs (--no-cache)")
print(f"  wall: median {wall:.3f} s (best {min(walls):.3f}, worst {max(walls):.3f}); "
      f"lower bound {bound:.3f} s; ratio {wall / bound:.2f} (target <= 1.15)")
print(f"  requests per run: {', '.join(map(str, requests))}; peak RSS {max(r['rss'] for r in cold):.1f} MiB "
      f"(median {median([r['rss'] for r in cold]):.1f}; target <= 24 MiB); "
      f"max in flight {stats()['max_in_flight']} (target <= {slots})")
print(f"  all {len(expected)} metric values exact in every run")
if show_log == "1":
    chosen = sorted(cold, key=lambda r: r["wall"])[len(cold) // 2]
    print("  request log of the median run:")
    print("    " + analyse(chosen["log"], chosen["started"], slots, 0.1, chosen["wall"]).replace("\n", "\n    "))
if scale == "seed":
    run([])  # fills the state directory
    warm = [run([]) for _ in range(runs)]
    last = warm[-1]["values"]
    print(f"  warm (state kept): median {median([r['wall'] for r in warm]):.3f} s; "
          f"peak RSS {max(r['rss'] for r in warm):.1f} MiB; "
          f"{int(last['collector.github.api_requests'])} requests counted against the rate limit, "
          f"{int(last['collector.github.api_cache_hits'])} answered from the cache (304 or immutable)")
PY
    kill "$fake_pid" 2>/dev/null || true
    wait "$fake_pid" 2>/dev/null || true
done
