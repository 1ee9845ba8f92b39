#!/usr/bin/env bash
# The cached root is the trust anchor (issue 7 item 5): present but unusable (a directory, a FIFO,
# garbage, over the size limit, not signed by its own keys) it fails closed with exit 5, naming
# the file and `signy delete GUN`; nothing is trusted on first use, and sign does not create a
# new collection over it. `signy delete GUN` is the reset.
source "$(dirname "$0")/../interop/lib.sh"
: "${FIXTURES:?}"
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
make_thick bundle.tgz
make_thick b2.tgz b2
ref=localhost:5000/demo/app
s() { timeout 10 "$SIGNY" -d trust "$@"; }
s sign --thick bundle.tgz $ref:v1 >/dev/null || die "first sign"
root=$PWD/trust/tuf/$ref/metadata/root.json
tuf=trust/server/v2/$ref/_trust/tuf
cp "$root" root.good
server_state() { [[ -s $tuf/root.json ]] || die "no published root.json in $tuf"; sha256sum "$tuf"/*.json | sha256sum; ls trust/private | sort | sha256sum; }
before=$(server_state)

damage() {
  rm -rf "$root"
  case $1 in
    directory) mkdir "$root" ;;
    fifo) mkfifo "$root" ;;
    link-to-dir) mkdir -p elsewhere && ln -s "$PWD/elsewhere" "$root" ;;
    loop) ln -s root.json "$root" ;;
    garbage) printf 'not json' >"$root" ;;
    empty) : >"$root" ;;
    oversized) head -c $((5 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$root" ;;
    bad-signature) python3 - root.good "$root" <<'PY' ;;
import json, sys
d = json.load(open(sys.argv[1])); d["signed"]["version"] = 9
open(sys.argv[2], "w").write(json.dumps(d, separators=(",", ":")))
PY
  esac
}
for kind in directory fifo link-to-dir loop garbage empty oversized bad-signature; do
  damage $kind
  # expect_fail also checks the error is the only line: no first-use warning was printed.
  expect_fail 5 "$root" -- s verify --thick --local bundle.tgz $ref:v1
  expect_fail 5 "signy delete $ref" -- s list $ref
  expect_fail 5 "cached trusted root" -- s sign --thick b2.tgz $ref:v2
  [[ $(server_state) == "$before" ]] || die "$kind: sign changed the repository or the keys"
  [[ -e $root || -L $root ]] || die "$kind: the damaged root was removed"
  [[ ! -f $root || $(sha256sum <"$root") != $(sha256sum <root.good) ]] || die "$kind: the root was replaced"
  ok "a cached root.json that is $kind: verify, list and sign refused with exit 5, nothing trusted, nothing published"
done
out=$(s -o json verify --thick --local bundle.tgz $ref:v1 2>&1) && die "json verify passed: $out"

# The reset the message names: forget the collection, then first use again (with its warning).
s delete $ref >/dev/null || die "delete"
out=$(s verify --thick --local bundle.tgz $ref:v1 2>&1) || die "verify after the reset: $out"
[[ $out == *"first use"* && $out == *Verified* ]] || die "verify after the reset: $out"
cmp -s "$root" root.good || die "the reset did not bring back the collection's root"
ok "signy delete GUN resets a damaged anchor; the next verify trusts on first use with its warning"
echo "$pass passed, 0 failed"
