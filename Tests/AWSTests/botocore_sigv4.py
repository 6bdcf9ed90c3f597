"""Signs requests with botocore's SigV4Auth, the reference for SigV4DifferentialTests.swift.

Reads every JSON line of stdin first (one request each: method, url, headers as [name, value]
pairs, body_base64, access_key, secret_key, token or null, region, service, timestamp as
YYYYMMDDTHHMMSSZ), then writes one JSON line per request: authorization, canonical_request,
string_to_sign. Run with .venv-test/bin/python3 (scripts/setup-test-peers.sh installs botocore).
"""
import base64
import datetime
import json
import sys

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(spec):
    fixed = datetime.datetime.strptime(spec["timestamp"], "%Y%m%dT%H%M%SZ")
    botocore.auth.get_current_datetime = lambda: fixed
    request = AWSRequest(method=spec["method"], url=spec["url"], data=base64.b64decode(spec["body_base64"]))
    for name, value in spec["headers"]:
        request.headers[name] = value  # HTTPMessage appends: repeated names stay repeated
    auth = SigV4Auth(Credentials(spec["access_key"], spec["secret_key"], spec["token"]), spec["service"], spec["region"])
    auth.add_auth(request)
    canonical = auth.canonical_request(request)
    return {
        "authorization": request.headers["Authorization"],
        "canonical_request": canonical,
        "string_to_sign": auth.string_to_sign(request, canonical),
    }


def main():
    specs = [json.loads(line) for line in sys.stdin.read().splitlines() if line.strip()]
    for spec in specs:
        sys.stdout.write(json.dumps(sign(spec)) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
