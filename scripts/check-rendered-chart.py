#!/usr/bin/env python3
"""Checks a `helm template` render of charts/collector-cronjobs (used by scripts/test-chart.sh).

usage: check-rendered-chart.py RENDERED.yaml --label NAME [--pipeline-bin PATH]
         [--expect-repositories a/b,c/d] [--expect-state pvc|emptyDir] [--expect-collectors github,…]

Prints one "PASS label: check" or "FAIL label: check: why" line per check and exits 1 if any
failed. With --pipeline-bin, each CronJob's pipeline file (and each test-hook container's) is
run through `pipeline validate` with the plain environment the container gets (values from
Secrets replaced by placeholders), PIPELINES_DIR pointing at the repository's pipelines/.
"""
import argparse, os, re, subprocess, sys
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHART = os.path.join(ROOT, "charts", "collector-cronjobs")
MOUNT = "/etc/pipeline/pipelines"
STATE = "/var/lib/pipeline"
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

results = []

def check(label, name, ok, why=""):
    results.append(ok)
    print(("PASS" if ok else "FAIL") + f" {label}: {name}" + ("" if ok else f": {why}"))
    return ok

def interval_seconds(schedule):
    """The interval of simple schedules (*/N minutes, N-minute lists, hourly, daily); None otherwise."""
    macros = {"@hourly": 3600, "@daily": 86400, "@midnight": 86400, "@weekly": 604800}
    if schedule in macros:
        return macros[schedule]
    fields = schedule.split()
    if len(fields) != 5:
        return None
    minute, hour = fields[0], fields[1]
    rest_any = all(f == "*" for f in fields[2:])
    if not rest_any:
        return None
    m = re.fullmatch(r"\*/(\d+)", minute)
    if m and hour == "*":
        return int(m.group(1)) * 60
    if re.fullmatch(r"\d+", minute) and hour == "*":
        return 3600
    if re.fullmatch(r"\d+", minute) and re.fullmatch(r"\*/(\d+)", hour):
        return int(hour[2:]) * 3600
    if re.fullmatch(r"\d+", minute) and re.fullmatch(r"\d+", hour):
        return 86400
    return None

def env_of(container):
    plain, secret = {}, {}
    for e in container.get("env", []):
        if "value" in e:
            plain[e["name"]] = e["value"]
        elif "valueFrom" in e:
            secret[e["name"]] = e["valueFrom"]
    return plain, secret

