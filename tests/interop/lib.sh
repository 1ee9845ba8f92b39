# Shared helpers for the interop scripts (sourced). Each script runs in its own temp dir.
set -euo pipefail
: "${SIGNY:?SIGNY must point at the signy binary}"
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
