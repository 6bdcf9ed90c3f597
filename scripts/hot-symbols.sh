#!/usr/bin/env bash
# Writes Sources/PipelineCLI/hot-symbols.txt: every function of the release binary that a run of
# each shipped collector executes (against the fakes; GitHub also warm, from its response cache),
# for the linker to place together.
#
# Why: the kernel maps a program's code 64 KB around each page it touches, so code spread over
# the binary's 17 MB costs resident memory even when little of it runs. A GitHub run executes
# about 4,200 functions (1.3 MB) scattered over some 150 such windows; listed first, they share
# a few dozen. Package.swift hands the list to lld (--symbol-ordering-file) for release builds.
# A function missing from the list (new code) is merely placed elsewhere: regenerate the list
# after large changes and compare Benchmarks/github.sh's peak RSS before and after.
#
# Needs valgrind (callgrind): apt-get install -y valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "hot-symbols: needs valgrind (apt-get install -y valgrind)" >&2; exit 1; }

swift build -c release --product pipeline --static-swift-stdlib --scratch-path .build-release-static >&2
for fake in fake-github fake-asana fake-wandb fake-skypilot; do swift build -c release --product "$fake" >&2; done
bin=$(swift build -c release --show-bin-path)
pipeline=$(swift build -c release --static-swift-stdlib --scratch-path .build-release-static --show-bin-path)/pipeline
now=$(date -u +%Y-%m-%dT%H:00:00Z)
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

serve() {  # NAME ARGS…: start a fake in the background; its URL is then in $work/NAME.url
    local name=$1; shift
    "$bin/$name" "$@" > "$work/$name.url" 2> /dev/null &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$work/$name.url" ] && break; sleep 0.1; done
}
url() { head -1 "$work/$1.url"; }

profile() {  # COLLECTOR VAR=VALUE…: one cold run (--no-cache) under callgrind
    local collector=$1; shift
    env "$@" PIPELINE_STATE_DIR="$work/state" PIPELINE_LOG_LEVEL=warning PIPELINE_DEADLINE=10m \
        valgrind --tool=callgrind --demangle=no --dump-instr=no --collect-jumps=no \
        --callgrind-out-file="$work/$collector.callgrind" \
        "$pipeline" run "$collector" --dry-run --no-cache --format json --as-of "$now" > /dev/null 2> "$work/$collector.err" \
        || { cat "$work/$collector.err" >&2; exit 1; }
}

profile_warm() {  # COLLECTOR VAR=VALUE…: a run that fills the response cache, then one under callgrind that reads it
    local collector=$1; shift
    local run=("$pipeline" run "$collector" --dry-run --format json --as-of "$now")
    env "$@" PIPELINE_STATE_DIR="$work/warm" PIPELINE_LOG_LEVEL=warning "${run[@]}" > /dev/null 2> "$work/$collector.err" \
        || { cat "$work/$collector.err" >&2; exit 1; }
    env "$@" PIPELINE_STATE_DIR="$work/warm" PIPELINE_LOG_LEVEL=warning PIPELINE_DEADLINE=10m \
        valgrind --tool=callgrind --demangle=no --dump-instr=no --collect-jumps=no \
        --callgrind-out-file="$work/$collector-warm.callgrind" "${run[@]}" > /dev/null 2> "$work/$collector.err" \
        || { cat "$work/$collector.err" >&2; exit 1; }
}

serve fake-github --scenario seed --now "$now"
serve fake-asana --now "$now"
serve fake-wandb --now "$now"
serve fake-skypilot --now "$now"
profile github GITHUB_REPOSITORY=octo-org/octo-repo GITHUB_API_URL="$(url fake-github)"
profile_warm github GITHUB_REPOSITORY=octo-org/octo-repo GITHUB_API_URL="$(url fake-github)"
profile asana ASANA_PROJECTS=1001,1002,1003 ASANA_TOKEN=asana-test-token ASANA_API_URL="$(url fake-asana)"
profile wandb WANDB_PROJECTS=ml-team/vision,ml-team/nlp,ml-team/archive WANDB_API_KEY=wandb-test-key \
    WANDB_BASE_URL="$(url fake-wandb)"
profile skypilot SKYPILOT_API_SERVER_ENDPOINT="$(url fake-skypilot)"

# The functions of the pipeline binary that ran: callgrind names each once as "fn=(id) name" and
# then by id; "ob=" says which binary the following functions belong to.
python3 - "$work"/*.callgrind > Sources/PipelineCLI/hot-symbols.txt <<'PY'
import re, sys
executed = set()
for path in sys.argv[1:]:
    objects, names, current = {}, {}, None
    for line in open(path, errors="replace"):
        if m := re.match(r"^(c?ob)=\((\d+)\)(?: (.*))?$", line.rstrip("\n")):
            if m.group(3):
                objects[m.group(2)] = m.group(3)
            if m.group(1) == "ob":
                current = objects.get(m.group(2), "")
        elif m := re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n")):
            if m.group(3):
                names[m.group(2)] = m.group(3)
            if m.group(1) == "fn" and current.endswith("/pipeline"):
                executed.add(names[m.group(2)])
print("\n".join(sorted(n for n in executed if not n.startswith(("0x", "(")))))
PY
echo "hot-symbols: $(wc -l < Sources/PipelineCLI/hot-symbols.txt) functions in Sources/PipelineCLI/hot-symbols.txt" >&2
