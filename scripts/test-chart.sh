#!/usr/bin/env bash
# Tests the Helm chart charts/collector-cronjobs:
#   - its copy of the pipelines equals pipelines/ byte for byte;
#   - helm lint --strict and helm template with the default, production and staging values;
#   - wrong values (a schedule that is not a string, an unknown key, a collector enabled without
#     a pipeline file, …) make helm fail, with a message that names the fault;
#   - every render validates against the Kubernetes 1.33 schemas in strict mode
#     (kubernetes-validate, from PyPI, in .venv-test);
#   - scripts/check-rendered-chart.py on each render: CronJob settings, security context, names
#     within 52 characters, state volumes, one CronJob per repository, and every CronJob's
#     pipeline file exists in pipelines/ and passes `pipeline validate` with the CronJob's environment.
# Needs the debug binary (.build/debug/pipeline; built here if missing). Prints PASS/FAIL lines and
# ends with "N passed, M failed"; exits 1 if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-test-peers.sh
scripts/setup-helm.sh
venv=.venv-test
helm="$venv/bin/helm"
py="$venv/bin/python"
kv="$venv/bin/kubernetes-validate"
chart=charts/collector-cronjobs
kube=1.33.0
binary=.build/debug/pipeline
[ -x "$binary" ] || swift build --product pipeline
"$py" -c 'import yaml' 2>/dev/null || { echo "test-chart: PyYAML is missing from $venv" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; [ -z "${2:-}" ] || sed 's/^/    /' <<<"$2" | head -20; }

# A render: helm template with the arguments given, into $work/NAME.yaml.
render() {
    local name=$1; shift
    "$helm" template collectors "$chart" --namespace pipeline --kube-version "$kube" "$@" > "$work/$name.yaml" 2> "$work/$name.err"
}

# The checks of one good render: schemas, then the Python checks (counted one by one).
check_render() {
    local name=$1; shift
    local out
    if out=$("$kv" --strict --kubernetes-version "$kube" --quiet "$work/$name.yaml" 2>&1); then
        pass "$name: every manifest validates against the Kubernetes $kube schemas (strict)"
    else
        fail "$name: kubernetes-validate --strict" "$out"
    fi
    local summary
    "$py" scripts/check-rendered-chart.py "$work/$name.yaml" --label "$name" --pipeline-bin "$binary" "$@" > "$work/$name.checks" 2>&1 || true
    grep '^FAIL' "$work/$name.checks" || true
    summary=$(grep -E '^[^ ]+: [0-9]+ checks passed, [0-9]+ failed$' "$work/$name.checks" || true)
    if [ -z "$summary" ]; then
        fail "$name: check-rendered-chart.py did not finish" "$(tail -20 "$work/$name.checks")"
        return
    fi
    local p f
    p=$(sed -E 's/.*: ([0-9]+) checks passed, ([0-9]+) failed/\1/' <<<"$summary")
    f=$(sed -E 's/.*: ([0-9]+) checks passed, ([0-9]+) failed/\2/' <<<"$summary")
    echo "PASS/FAIL $summary"
    passed=$((passed + p))
    failed=$((failed + f))
}

# A render or lint that must fail, with a message matching the extended regex $2.
expect_failure() {
    local name=$1 pattern=$2; shift 2
    local out
    if out=$("$@" 2>&1); then
        fail "$name: helm accepted it" "$out"
    elif grep -Eiq -- "$pattern" <<<"$out"; then
        pass "$name: refused ($(grep -Eio -- "$pattern" <<<"$out" | head -1))"
    else
        fail "$name: refused, but the message does not match /$pattern/" "$out"
    fi
}

echo "== chart: $("$helm" version --short), Kubernetes $kube"

# 1. The chart's copy of the pipelines.
if out=$(scripts/sync-chart-pipelines.sh --check 2>&1); then
    pass "the chart's pipelines/ equals pipelines/ byte for byte"
else
    fail "the chart's pipelines/ equals pipelines/" "$out"
fi

