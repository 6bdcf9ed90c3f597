#!/usr/bin/env python3
"""Makes the pipeline tests the repository ships (pipelines/tests): each collector run against its
fake with `pipeline run NAME --record DIR`, and its test file's expected values from the fake's
own computation (`--expected`), never from the run's output.

    swift build --product pipeline --product fake-github …   # or: swift build
    scripts/record-pipeline-tests.py [NAME…]                 # github asana wandb skypilot ec2 (ec2: moto from .venv-test)

The fakes listen on fixed loopback ports, so that the URLs in a recording (and the test file's
*_URL / endpoint variables) stay the same from one recording to the next. The credentials given
to the fakes and the recording run are checked to appear nowhere in the recording.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

AS_OF = "2026-11-23T12:00:00Z"
BIN = os.environ.get("BIN", ".build/debug")
TESTS = "pipelines/tests"


def pipeline_tags(name):
    """The fixed tags the pipeline file puts on every point (env is empty: DD_ENV is not set; a tag
    from another variable, GitHub's repo, is the caller's to add)."""
    tags = json.load(open(f"pipelines/{name}.json")).get("tags", {})
    return {key: value for key, value in tags.items() if "${" not in value}


def swift_expected(text):
    """`metric ["tag", …] = value` lines (fake-asana, fake-wandb, fake-skypilot --expected)."""
    out = []
    for line in text.splitlines():
        found = re.match(r'^(\S+) \[(.*)\] = (\S+)$', line)
        if not found:
            raise SystemExit(f"unexpected --expected line: {line}")
        metric, tags, value = found.groups()
        out.append((metric, re.findall(r'"([^"]*)"', tags), float(value)))
    return out


def expectation(metric, tags, value):
    entry = {"metric": metric, "tags": sorted(tags), "value": int(value) if value == int(value) else value}
    if value != int(value):
        # The fake's arithmetic and the pipeline's may differ in the last bits.
        entry["tolerance"] = float(f"{1e-9 * max(1.0, abs(value)):.3g}")
    return entry


def record(name, fake_command, environment, secrets, expected, extra_tags=None, as_of=AS_OF,
           origin="the fake's own computation (--expected)"):
    directory = f"{TESTS}/recordings/{name}"
    shutil.rmtree(directory, ignore_errors=True)
    fake = subprocess.Popen(fake_command, stdout=subprocess.PIPE, text=True) if fake_command else None
    try:
        if fake:
            url = fake.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:"), url
        run = subprocess.run(
            [f"{BIN}/pipeline", "run", name, "--dry-run", "--format", "json", "--as-of", as_of, "--record", directory],
            env={**{k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}, **environment},
            capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit(f"{name}: the recording run failed ({run.returncode}):\n{run.stderr}")
    finally:
        if fake:
            fake.terminate()
            fake.wait()
    text = open(f"{directory}/exchanges.jsonl").read()
    for secret in secrets:
        if secret in text:
            raise SystemExit(f"{name}: a credential is in the recording")
    tags = [f"{key}:{value}" for key, value in pipeline_tags(name).items()] + (extra_tags or [])
    replay_environment = {key: ("dummy" if key in secrets_names(environment, secrets) else value)
                          for key, value in environment.items()}
    test = {
        "description": f"pipelines/{name}.json against its fake, recorded by scripts/record-pipeline-tests.py; "
                       f"expected values from {origin}",
        "pipeline": name, "recording": f"recordings/{name}", "as_of": as_of, "env": replay_environment,
        "expect": [expectation(metric, point_tags + tags, value) for metric, point_tags, value in expected],
    }
    with open(f"{TESTS}/{name}.test.json", "w") as out:
        out.write(write_test(test))
    print(f"{name}: {len(text.splitlines())} exchanges, {len(text)} bytes, {len(test['expect'])} metrics expected")


def write_test(test):
    """The test file, one expected metric a line."""
    head = json.dumps({key: value for key, value in test.items() if key != "expect"}, indent=2)
    lines = ",\n".join("    " + json.dumps(entry) for entry in test["expect"])
    return head[:-2] + ',\n  "expect": [\n' + lines + "\n  ]\n}\n"


def secrets_names(environment, secrets):
    return {key for key, value in environment.items() if value in secrets}


def github():
    token = "ghp_RecordingOnlyToken000000000000000001"
    port = 18401
    fake = [f"{BIN}/fake-github", "--port", str(port), "--scenario", "small", "--now", AS_OF, "--token", token]
    values = json.loads(subprocess.run(
        [f"{BIN}/fake-github", "--scenario", "small", "--now", AS_OF, "--expected"],
        capture_output=True, text=True, check=True).stdout)
    expected = [(metric, [], float(value)) for metric, value in sorted(values.items())]
    record("github", fake, {"GITHUB_REPOSITORY": "octo-org/octo-repo", "GITHUB_API_URL": f"http://127.0.0.1:{port}",
                            "GITHUB_TOKEN": token}, [token], expected, ["repo:octo-org/octo-repo"])


def asana():
    token = "asana-recording-only-token-0001"
    port = 18402
    fake = [f"{BIN}/fake-asana", "--port", str(port), "--now", AS_OF, "--token", token]
    expected = swift_expected(subprocess.run(
        [f"{BIN}/fake-asana", "--now", AS_OF, "--expected"], capture_output=True, text=True, check=True).stdout)
    record("asana", fake, {"ASANA_API_URL": f"http://127.0.0.1:{port}", "ASANA_TOKEN": token,
                           "ASANA_PROJECTS": "1001, 1002, 1003"}, [token], expected)


def wandb():
    key = "wandb-recording-only-key-0001"
    port = 18403
    sizes = ["--old-runs", "10", "--recent-runs", "20"]
    fake = [f"{BIN}/fake-wandb", "--port", str(port), "--now", AS_OF, "--key", key] + sizes
    expected = swift_expected(subprocess.run(
        [f"{BIN}/fake-wandb", "--now", AS_OF, "--expected"] + sizes, capture_output=True, text=True, check=True).stdout)
    record("wandb", fake, {"WANDB_BASE_URL": f"http://127.0.0.1:{port}", "WANDB_API_KEY": key,
                           "WANDB_PROJECTS": "ml-team/vision,ml-team/nlp,ml-team/archive"}, [key], expected)


def skypilot():
    token = "sky_RecordingOnlyToken0001"
    port = 18404
    fake = [f"{BIN}/fake-skypilot", "--port", str(port), "--now", AS_OF, "--token", token]
    expected = swift_expected(subprocess.run(
        [f"{BIN}/fake-skypilot", "--now", AS_OF, "--expected"], capture_output=True, text=True, check=True).stdout)
    record("skypilot", fake, {"SKYPILOT_API_SERVER_ENDPOINT": f"http://127.0.0.1:{port}",
                              "SKYPILOT_SERVICE_ACCOUNT_TOKEN": token}, [token], expected)


def ec2():
    """moto (`.venv-test`, scripts/setup-test-peers.sh) seeded in us-east-1: 3 m5.large owned, 2 t3.micro
    without an owner, one of them stopped. moto launches them now, so the test is evaluated 8 days on:
    every running instance is long-running. Expected values from the seed and the price table."""
    port = 18405
    access_key, secret_key = "AKIARECORDINGONLY0001", "recordingOnlySecretKey0123456789abcdefghij"
    moto = subprocess.Popen([".venv-test/bin/moto_server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        seed = f"""
