#!/usr/bin/env bash
# Benchmark: the GitHub collector (release build) against the fake GitHub with 40 ms added to
# every response, at the scale of issue #2: 128 open PRs, 126 closed in the window plus 2,000
# older, 1,162 branches, 91 commits in the window, 2,500 workflow runs in the window.
# Targets: wall time < 1.5 s with at most 8 requests in flight; peak RSS < 48 MiB.
# Prints wall time, peak RSS, requests, max in flight, and checks every value.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
now=2026-11-23T05:00:00Z

swift build -c release --product pipeline >&2
swift build -c release --product fake-github >&2
bin=$(swift build -c release --show-bin-path)

url_file=$(mktemp)
"$bin/fake-github" --scenario benchmark --delay-ms 40 --now "$now" > "$url_file" &
fake_pid=$!
trap 'kill $fake_pid 2>/dev/null; rm -f "$url_file"' EXIT
for _ in $(seq 50); do [ -s "$url_file" ] && break; sleep 0.1; done
url=$(head -1 "$url_file")
expected=$("$bin/fake-github" --scenario benchmark --now "$now" --expected)

python3 - "$bin/pipeline" "$url" "$now" "$runs" "$expected" <<'PY'
import json, os, resource, subprocess, sys, time, urllib.request
binary, url, now, runs, expected = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), json.loads(sys.argv[5])
env = dict(os.environ, GITHUB_REPOSITORY="octo-org/octo-repo", GITHUB_API_URL=url, PIPELINE_LOG_LEVEL="warning")
# One warm-up run, not counted: the fake renders each page once and caches it.
subprocess.run([binary, "run", "github", "--dry-run", "--format", "json", "--as-of", now], env=env,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
walls, rss = [], []
for i in range(runs):
    before = json.load(urllib.request.urlopen(url + "/_stats"))
    start = time.monotonic()
    proc = subprocess.Popen([binary, "run", "github", "--dry-run", "--format", "json", "--as-of", now],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    walls.append(time.monotonic() - start)
    rss.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)  # max over finished children, KiB → MiB
    after = json.load(urllib.request.urlopen(url + "/_stats"))
    if proc.returncode != 0:
        sys.exit(f"run {i}: exit {proc.returncode}: {err.decode()}")
    values = {p["metric"]: p["value"] for p in map(json.loads, out.decode().splitlines())}
    wrong = {k: (values.get(k), v) for k, v in expected.items() if values.get(k) is None or abs(values[k] - v) > 1e-9 * max(1, abs(v))}
    if wrong:
        sys.exit(f"run {i}: wrong values {wrong}")
    requests = after["requests"] - before["requests"] - 1
print(f"github collector, {runs} runs, 40 ms per response")
print(f"  wall time: best {min(walls):.3f} s, median {sorted(walls)[len(walls)//2]:.3f} s, worst {max(walls):.3f} s (target < 1.5 s)")
print(f"  peak RSS:  {max(rss):.1f} MiB (target < 48 MiB)")
print(f"  requests per run: {requests}; max in flight (whole benchmark): {after['max_in_flight']} (target <= 8)")
print(f"  all {len(expected)} metric values exact")
PY