# The values files hold each key once: YAML lets a second `wandb:` silently replace the first.
for file in "$chart"/values*.yaml; do
    if out=$("$py" - "$file" <<'PY' 2>&1
import sys, yaml

class Strict(yaml.SafeLoader):
    pass

def mapping(loader, node):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise SystemExit(f"{sys.argv[1]}:{key_node.start_mark.line + 1}: the key {key!r} appears twice in one mapping")
        seen.add(key)
    return loader.construct_mapping(node)

Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
yaml.load(open(sys.argv[1]), Loader=Strict)
PY
    ); then
        pass "$(basename "$file"): no key twice in a mapping"
    else
        fail "$(basename "$file"): no key twice in a mapping" "$out"
    fi
done

# 2. Lint and render each environment's values.
declare -A envs=([default]="" [production]="-f $chart/values-production.yaml" [staging]="-f $chart/values-staging.yaml")
declare -A collectors=([default]="github" [production]="github,ec2" [staging]="github")
for env in default production staging; do
    # shellcheck disable=SC2086
    if out=$("$helm" lint --strict "$chart" --kube-version "$kube" ${envs[$env]} 2>&1); then
        pass "$env: helm lint --strict"
    else
        fail "$env: helm lint --strict" "$out"
    fi
    # shellcheck disable=SC2086
    if render "$env" ${envs[$env]}; then
        pass "$env: helm template"
        # shellcheck disable=SC2046
        check_render "$env" --expect-collectors "${collectors[$env]}" $([ "$env" = production ] && echo --expect-app-key)
    else
        fail "$env: helm template" "$(cat "$work/$env.err")"
    fi
done

# 3. One CronJob per repository.
if render repos --set-json 'collectors.github.repositories=["a/b","c/d"]'; then
    pass "repositories [a/b, c/d]: helm template"
    check_render repos --expect-repositories a/b,c/d
else
    fail "repositories [a/b, c/d]: helm template" "$(cat "$work/repos.err")"
fi

# 4. Long names: cut to 52 characters with a hash suffix, unique, and the same on every render.
long='["an-organisation-with-a-rather-long-name/a-repository-whose-name-is-also-quite-long","an-organisation-with-a-rather-long-name/a-repository-whose-name-is-also-quite-long-2","o/r"]'
if render long --set-json "collectors.github.repositories=$long" --set fullnameOverride=pipeline-collectors-for-the-platform-team \
    && render long-again --set-json "collectors.github.repositories=$long" --set fullnameOverride=pipeline-collectors-for-the-platform-team; then
    pass "long repository names: helm template"
    check_render long --expect-repositories "$("$py" -c 'import json,sys; print(",".join(json.loads(sys.argv[1])))' "$long")"
    if cmp -s "$work/long.yaml" "$work/long-again.yaml"; then
        pass "long repository names: the names are the same on every render"
    else
        fail "long repository names: two renders differ" "$(diff "$work/long.yaml" "$work/long-again.yaml" | head)"
    fi
    if grep -Eq '^  name: pipeline-collectors-[a-z0-9-]*-quite-long-[0-9a-f]{8}$' "$work/long.yaml" \
        && grep -Eq '^  name: pipeline-collectors-[a-z0-9-]*-quite-long-2-[0-9a-f]{8}$' "$work/long.yaml"; then
        pass "long repository names: the start of the prefix, the end of the repository and an 8-digit hash"
    else
        fail "long repository names: not PREFIX…-REPOSITORY-END-HASH8" "$(grep -E '^  name:' "$work/long.yaml")"
    fi
else
    fail "long repository names: helm template" "$(cat "$work/long.err")"
fi

# 5. emptyDir state: no PVC.
if render emptydir --set global.state.type=emptyDir; then
    pass "emptyDir state: helm template"
    check_render emptydir --expect-state emptyDir
else
    fail "emptyDir state: helm template" "$(cat "$work/emptydir.err")"
fi

