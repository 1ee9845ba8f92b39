#!/usr/bin/env bash
# Layouts signed by `signy layout sign` pass in-toto-verify (issue 9 items 5 and 8): with the
# collection's root ECDSA key (exported with `signy key export --format in-toto`) and with
# dedicated Ed25519 and RSA layout keys, on a chain in-toto-run makes here. Only the root keys of
# the trusted root.json anchor a layout (api::root_layout_trust, through signy-testtool), and a
# root rotation moves the anchor: the old root key's layout is refused, re-signing is accepted.
source "$(dirname "$0")/lib.sh"
require in-toto-verify
require in-toto-run
require in-toto-keygen
: "${SIGNY_TESTTOOL:?}"
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
export SIGNY_RELEASES_PASSPHRASE=layout-pass-1
s() { "$SIGNY" -d t "$@"; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
gun=example.com/org/app
make_thick b.tgz
s sign --thick b.tgz $gun:v1 >/dev/null || die "sign"
root_json=t/tuf/$gun/metadata/root.json
rid=$(s -o json key list | json '[k["key_id"] for k in d if k["role"]=="root"][0]')
s key export "$rid" --format in-toto >root.pub

# The supply chain, made now: a functionary key, a step "package" run by in-toto-run, and an
# inspection that untars the package and must find the sources the step packaged.
in-toto-keygen -t ed25519 dev >/dev/null
mkdir -p chain/src
printf 'print("hello")\n' >chain/src/app.py
/usr/bin/python3 - dev.pub <<'PY'  # the Debian in-toto's python, for securesystemslib
import json, sys
from securesystemslib.interface import import_ed25519_publickey_from_file
pub = import_ed25519_publickey_from_file(sys.argv[1])
layout = {
    "_type": "layout", "expires": "2036-01-01T00:00:00Z", "readme": "signy layout sign interop",
    "keys": {pub["keyid"]: pub},
    "steps": [{"_type": "step", "name": "package", "threshold": 1, "pubkeys": [pub["keyid"]],
               "expected_command": ["tar", "--mtime=2026-01-01", "-czf", "app.tgz", "src"],
               "expected_materials": [["ALLOW", "src/*"], ["DISALLOW", "*"]],
               "expected_products": [["CREATE", "app.tgz"], ["ALLOW", "src/*"], ["DISALLOW", "*"]]}],
    "inspect": [{"_type": "inspection", "name": "untar", "run": ["tar", "xzf", "app.tgz"],
                 "expected_materials": [["MATCH", "app.tgz", "WITH", "PRODUCTS", "FROM", "package"],
                                        ["ALLOW", "src/*"], ["ALLOW", "root.layout"], ["DISALLOW", "*"]],
                 "expected_products": [["MATCH", "src/app.py", "WITH", "MATERIALS", "FROM", "package"],
                                       ["ALLOW", "app.tgz"], ["ALLOW", "root.layout"], ["DISALLOW", "*"]]}],
}
json.dump(layout, open("layout.json", "w"))
PY
(cd chain && in-toto-run -n package -k ../dev -t ed25519 -m src -p app.tgz src -- tar --mtime=2026-01-01 -czf app.tgz src >/dev/null) ||
  die "in-toto-run"
# in_toto_verify LAYOUT KEYFILE [TYPE]: in-toto-verify in a copy of the chain (output in verify.out).
in_toto_verify() {
  rm -rf v && cp -r chain v && cp "$1" v/root.layout
  (cd v && in-toto-verify --layout root.layout --layout-keys "../$2" ${3:+-t "$3"} >../verify.out 2>&1)
}

# Root ECDSA key.
s layout sign layout.json $gun --out root-signed.layout >/dev/null || die "layout sign with the root key"
in_toto_verify root-signed.layout root.pub ecdsa || die "in-toto-verify refuses the root-signed layout: $(cat verify.out)"
# The check is real: a tampered package fails the inspection's MATCH, a changed layout its signature.
cp chain/app.tgz keep.tgz && (cd chain && tar --mtime=2025-01-01 -czf app.tgz src)
! in_toto_verify root-signed.layout root.pub ecdsa || die "in-toto-verify accepts a tampered package"
grep -q "RuleVerificationError" verify.out || die "tampered package: $(cat verify.out)"
mv keep.tgz chain/app.tgz
sed 's/signy layout sign interop/changed/' root-signed.layout >changed.layout
! in_toto_verify changed.layout root.pub ecdsa || die "in-toto-verify accepts a changed root-signed layout"
grep -q "SignatureVerificationError" verify.out || die "changed layout: $(cat verify.out)"
ok "a layout signed with the root ECDSA key passes in-toto-verify --layout-keys (key export --format in-toto) -t ecdsa; tampered, it fails"

# Dedicated layout keys: Ed25519 (securesystemslib JSON) and RSA (PEM, as in-toto reads RSA keys).
for t in ed25519 rsa; do
  kid=$(s -o json key generate --role targets/layout-$t --type $t | json 'd["key_id"]')
  s key export "$kid" --format in-toto >"$t.json"
  s layout sign layout.json $gun --key "$kid" --out "$t.layout" >/dev/null || die "layout sign --key ($t)"
  if [[ $t == rsa ]]; then
    json 'd["keyval"]["public"]' <rsa.json >rsa.pem
    in_toto_verify rsa.layout rsa.pem || die "in-toto-verify refuses the RSA-signed layout: $(cat verify.out)"
  else
    in_toto_verify ed25519.layout ed25519.json ed25519 || die "in-toto-verify refuses the Ed25519-signed layout: $(cat verify.out)"
  fi
  ! in_toto_verify "$t.layout" root.pub ecdsa || die "the $t-signed layout passes with the root key"
  grep -q "SignatureVerificationError" verify.out || die "$t layout with the root key: $(cat verify.out)"
done
ok "layouts signed with dedicated Ed25519 and RSA layout keys pass in-toto-verify with their exported keys"

# The anchor: root.json's root keys and threshold (api::root_layout_trust).
out=$("$SIGNY_TESTTOOL" layout-trust $root_json root-signed.layout) || die "root_layout_trust refuses the root-signed layout: $out"
[[ $out == *"root layout key $(json 'd["keyid"]' <root.pub)"* ]] || die "root_layout_trust's key ID is not key export's: $out"
for t in ed25519 rsa; do
  rc=0; "$SIGNY_TESTTOOL" layout-trust $root_json "$t.layout" >/dev/null 2>err || rc=$?
  [[ $rc == 1 ]] && grep -q "signed by 0 of the 1 root keys" err || die "a layout signed with a key not in root.json is anchored ($t): $(cat err)"
done
ok "root_layout_trust gives the exported root key's ID; layouts signed with keys not in root.json do not verify against it"

# Root rotation: the old root key's layout no longer verifies; signing again uses the new key.
new=$(s -o json key rotate $gun root | json 'd["stored_key_id"]')
[[ -n $new && $new != "$rid" ]] || die "root rotation"
s key export "$new" --format in-toto >new-root.pub
rc=0; "$SIGNY_TESTTOOL" layout-trust $root_json root-signed.layout >/dev/null 2>err || rc=$?
[[ $rc == 1 ]] && grep -q "signed by 0 of the 1" err || die "the old root key's layout verifies after the rotation: $(cat err)"
! in_toto_verify root-signed.layout new-root.pub ecdsa || die "in-toto-verify accepts the old layout with the new root key"
grep -q "SignatureVerificationError" verify.out || die "old layout, new root key: $(cat verify.out)"
out=$(s layout sign layout.json $gun --out new.layout) || die "layout sign after the rotation"
[[ $out == *"with root key $new (in-toto key ID $(json 'd["keyid"]' <new-root.pub))" ]] || die "not signed with the new root key: $out"
"$SIGNY_TESTTOOL" layout-trust $root_json new.layout >/dev/null || die "the re-signed layout is refused"
in_toto_verify new.layout new-root.pub ecdsa || die "in-toto-verify refuses the re-signed layout: $(cat verify.out)"
ok "after signy key rotate GUN root, the old root key's layout is refused; re-signed with the new root key it is accepted"
echo "$pass passed, 0 failed"