def validate_with_binary(label, what, container, binary):
    args = container.get("args", [])
    path = args[1] if len(args) > 1 else ""
    name = os.path.basename(path)
    repo_file = os.path.join(ROOT, "pipelines", name)
    check(label, f"{what}: {path} is under {MOUNT}/", path == f"{MOUNT}/{name}", f"args {args}")
    if not check(label, f"{what}: pipelines/{name} exists in the repository", os.path.isfile(repo_file), repo_file):
        return
    plain, secret = env_of(container)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    env.update(plain)
    for k in secret:
        env[k] = "placeholder-from-secret"
    env["PIPELINES_DIR"] = os.path.join(ROOT, "pipelines")
    env["HOME"] = os.environ.get("TMPDIR", "/tmp")
    env.pop("PIPELINE_STATE_DIR", None)  # validate writes nothing; never point it at /var/lib here
    proc = subprocess.run([binary, "validate", repo_file], env=env, capture_output=True, text=True)
    check(label, f"{what}: `pipeline validate {name}` with its environment exits 0", proc.returncode == 0,
          f"exit {proc.returncode}: {proc.stderr.strip()[:400]}")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rendered")
    ap.add_argument("--label", required=True)
    ap.add_argument("--pipeline-bin")
    ap.add_argument("--expect-repositories")
    ap.add_argument("--expect-state", choices=["pvc", "emptyDir"], default="pvc")
    ap.add_argument("--expect-collectors")
    ap.add_argument("--expect-app-key", action="store_true", help="DD_APP_KEY comes from a Secret (else it is not set)")
    a = ap.parse_args()
    label = a.label

    with open(a.rendered) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    cronjobs = by_kind.get("CronJob", [])
    pvcs = {d["metadata"]["name"]: d for d in by_kind.get("PersistentVolumeClaim", [])}
    configmaps = {d["metadata"]["name"]: d for d in by_kind.get("ConfigMap", [])}
    sas = {d["metadata"]["name"] for d in by_kind.get("ServiceAccount", [])}
    pods = by_kind.get("Pod", [])

    check(label, "renders at least one CronJob", len(cronjobs) > 0, "no CronJob")
    names = [c["metadata"]["name"] for c in cronjobs]
    check(label, "CronJob names are unique", len(names) == len(set(names)), f"{names}")
    for d in docs:
        labels = d["metadata"].get("labels", {})
        for key in ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by", "helm.sh/chart"):
            if key not in labels:
                check(label, f"{d['kind']}/{d['metadata']['name']} has label {key}", False, f"labels {labels}")
        for k, v in labels.items():
            if len(str(v)) > 63:
                check(label, f"{d['kind']}/{d['metadata']['name']} label {k} within 63 characters", False, v)

    for cj in cronjobs:
        n = cj["metadata"]["name"]
        what = f"CronJob {n}"
        spec = cj["spec"]
        job = spec["jobTemplate"]["spec"]
        pod = job["template"]["spec"]
        containers = pod["containers"]
        c = containers[0]
        plain, secret = env_of(c)
        check(label, f"{what}: name within 52 characters", len(n) <= 52, f"{len(n)} characters")
        check(label, f"{what}: name is a DNS label", bool(DNS_LABEL.match(n)), n)
        check(label, f"{what}: concurrencyPolicy Forbid", spec.get("concurrencyPolicy") == "Forbid", spec.get("concurrencyPolicy"))
        for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit", "startingDeadlineSeconds"):
            check(label, f"{what}: {key} set", isinstance(spec.get(key), int), spec.get(key))
        for key in ("backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"):
            check(label, f"{what}: job {key} set", isinstance(job.get(key), int), job.get(key))
        interval = interval_seconds(spec["schedule"])
        if interval:
            check(label, f"{what}: activeDeadlineSeconds ({job['activeDeadlineSeconds']}) under the schedule's interval ({interval})",
                  job["activeDeadlineSeconds"] < interval, spec["schedule"])
        check(label, f"{what}: restartPolicy Never", pod.get("restartPolicy") == "Never", pod.get("restartPolicy"))
        check(label, f"{what}: one container", len(containers) == 1, len(containers))
        psc = pod.get("securityContext", {})
        csc = c.get("securityContext", {})
        check(label, f"{what}: pod runAsNonRoot and a non-zero runAsUser", psc.get("runAsNonRoot") is True and psc.get("runAsUser", 0) > 0, psc)
        check(label, f"{what}: pod seccomp RuntimeDefault", psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", psc)
        check(label, f"{what}: container runAsNonRoot", csc.get("runAsNonRoot") is True, csc)
        check(label, f"{what}: readOnlyRootFilesystem", csc.get("readOnlyRootFilesystem") is True, csc)
        check(label, f"{what}: allowPrivilegeEscalation false", csc.get("allowPrivilegeEscalation") is False, csc)
        check(label, f"{what}: capabilities drop ALL", csc.get("capabilities", {}).get("drop") == ["ALL"], csc)
        check(label, f"{what}: container seccomp RuntimeDefault", csc.get("seccompProfile", {}).get("type") == "RuntimeDefault", csc)
        check(label, f"{what}: args run FILE", c.get("args", [None])[0] == "run" and len(c["args"]) >= 2, c.get("args"))
        check(label, f"{what}: no --dry-run (metrics go to the Datadog sink)", "--dry-run" not in c.get("args", []), c.get("args"))
        check(label, f"{what}: DD_API_KEY from a Secret", "secretKeyRef" in secret.get("DD_API_KEY", {}), secret.get("DD_API_KEY"))
        if a.expect_app_key:
            check(label, f"{what}: DD_APP_KEY from a Secret", "secretKeyRef" in secret.get("DD_APP_KEY", {}), secret.get("DD_APP_KEY"))
        else:
            check(label, f"{what}: no DD_APP_KEY", "DD_APP_KEY" not in secret and "DD_APP_KEY" not in plain, secret.get("DD_APP_KEY"))
        check(label, f"{what}: PIPELINE_STATE_DIR={STATE}", plain.get("PIPELINE_STATE_DIR") == STATE, plain.get("PIPELINE_STATE_DIR"))
        check(label, f"{what}: PIPELINES_DIR={MOUNT}", plain.get("PIPELINES_DIR") == MOUNT, plain.get("PIPELINES_DIR"))
        deadline = plain.get("PIPELINE_DEADLINE", "")
        m = re.fullmatch(r"(\d+)([smh])", deadline)
        if check(label, f"{what}: PIPELINE_DEADLINE is a time span", bool(m), deadline) and isinstance(job.get("activeDeadlineSeconds"), int):
            seconds = int(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2)]
            check(label, f"{what}: PIPELINE_DEADLINE ({deadline}) plus the sinks' 30 s grace ends before activeDeadlineSeconds ({job['activeDeadlineSeconds']})",
                  seconds + 30 < job["activeDeadlineSeconds"], deadline)
        mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for path in (STATE, "/tmp", MOUNT):
            check(label, f"{what}: a volume is mounted at {path}", path in mounts, sorted(mounts))
        if "/tmp" in mounts:
            check(label, f"{what}: /tmp is an emptyDir", "emptyDir" in volumes.get(mounts["/tmp"]["name"], {}), volumes.get(mounts["/tmp"]["name"]))
        if MOUNT in mounts:
            v = volumes.get(mounts[MOUNT]["name"], {})
            cm = v.get("configMap", {}).get("name")
            check(label, f"{what}: pipelines come from a rendered ConfigMap", cm in configmaps, cm)
            fname = os.path.basename(c["args"][1]) if len(c.get("args", [])) > 1 else None
            check(label, f"{what}: the ConfigMap holds {fname}", fname in (configmaps.get(cm, {}).get("data") or {}), fname)
            check(label, f"{what}: pipelines mounted read-only", mounts[MOUNT].get("readOnly") is True, mounts[MOUNT])
        if STATE in mounts:
            v = volumes.get(mounts[STATE]["name"], {})
            if a.expect_state == "pvc":
                claim = v.get("persistentVolumeClaim", {}).get("claimName")
                check(label, f"{what}: state on its own PersistentVolumeClaim", claim in pvcs, f"claim {claim}, PVCs {sorted(pvcs)}")
            else:
                check(label, f"{what}: state on an emptyDir", "emptyDir" in v, v)
        sa = pod.get("serviceAccountName")
        check(label, f"{what}: its ServiceAccount is rendered", sa in sas, f"{sa} not in {sorted(sas)}")
        collector = cj["metadata"]["labels"].get("pipeline/collector")
        if collector == "github":
            check(label, f"{what}: GITHUB_REPOSITORY set", bool(plain.get("GITHUB_REPOSITORY")), plain)
            check(label, f"{what}: GITHUB_TOKEN from a Secret", "secretKeyRef" in secret.get("GITHUB_TOKEN", {}), secret.get("GITHUB_TOKEN"))
        if a.pipeline_bin:
            validate_with_binary(label, what, c, a.pipeline_bin)

    if a.expect_state == "pvc":
        claims = {cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["volumes"][-1].get("persistentVolumeClaim", {}).get("claimName") for cj in cronjobs}
        check(label, "one PersistentVolumeClaim per CronJob", len(pvcs) == len(cronjobs) and set(pvcs) == claims, f"{sorted(pvcs)} vs {sorted(claims)}")
    else:
        check(label, "no PersistentVolumeClaim with the emptyDir option", len(pvcs) == 0, sorted(pvcs))

    if a.expect_repositories is not None:
        want = [r for r in a.expect_repositories.split(",") if r]
        github = [cj for cj in cronjobs if cj["metadata"]["labels"].get("pipeline/collector") == "github"]
        got = sorted(env_of(cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0])[0].get("GITHUB_REPOSITORY") or "" for cj in github)
        check(label, f"{len(want)} github CronJobs, one per repository", len(github) == len(want), f"{len(github)}: {[c['metadata']['name'] for c in github]}")
        check(label, "GITHUB_REPOSITORY of the github CronJobs", got == sorted(want), f"{got} != {sorted(want)}")
    if a.expect_collectors is not None:
        want = sorted(set(x for x in a.expect_collectors.split(",") if x))
        got = sorted({cj["metadata"]["labels"].get("pipeline/collector") for cj in cronjobs})
        check(label, f"collectors rendered are {want}", got == want, got)

    hooks = [p for p in pods if p["metadata"].get("annotations", {}).get("helm.sh/hook") == "test"]
    if check(label, "a helm test hook Pod", len(hooks) == 1, f"{len(hooks)} test pods"):
        p = hooks[0]
        spec = p["spec"]
        collectors = sorted({cj["metadata"]["labels"].get("pipeline/collector") for cj in cronjobs})
        check(label, "the test Pod has one container per enabled collector", len(spec["containers"]) == len(collectors),
              f"{[c['name'] for c in spec['containers']]} vs {collectors}")
        check(label, "test Pod: restartPolicy Never", spec.get("restartPolicy") == "Never", spec.get("restartPolicy"))
        for c in spec["containers"]:
            what = f"test container {c['name']}"
            check(label, f"{what}: runs pipeline validate", c.get("args", [None])[0] == "validate", c.get("args"))
            csc = c.get("securityContext", {})
            check(label, f"{what}: read-only root, no escalation, no capabilities",
                  csc.get("readOnlyRootFilesystem") is True and csc.get("allowPrivilegeEscalation") is False
                  and csc.get("capabilities", {}).get("drop") == ["ALL"], csc)
            if a.pipeline_bin:
                validate_with_binary(label, what, c, a.pipeline_bin)

    failed = results.count(False)
    print(f"{label}: {len(results) - failed} checks passed, {failed} failed")
    sys.exit(1 if failed else 0)

if __name__ == "__main__":
    main()
