#!/usr/bin/env bash
# in-toto interop in both directions: signy verifies what in-toto 1.3 signed, and in-toto-verify
# accepts layouts and links signed with signy's crypto and keys from signy's key store.
source "$(dirname "$0")/lib.sh"
require in-toto-verify
: "${SIGNY_TESTTOOL:?}" "${FIXTURES:?}"
py=/usr/bin/python3
F=$FIXTURES/intoto
T=$SIGNY_TESTTOOL

# in-toto -> signy: links by each key type and the layout verify in signy.
for t in rsa ed25519 ecdsa; do "$T" verify "$F/build-$t.link" "$F/$t.pub" >/dev/null || die "signy rejects the $t link"; done
"$T" verify "$F/root.layout" "$F/rsa.pub" >/dev/null || die "signy rejects the layout"
ok "signy verifies in-toto-run links (rsa, ed25519, ecdsa) and the in-toto layout"

# signy -> in-toto: signy re-signs the layout and a link with in-toto's own key files.
cp -r "$F/work" w
cp "$F/rsa.pub" "$F/ed25519.pub" .
"$T" sign "$F/root.layout" w/root.layout --sslib-key "$F/rsa" >/dev/null
id=$("$T" sign "$F/build-ed25519.link" w/tmp.link --sslib-key "$F/ed25519")
mv w/tmp.link "w/build.${id:0:8}.link"
(cd w && in-toto-verify --layout root.layout --layout-keys ../rsa.pub >/dev/null 2>&1) || die "in-toto-verify rejects signy's signatures"
ok "in-toto-verify accepts a layout (RSA-PSS) and a link (Ed25519) signed by signy"

# Encrypted in-toto keys load with the password, and refuse a wrong one.
"$T" sign "$F/build-rsa.link" x.link --sslib-key "$F/rsa-enc" --password fixture-intoto-pass >/dev/null || die "encrypted rsa key"
"$T" sign "$F/build-ed25519.link" x.link --sslib-key "$F/ed25519-enc" --password fixture-intoto-pass >/dev/null || die "encrypted ed25519 key"
! "$T" sign "$F/build-ed25519.link" x.link --sslib-key "$F/ed25519-enc" --password wrong 2>err || die "wrong password accepted"
grep -q "wrong password" err || die "wrong password error: $(cat err)"
ok "securesystemslib-encrypted keys decrypt with the password and refuse a wrong one"

# Keys from signy's key store, exported as securesystemslib dicts, are functionaries in a
# layout made and signed by in-toto; their links signed by signy pass in-toto-verify.
export SIGNY_RELEASES_PASSPHRASE=ci-pass-1234
for t in ed25519 ecdsa rsa; do
  rm -rf v && cp -r "$F/work" v && rm -f v/*.link
  kid=$("$SIGNY" -d store -o json key generate --role targets/ci-$t --type "$t" | sed -n 's/.*"key_id": "\(.*\)".*/\1/p')
  "$SIGNY" -d store key export "$kid" --format in-toto >"signy-$t.pub"
  "$py" - "signy-$t.pub" <<'PY'
import json, sys
from in_toto.models.layout import Layout, Step
from in_toto.models.metadata import Metablock
pub = json.load(open(sys.argv[1]))
step = Step(name="build", expected_materials=[["ALLOW", "src/*"], ["DISALLOW", "*"]],
            expected_products=[["ALLOW", "out/*"], ["DISALLOW", "*"]], threshold=1)
step.pubkeys = [pub["keyid"]]
Metablock(signed=Layout(expires="2036-01-01T00:00:00Z", steps=[step], keys={pub["keyid"]: pub})).dump("v/root.layout")
PY
  in-toto-sign -f v/root.layout -k "$F/rsa" -t rsa >/dev/null
  lid=$("$T" sign "$F/build-rsa.link" v/tmp.link --store store --key-id "$kid")
  mv v/tmp.link "v/build.${lid:0:8}.link"
  (cd v && in-toto-verify --layout root.layout --layout-keys ../rsa.pub >/dev/null 2>&1) || die "in-toto-verify rejects the $t key from signy's store"
  # A tampered link is refused by in-toto: the check is real.
  sed -i 's/"_type": *"link"/"_type":"link","name":"tampered"/; s/"name": *"build"/"name":"evil"/' "v/build.${lid:0:8}.link"
  ! (cd v && in-toto-verify --layout root.layout --layout-keys ../rsa.pub >/dev/null 2>&1) || die "tampered link accepted"
done
ok "in-toto-verify accepts links signed with ed25519, ecdsa and rsa keys from signy's key store, and refuses them tampered"
echo "$pass passed, 0 failed"