# 5b. The run's deadline comes from the CronJob: activeDeadlineSeconds minus the margin, unless
#     the collector's env sets PIPELINE_DEADLINE.
deadline_of() {
    "$py" -c 'import sys,yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d.get("kind") == "CronJob":
        c = d["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
        print(next((e.get("value") for e in c.get("env", []) if e["name"] == "PIPELINE_DEADLINE"), "unset"))' "$1"
}
for case in "default||780s" "short|--set collectors.github.activeDeadlineSeconds=600|540s" \
    "margin|--set global.cronJob.deadlineMarginSeconds=120|720s" "own|--set collectors.github.env.PIPELINE_DEADLINE=5m|5m"; do
    IFS='|' read -r name args want <<<"$case"
    # shellcheck disable=SC2086
    if render "deadline-$name" $args; then
        got=$(deadline_of "$work/deadline-$name.yaml")
        if [ "$got" = "$want" ]; then pass "PIPELINE_DEADLINE ${args:-(defaults)}: $got"; else fail "PIPELINE_DEADLINE ${args:-(defaults)}: want $want, got $got"; fi
    else
        fail "PIPELINE_DEADLINE $args: helm template" "$(cat "$work/deadline-$name.err")"
    fi
done

# 6. Collectors with no pipeline file cannot be enabled; those with one can. The schema refuses
#    first (its list of files is written by scripts/sync-chart-pipelines.sh), at lint as at
#    install; the template's own check stands behind it when schema validation is skipped.
for collector in $("$py" -c 'import sys,yaml; print(" ".join(sorted(yaml.safe_load(open(sys.argv[1]))["collectors"])))' "$chart/values.yaml"); do
    file=$("$py" -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["collectors"][sys.argv[2]]["pipelineFile"])' "$chart/values.yaml" "$collector")
    if [ -f "pipelines/$file" ]; then
        # The variables the collector requires, each set to an example.
        required=()
        for name in $("$py" -c 'import sys,yaml; print(" ".join(sorted(yaml.safe_load(open(sys.argv[1]))["collectors"][sys.argv[2]].get("requiredEnv") or {})))' "$chart/values.yaml" "$collector"); do
            required+=(--set "collectors.$collector.env.$name=example")
            expect_failure "enabling $collector without $name" "collectors\.$collector is enabled but $name is not set: set collectors\.$collector\.env\.$name to" \
                "$helm" template collectors "$chart" --kube-version "$kube" --set "collectors.$collector.enabled=true"
        done
        if render "enable-$collector" --set "collectors.$collector.enabled=true" "${required[@]}"; then
            pass "enabling $collector (pipelines/$file exists) renders"
        else
            fail "enabling $collector (pipelines/$file exists) renders" "$(cat "$work/enable-$collector.err")"
        fi
    else
        expect_failure "helm template enabling $collector without pipelines/$file" "/collectors/$collector/pipelineFile'?: value must be one of" \
            "$helm" template collectors "$chart" --kube-version "$kube" --set "collectors.$collector.enabled=true"
        expect_failure "helm lint --strict enabling $collector without pipelines/$file" "/collectors/$collector/pipelineFile'?: value must be one of" \
            "$helm" lint --strict "$chart" --kube-version "$kube" --set "collectors.$collector.enabled=true"
        expect_failure "enabling $collector without pipelines/$file, schema skipped" "collectors\.$collector is enabled but its pipeline file \"$file\" is not in the chart" \
            "$helm" template collectors "$chart" --kube-version "$kube" --skip-schema-validation --set "collectors.$collector.enabled=true"
    fi
done
expect_failure "a new collector whose pipeline file is not in the chart" "/collectors/jira/pipelineFile'?: value must be one of" "$helm" template collectors "$chart" \
    --kube-version "$kube" --set collectors.jira.enabled=true --set 'collectors.jira.schedule=0 * * * *' \
    --set collectors.jira.pipelineFile=jira.json --set collectors.jira.activeDeadlineSeconds=600

# 7. Wrong values fail at install (schema or template), naming the fault.
t=("$helm" template collectors "$chart" --kube-version "$kube")
expect_failure "a schedule that is not a string" "/collectors/github/schedule'?: got number, want string" "${t[@]}" --set-json 'collectors.github.schedule=15'
expect_failure "a schedule that is not cron" "/collectors/github/schedule'?: 'every 15 minutes' does not match pattern" "${t[@]}" --set 'collectors.github.schedule=every 15 minutes'
expect_failure "helm lint --strict with a schedule that is not a string" "/collectors/github/schedule'?: got number, want string" \
    "$helm" lint --strict "$chart" --kube-version "$kube" --set-json 'collectors.github.schedule=15'
expect_failure "an unknown key under a collector" "additional properties 'scheduel' not allowed" "${t[@]}" --set 'collectors.github.scheduel=*/5 * * * *'
expect_failure "an unknown key under global" "additional properties 'imgae' not allowed" "${t[@]}" --set 'global.imgae.tag=x'
expect_failure "a misspelt collector name" "collectors/githb.*missing properties" "${t[@]}" --set 'collectors.githb.enabled=true'
expect_failure "a repository that is not owner/name" "/collectors/github/repositories/0'?: 'just-a-name' does not match" "${t[@]}" --set-json 'collectors.github.repositories=["just-a-name"]'
expect_failure "a repository listed twice" "/collectors/github/repositories'?: items at 0 and 1 are equal" "${t[@]}" --set-json 'collectors.github.repositories=["a/b","a/b"]'
expect_failure "two repositories with the same CronJob name" "would both be the CronJob" "${t[@]}" --set-json 'collectors.github.repositories=["a/b.c","a/b-c"]'
expect_failure "github with no repository" "names no repository" "${t[@]}" --set-json 'collectors.github.repositories=[]'
expect_failure "an unknown state type" "/global/state/type'?: value must be one of" "${t[@]}" --set 'global.state.type=hostPath'
expect_failure "running as root" "/global/podSecurityContext/runAsUser'?: minimum" "${t[@]}" --set 'global.podSecurityContext.runAsUser=0'
expect_failure "an env value that is not a string" "/collectors/github/env/DD_RETRY_FOR'?: got number, want string" "${t[@]}" --set-json 'collectors.github.env={"DD_RETRY_FOR":30}'
expect_failure "overriding PIPELINE_STATE_DIR" "/collectors/github/env/PIPELINE_STATE_DIR'?: 'not' failed" "${t[@]}" --set 'collectors.github.env.PIPELINE_STATE_DIR=/x'
expect_failure "an unknown secrets backend" "/global/secrets/backend'?: 'vault' does not match" "${t[@]}" --set 'global.secrets.backend=vault'
expect_failure "a mounted Secret without the dir: backend" "backend must be \"dir:/etc/pipeline/secrets\"" "${t[@]}" \
    --set 'global.secrets.mountSecret.name=my-secrets' --set 'global.secrets.backend=aws'
expect_failure "a variable both plain and from a Secret" "GITHUB_TOKEN is set both" "${t[@]}" --set 'collectors.github.env.GITHUB_TOKEN=x'
expect_failure "DD_APP_KEY both plain and from appKeySecret" "DD_APP_KEY is set both" "${t[@]}" --set 'global.datadog.appKeySecret.name=dd-app' --set 'collectors.github.env.DD_APP_KEY=x'
expect_failure "a deadline margin under the sinks' grace" "/global/cronJob/deadlineMarginSeconds'?: minimum" "${t[@]}" --set 'global.cronJob.deadlineMarginSeconds=10'
expect_failure "a deadline margin that leaves the run no time" "collectors\.github: activeDeadlineSeconds \(840\) minus global\.cronJob\.deadlineMarginSeconds \(800\) leaves the run 40 s" \
    "${t[@]}" --set 'global.cronJob.deadlineMarginSeconds=800'
expect_failure "a pipeline file given as a path" "/collectors/github/pipelineFile'?: '../etc/passwd' does not match" "${t[@]}" --set 'collectors.github.pipelineFile=../etc/passwd'

echo
echo "chart: $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
