#!/usr/bin/env bash
# Keeps charts/collector-cronjobs/pipelines/ a byte-for-byte copy of pipelines/*.json.
#
# A Helm chart cannot read files outside its own directory, and the chart's ConfigMap of
# pipeline files is built with .Files.Glob "pipelines/*.json"; so the chart holds a copy (a copy,
# not a symlink: `helm package` and chart repositories then carry real files). Run this after
# changing anything in pipelines/; scripts/test-chart.sh fails while the copy differs.
#
# It also writes the list of files into values.schema.json (definitions.pipelineFileInChart):
# the schema then refuses, at lint, template and install alike, to enable a collector whose
# pipeline file is not in the chart.
#
#   scripts/sync-chart-pipelines.sh          copy (adds, updates and removes files)
#   scripts/sync-chart-pipelines.sh --check  exit 1, listing the differences, if the copy is stale
set -euo pipefail
cd "$(dirname "$0")/.."
src=pipelines
dst=charts/collector-cronjobs/pipelines
schema=charts/collector-cronjobs/values.schema.json

# Writes (or with --check, compares) the schema's list of the chart's pipeline files.
schema_list() {
    python3 - "$1" "$schema" "$src" <<'PY'
import json, os, sys
mode, path, src = sys.argv[1:]
with open(path) as f:
    text = f.read()
schema = json.loads(text)
want = sorted(n for n in os.listdir(src) if n.endswith(".json"))
entry = schema["definitions"]["pipelineFileInChart"]
if mode == "check":
    if entry.get("enum") != want:
        print(f"{path}: definitions.pipelineFileInChart.enum is {entry.get('enum')}, the files are {want}", file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
entry["enum"] = want
new = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
if new != text:
    with open(path, "w") as f:
        f.write(new)
    print(f"updated the list of pipeline files in {path}: {', '.join(want)}")
PY
}

if [ "${1:-}" = "--check" ]; then
    stale=0
    for f in "$src"/*.json; do
        name=$(basename "$f")
        if [ ! -f "$dst/$name" ]; then echo "missing in the chart: $dst/$name" >&2; stale=1
        elif ! cmp -s "$f" "$dst/$name"; then echo "differs from $f: $dst/$name" >&2; stale=1
        fi
    done
    for f in "$dst"/*; do
        [ -e "$f" ] || continue
        [ -f "$src/$(basename "$f")" ] || { echo "not in $src/: $f" >&2; stale=1; }
    done
    schema_list check || stale=1
    if [ "$stale" -ne 0 ]; then
        echo "the chart's copy of the pipelines is stale: run scripts/sync-chart-pipelines.sh" >&2
        exit 1
    fi
    exit 0
fi
[ $# -eq 0 ] || { echo "usage: $0 [--check]" >&2; exit 2; }

mkdir -p "$dst"
for f in "$dst"/*; do
    [ -e "$f" ] || continue
    [ -f "$src/$(basename "$f")" ] || { rm -f "$f"; echo "removed $f"; }
done
for f in "$src"/*.json; do
    if ! cmp -s "$f" "$dst/$(basename "$f")" 2>/dev/null; then
        cp "$f" "$dst/"
        echo "copied $f"
    fi
done
schema_list write
