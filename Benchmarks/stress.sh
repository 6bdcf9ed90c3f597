#!/usr/bin/env bash
# Stress loop: the GitHub collector (release build) run many times against one long-lived fake
# GitHub, the way a CronJob runs it, reporting hangs and wrong values.
#
#   Benchmarks/stress.sh [RUNS]        RUNS defaults to 200
#
# Environment: SCALE (big | seed; default big), DELAY_MS (per answer; default 40),
# TIMEOUT (seconds before a run counts as hung; default 60), LOAD (1 = keep both cores busy with
# a spinning process meanwhile, as a loaded node would), PIPELINE (a pipeline binary to run
# instead of the release build, e.g. one built with --sanitize=thread).
#
# A hung run is killed after its backtrace (gdb, if installed) and its stderr are saved under
# $KEEP (default /tmp/pipeline-stress); the script exits non-zero if any run hung, failed or
# reported a value other than the fake's expected one.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
scale=${SCALE:-big}
delay=${DELAY_MS:-40}
timeout=${TIMEOUT:-60}
keep=${KEEP:-/tmp/pipeline-stress}
now=$(date -u +%Y-%m-%dT%H:00:00Z)

swift build -c release --product pipeline >&2
swift build -c release --product fake-github >&2
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d)
mkdir -p "$keep"
"$bin/fake-github" --scenario "$scale" --delay-ms "$delay" --now "$now" > "$work/url" &
fake_pid=$!
load_pids=()
cleanup() {
    kill "$fake_pid" "${load_pids[@]}" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(head -1 "$work/url")
expected=$("$bin/fake-github" --scenario "$scale" --now "$now" --expected)
if [ "${LOAD:-0}" = 1 ]; then
    for _ in 1 2; do (while :; do :; done) & load_pids+=($!); done
fi

python3 - "${PIPELINE:-$bin/pipeline}" "$url" "$now" "$runs" "$expected" "$timeout" "$keep" <<'PY'
import json, os, shutil, signal, subprocess, sys, time
binary, url, now, runs, expected, timeout, keep = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), json.loads(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
env = dict(os.environ, GITHUB_REPOSITORY="octo-org/octo-repo", GITHUB_API_URL=url, PIPELINE_LOG_LEVEL="warning")
env.pop("GITHUB_TOKEN", None)

def backtrace(pid):
    if not shutil.which("gdb"):
        return "(gdb not installed)"
    out = subprocess.run(["gdb", "-p", str(pid), "-batch", "-ex", "thread apply all bt"],
                         capture_output=True, text=True, timeout=60)
    return out.stdout

hung, failed, wrong, walls = [], [], [], []
started = time.monotonic()
for index in range(1, runs + 1):
    begin = time.monotonic()
    proc = subprocess.Popen([binary, "run", "github", "--dry-run", "--no-cache", "--format", "json", "--as-of", now],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        trace = backtrace(proc.pid)
        proc.kill()
        out, err = proc.communicate()
        path = os.path.join(keep, f"hang-{index}.txt")
        with open(path, "w") as f:
            f.write(f"stdout:\n{out.decode()}\nstderr:\n{err.decode()}\nbacktrace:\n{trace}\n")
        hung.append(index)
        print(f"run {index}: HUNG after {timeout:.0f} s ({len(out.decode().splitlines())} points printed); saved {path}", flush=True)
        continue
    wall = time.monotonic() - begin
    walls.append(wall)
    if wall > 10:
        print(f"run {index}: slow, {wall:.1f} s; stderr: {err.decode().strip()[-600:]}", flush=True)
    if proc.returncode != 0:
        failed.append(index)
        print(f"run {index}: exit {proc.returncode}: {err.decode().strip()[:400]}", flush=True)
        continue
    values = {p["metric"]: p["value"] for p in map(json.loads, out.decode().splitlines())}
    bad = {k: (values.get(k), v) for k, v in expected.items()
           if values.get(k) is None or abs(values[k] - v) > 1e-9 * max(1, abs(v))}
    if bad:
        wrong.append(index)
        print(f"run {index}: wrong values (got, expected): {bad}", flush=True)
    if index % 20 == 0:
        print(f"  {index} runs, {len(hung)} hung, {len(failed)} failed, {len(wrong)} wrong", flush=True)

total = time.monotonic() - started
walls.sort()
print(f"stress: {runs} runs in {total:.0f} s; {len(hung)} hung, {len(failed)} failed, {len(wrong)} with a wrong value")
if walls:
    print(f"  wall: best {walls[0]:.2f} s, median {walls[len(walls)//2]:.2f} s, slowest {walls[-1]:.2f} s")
sys.exit(1 if hung or failed or wrong else 0)
PY
