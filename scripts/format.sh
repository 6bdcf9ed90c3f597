#!/usr/bin/env bash
# Rewrites the Swift sources in the house style (.swift-format); scripts/test.sh checks it.
set -euo pipefail
cd "$(dirname "$0")/.."
swift format format -i -r --configuration .swift-format Sources Tests Benchmarks Package.swift
