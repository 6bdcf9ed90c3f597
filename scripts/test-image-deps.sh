#!/usr/bin/env bash
# Checks that the collector image's runtime stage installs exactly what the release binary links.
# No Docker engine is needed: this builds the binary as the Dockerfile's build stage does
# (swift build -c release --product pipeline --static-swift-stdlib), on this Debian 12 machine,
# then:
#   - reads its direct dependencies (DT_NEEDED, readelf) and where ldd resolves them, and maps
#     each to its Debian package (dpkg -S);
#   - the base image's packages are those of debian:bookworm-slim: Priority "required" plus apt
#     and everything they depend on (that is how the slim image is made), from this machine's dpkg
#     database;
#   - asserts: the packages linked = the linked libraries of charts/collector-image/runtime-packages.txt
#     (the file the Dockerfile's runtime stage installs) plus base packages; every listed
#     library is linked; every library ldd loads (transitively) comes from a package that the
#     listed and base packages depend on; nothing of Swift is linked dynamically; the binary runs.
# The release build takes several minutes on 2 cores (incremental afterwards).
# Ends with "N passed, M failed"; exits 1 if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
list=charts/collector-image/runtime-packages.txt
dockerfile=charts/collector-image/Dockerfile
scratch=.build-release-static
for tool in readelf ldd dpkg dpkg-query python3; do
    command -v "$tool" >/dev/null || { echo "test-image-deps: $tool is missing (readelf: apt-get install binutils)" >&2; exit 1; }
done

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; [ -z "${2:-}" ] || sed 's/^/    /' <<<"$2"; }

# The Dockerfile installs the list in its runtime stage and builds the way this script does.
if grep -q "^COPY charts/collector-image/runtime-packages.txt" "$dockerfile" \
    && awk '/^FROM .* AS runtime/{r=1} r && /runtime-packages.txt/ && /apt-get install|xargs/{f=1} END{exit !f}' "$dockerfile" \
    && ! awk '/^FROM .* AS runtime/{r=1} r && /apt-get install/ && !/--no-install-recommends/{bad=1} END{exit !bad}' "$dockerfile"; then
    pass "the Dockerfile's runtime stage installs $list (with --no-install-recommends)"
else
    fail "the Dockerfile's runtime stage does not install $list"
fi
if grep -Eq 'swift build -c release --product pipeline --static-swift-stdlib' "$dockerfile"; then
    pass "the Dockerfile builds with -c release --static-swift-stdlib, as tested here"
else
    fail "the Dockerfile's build command differs from the one tested here"
fi
if grep -Eq '^ARG RUNTIME_IMAGE=debian:bookworm-slim$' "$dockerfile"; then
    pass "the runtime image is debian:bookworm-slim"
else
    fail "the runtime image is not debian:bookworm-slim (the base packages below assume it)"
fi

start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! swift build -c release --product pipeline --static-swift-stdlib --scratch-path "$scratch" >"$log" 2>&1; then
    fail "release build with --static-swift-stdlib" "$(tail -30 "$log")"
    echo "$passed passed, $failed failed"
    exit 1
fi
binary="$(swift build -c release --product pipeline --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)/pipeline"
pass "release build with --static-swift-stdlib ($(( $(date +%s) - start )) s)"

if version=$("$binary" --version 2>&1); then pass "the release binary runs ($version)"; else fail "the release binary runs" "$version"; fi

status=0
out=$(python3 - "$binary" "$list" <<'PY'
import os, re, subprocess, sys
binary, listfile = sys.argv[1], sys.argv[2]
ok = True
def report(good, text, detail=""):
    global ok
    ok &= good
    print(("PASS " if good else "FAIL ") + text + ("" if good or not detail else "\n    " + detail))

def run(*args):
    return subprocess.run(args, capture_output=True, text=True)

# The runtime packages: name, and whether it is a linked library (not "# not linked").
listed, data_only = set(), set()
for line in open(listfile):
    body, _, comment = line.partition("#")
    name = body.strip()
    if not name:
        continue
    (data_only if comment.strip().startswith("not linked") else listed).add(name)

needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run("readelf", "-d", binary).stdout)
ldd = {}
for line in run("ldd", binary).stdout.splitlines():
    m = re.match(r"\s*(\S+) => (\S+)", line)
    if m:
        ldd[m.group(1)] = m.group(2)
    else:
        m = re.match(r"\s*(/\S+) \(", line)
        if m:
            ldd[os.path.basename(m.group(1))] = m.group(1)