import time, botocore.session
for _ in range(100):
    try:
        c = botocore.session.get_session().create_client('ec2', endpoint_url='{endpoint}', region_name='us-east-1',
            aws_access_key_id='test', aws_secret_access_key='test')
        c.describe_instances()
        break
    except Exception:
        time.sleep(0.1)
def run(count, kind, tags):
    spec = [{{'ResourceType': 'instance', 'Tags': [{{'Key': k, 'Value': v}} for k, v in tags]}}]
    r = c.run_instances(ImageId='ami-760aaa0f', MinCount=count, MaxCount=count, InstanceType=kind, TagSpecifications=spec)
    return [i['InstanceId'] for i in r['Instances']]
run(3, 'm5.large', [('owner', 'ml')])
micro = run(2, 't3.micro', [('team', 'web')])
c.stop_instances(InstanceIds=[micro[0]])
"""
        subprocess.run([".venv-test/bin/python", "-c", seed], check=True)
        as_of = time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime(time.time() + 9 * 86400))
        prices = {"m5.large": 0.096, "t3.micro": 0.0104}  # Sources/Sources/AWS/EC2PriceTable.swift, us-east-1
        running = {"m5.large": 3, "t3.micro": 1}
        expected = [
            ("ec2.instances.running", [], 4.0), ("ec2.instances.stopped", [], 1.0), ("ec2.instances.spot", [], 0.0),
            ("ec2.instances.long_running", [], 4.0), ("ec2.instances.untagged", [], 1.0),
            ("ec2.cost.unpriced_instances", [], 0.0),
            ("ec2.cost.hourly_usd", [], sum(prices[kind] * count for kind, count in running.items())),
            ("ec2.instances.by_region", ["region:us-east-1"], 4.0),
            ("ec2.instances.by_state", ["state:running"], 4.0), ("ec2.instances.by_state", ["state:stopped"], 1.0),
        ] + [("ec2.instances.by_type", [f"instance_type:{kind}"], float(count)) for kind, count in running.items()] + [
            ("ec2.cost.hourly_usd_by_type", [f"instance_type:{kind}"], prices[kind] * count)
            for kind, count in running.items()]
        record("ec2", None, {"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1", "EC2_REGIONS": "us-east-1",
                             "AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key},
               [access_key, secret_key], expected, as_of=as_of,
               origin="the instances seeded in moto and Sources/Sources/AWS/EC2PriceTable.swift")
    finally:
        moto.terminate()
        moto.wait()


COLLECTORS = {"github": github, "asana": asana, "wandb": wandb, "skypilot": skypilot, "ec2": ec2}

if __name__ == "__main__":
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    os.makedirs(f"{TESTS}/recordings", exist_ok=True)
    for name in sys.argv[1:] or list(COLLECTORS):
        COLLECTORS[name]()
