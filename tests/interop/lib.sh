# Shared helpers for the interop scripts (sourced). Each script runs in its own temp dir.
set -euo pipefail
: "${SIGNY:?SIGNY must point at the signy binary}"
: "${FIXTURES:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../fixtures" && pwd)}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0
ok() { pass=$((pass + 1)); echo "ok $pass - $*"; }
die() { echo "FAILED: $*" >&2; exit 1; }
# expect_fail CODE MESSAGE-SUBSTRING -- command...: the command must exit CODE and say MESSAGE.
expect_fail() {
  local code=$1 msg=$2; shift 3
  local out rc=0
  out=$("$@" 2>&1 >/dev/null) || rc=$?
  [[ $rc == "$code" ]] || die "expected exit $code, got $rc from: $* ($out)"
  [[ $out == *"$msg"* ]] || die "expected \"$msg\" in: $out"
  [[ $(printf '%s\n' "$out" | wc -l) == 1 ]] || die "error is not one line: $out"
  [[ $out == "signy: "* ]] || die "error does not start with 'signy: ': $out"
}
require() { command -v "$1" >/dev/null || die "$1 is not installed (scripts/deps.sh test installs it)"; }
# make_thick OUT [SEED]: a valid thick bundle (cnab-spec 104) for sign/verify: without SEED the
# bytes of fixtures/cnab/thick/good.tgz (2 images in artifacts/layout), with SEED the same entries
# plus artifacts/seed.txt holding SEED, so each SEED gives other bytes (and digests), the same on
# every run (tar and gzip headers with fixed times). The gzip stream is stored (level 0): SEEDs
# of the same length give bundles of the same length, which only their hashes tell apart.
make_thick() {
  local out=$1 seed=${2-}
  if [[ -z $seed ]]; then
    cp "$FIXTURES/cnab/thick/good.tgz" "$out"
    return
  fi
  python3 - "$FIXTURES/cnab/thick/good.tgz" "$out" "$seed" <<'PY'
import gzip, io, sys, tarfile
good, out, seed = sys.argv[1:]
buf = io.BytesIO()
with tarfile.open(good, "r:gz") as src, tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as dst:
    for m in src.getmembers():
        dst.addfile(m, src.extractfile(m) if m.isfile() else None)
    data = (seed + "\n").encode()
    m = tarfile.TarInfo("artifacts/seed.txt")
    m.size, m.mtime, m.mode = len(data), 1767225600, 0o644
    dst.addfile(m, io.BytesIO(data))
with open(out, "wb") as f:
    f.write(gzip.compress(buf.getvalue(), compresslevel=0, mtime=0))
PY
}
