#!/usr/bin/env bash
# Installs what building and testing `pipeline` needs on Debian 12: the C libraries it links
# (libcurl, libsqlite3, zlib) and pkg-config. Swift 6.3 itself must already be on PATH.
set -euo pipefail

packages=(libcurl4-openssl-dev libsqlite3-dev zlib1g-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift 6.3 is not on PATH (https://www.swift.org/install/linux/)" >&2; exit 1; }