report(bool(needed), f"readelf finds the binary's direct dependencies: {', '.join(needed)}")
swift = [n for n in needed if re.match(r"lib(swift|Foundation|_Foundation|dispatch|BlocksRuntime|XCTest)", n)]
report(not swift, "no Swift runtime library is linked dynamically (static stdlib and Foundation)", str(swift))
missing = [n for n in needed if n not in ldd or ldd[n] == "not"]
report(not missing, "ldd resolves every direct dependency", str(missing))

def package_of(path):
    candidates = [path, os.path.realpath(path)]
    for p in list(candidates):
        if p.startswith("/usr/lib/"): candidates.append(p[4:])
        elif p.startswith("/lib/"): candidates.append("/usr" + p)
    for p in candidates:
        r = run("dpkg", "-S", p)
        if r.returncode == 0:
            return r.stdout.split(":")[0].split(",")[0].strip()
    return None

def installed():
    out = run("dpkg-query", "-W", "-f", "${Package}\t${Status}\t${Priority}\t${Pre-Depends}\t${Depends}\t${Provides}\n").stdout
    deps, priority, provides = {}, {}, {}
    for line in out.splitlines():
        name, status, prio, pre, dep, prov = (line.split("\t") + [""] * 6)[:6]
        if status.split()[-1:] != ["installed"]:
            continue
        names = []
        for clause in filter(None, (c.strip() for c in (pre + "," + dep).split(","))):
            for alt in clause.split("|"):
                names.append(re.split(r"[\s(:]", alt.strip())[0])
        deps[name] = names
        priority[name] = prio
        for p in filter(None, (c.strip() for c in prov.split(","))):
            provides.setdefault(re.split(r"[\s(]", p)[0], []).append(name)
    return deps, priority, provides

deps, priority, provides = installed()
def closure(roots):
    seen, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        for q in [p] + provides.get(p, []):
            if q in deps and q not in seen:
                seen.add(q)
                todo.extend(deps[q])
    return seen

# debian:bookworm-slim is debootstrap's minbase variant: the "required" packages and apt.
base = closure([p for p, prio in priority.items() if prio == "required"] + ["apt"])
report("libc6" in base and "apt" in base, f"the base image's packages, from this machine's dpkg database ({len(base)} packages)")

direct = {}
for n in needed:
    if n in ldd:
        pkg = package_of(ldd[n])
        report(pkg is not None, f"{n} ({ldd[n]}) belongs to a Debian package: {pkg}", "dpkg -S found none")
        if pkg: direct[n] = pkg
linked = set(direct.values())
extra = sorted(p for p in linked - listed if p not in base)
report(not extra, f"every package linked is in {os.path.basename(listfile)} or the base image "
       f"(linked: {', '.join(sorted(linked))})", f"not installed by the runtime stage: {extra}")
unused = sorted(listed - linked)
report(not unused, f"every library package the runtime stage installs is linked ({', '.join(sorted(listed))})",
       f"installed but not linked: {unused} (mark it '# not linked: why' or remove it)")
for p in sorted(listed | data_only):
    report(p in deps, f"{p} is a Debian 12 package (installed here)", "dpkg-query does not know it")

# Transitive: every library ldd loads comes from a package the runtime stage's packages (and the
# base image) pull in, so apt installs it with them.
pulled = closure(listed | data_only) | base
loose = []
for soname, path in sorted(ldd.items()):
    pkg = package_of(path)
    if pkg is None or pkg not in pulled:
        loose.append(f"{soname} ({pkg})")
report(not loose, f"all {len(ldd)} libraries ldd loads come with those packages", f"not pulled in: {loose}")
sys.exit(0 if ok else 1)
PY
) || status=$?
echo "$out"
passed=$((passed + $(grep -c '^PASS' <<<"$out" || true)))
failed=$((failed + $(grep -c '^FAIL' <<<"$out" || true)))
[ "$status" -eq 0 ] || [ "$(grep -c '^FAIL' <<<"$out" || true)" -gt 0 ] || fail "the dependency check crashed"

echo
echo "image deps: $passed passed, $failed failed ($(( $(date +%s) - start )) s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
