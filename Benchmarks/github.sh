#!/usr/bin/env bash
# Benchmark: the GitHub collector (release build) against the fake GitHub with 40 ms added to
# every response, at the scale of issue #2: 128 open PRs, 126 closed in the window plus 2,000
# older, 1,162 branches, 91 commits in the window, 2,500 workflow runs in the window.
# Cold runs (--no-cache), targets: wall time < 1.5 s with at most 8 requests in flight; peak RSS
# < 48 MiB. Warm runs (a state directory kept from the run before): wall time, requests that
# counted against the rate limit (collector.github.api_requests), cache hits. Every value checked.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
now=$(date -u +%Y-%m-%dT%H:00:00Z)  # the current hour: a live run (an older clock is a backfill)

swift build -c release --product pipeline >&2
swift build -c release --product fake-github >&2
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d)
"$bin/fake-github" --scenario benchmark --delay-ms 40 --now "$now" > "$work/url" &
fake_pid=$!
trap 'kill $fake_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(head -1 "$work/url")
expected=$("$bin/fake-github" --scenario benchmark --now "$now" --expected)

python3 - "$bin/pipeline" "$url" "$now" "$runs" "$expected" "$work/state" <<'PY'
import json, os, subprocess, sys, time, urllib.request
binary, url, now, runs, expected, state = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), json.loads(sys.argv[5]), sys.argv[6]
base_env = dict(os.environ, GITHUB_REPOSITORY="octo-org/octo-repo", GITHUB_API_URL=url, PIPELINE_LOG_LEVEL="warning",
                PIPELINE_STATE_DIR=state)

def run(extra):
    """One run: wall seconds, its own peak RSS (MiB, from wait4), its metric values."""
    start = time.monotonic()
    proc = subprocess.Popen([binary, "run", "github", "--dry-run", "--format", "json", "--as-of", now] + extra,
                            env=base_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    if status != 0:
        sys.exit(f"exit status {status}: {err.decode()}")
    values = {p["metric"]: p["value"] for p in map(json.loads, out.decode().splitlines())}
    wrong = {k: (values.get(k), v) for k, v in expected.items()
             if values.get(k) is None or abs(values[k] - v) > 1e-9 * max(1, abs(v))}
    if wrong:
        sys.exit(f"wrong values {wrong}")
    return wall, usage.ru_maxrss / 1024, values

def stats():
    return json.load(urllib.request.urlopen(url + "/_stats"))

def summary(walls):
    walls = sorted(walls)
    return f"best {walls[0]:.3f} s, median {walls[len(walls)//2]:.3f} s, worst {walls[-1]:.3f} s"

run(["--no-cache"])  # warm-up, not counted: the fake renders each page once and caches it
cold = [run(["--no-cache"]) for _ in range(runs)]
print(f"github collector, 40 ms per response, {runs} runs each")
print(f"  cold (--no-cache): {summary([w for w, _, _ in cold])} (target < 1.5 s); peak RSS {max(r for _, r, _ in cold):.1f} MiB (target < 48 MiB); "
      f"{int(cold[-1][2]['collector.github.api_requests'])} requests")
run([])  # fills the state directory
warm = [run([]) for _ in range(runs)]
last = warm[-1][2]
print(f"  warm (state kept): {summary([w for w, _, _ in warm])}; peak RSS {max(r for _, r, _ in warm):.1f} MiB; "
      f"{int(last['collector.github.api_requests'])} requests counted "
      f"against the rate limit, {int(last['collector.github.api_cache_hits'])} answered from the cache (304 or immutable)")
print(f"  max requests in flight over the benchmark: {stats()['max_in_flight']} (target <= 8)")
print(f"  all {len(expected)} metric values exact in every run")
PY
