#!/usr/bin/env python3
"""Each target of Package.swift imports only the project's modules it declares as dependencies.

A warm build finds any module it has built, declared or not; a clean clone does not (CI once
failed on a test target importing FakeGitHub undeclared). Run by scripts/test.sh before the build.
"""
import glob
import re
import sys

package = open("Package.swift").read()
targets = {}
for match in re.finditer(r'\.(testTarget|target|executableTarget|systemLibrary)\(\s*name: "(\w+)"(.*?)\)\s*,\s*\n', package, re.S):
    kind, name, body = match.groups()
    deps = re.search(r"dependencies: \[([^\]]*)\]", body)
    path = re.search(r'path: "([^"]+)"', body)
    default = ("Tests/" if kind == "testTarget" else "Sources/") + name
    targets[name] = (set(re.findall(r'"(\w+)"', deps.group(1))) if deps else set(), path.group(1) if path else default)

faults = []
for name, (deps, path) in sorted(targets.items()):
    for file in sorted(glob.glob(path + "/**/*.swift", recursive=True)):
        for number, line in enumerate(open(file, encoding="utf-8"), 1):
            found = re.match(r"\s*(?:@testable |@preconcurrency )?import (\w+)", line)
            if found and found.group(1) in targets and found.group(1) != name and found.group(1) not in deps:
                faults.append(f"{file}:{number}: target {name} imports {found.group(1)} without declaring it in Package.swift")
for fault in faults:
    print(fault, file=sys.stderr)
sys.exit(1 if faults else 0)
