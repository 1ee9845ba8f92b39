#!/usr/bin/env bash
# The original signy's demo supply chain (scripts/intoto-demo.sh: write-code, package, untar
# inspection) made by in-toto-run, its layout signed with the collection's root key through
# notary-server, verified end to end by in-toto-verify and by `signy verify --in-toto` (the files
# stored in docker-registry); a tampered link, archive or layout fails.
source "$(dirname "$0")/lib.sh"
require notary-server
require docker-registry
require in-toto-verify
require in-toto-run
require in-toto-keygen
: "${SIGNY_TESTTOOL:?}"
start_servers
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
export SIGNY_RELEASES_PASSPHRASE=releases-pass-1
s() { "$SIGNY" -d t --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" "$@"; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# The GUN's registry repository holds the in-toto files (notary-server stores metadata only).
gun=$OCIREG/demo/app
demo="$SOURCE_DIR/scripts/intoto-demo.sh"
export SIGNY SIGNY_FLAGS="-d $work/t --server $NOTARY_URL --tlscacert $NOTARY_CA"

# The collection on notary-server; its root key exported for in-toto-verify.
make_thick seed.tgz
s sign --thick seed.tgz $gun:seed >/dev/null || die "sign"
rid=$(s -o json key list | json '[k["key_id"] for k in d if k["role"]=="root"][0]')
s key export "$rid" --format in-toto >root.pub
# verify_dir DEMO_DIR ARCHIVE: in-toto-verify where only the layout, the links and the archive are.
verify_dir() {
  rm -rf v && mkdir v && cp "$1/root.layout" "$1"/links/*.link "$1/$2" v/
  (cd v && in-toto-verify --layout root.layout --layout-keys ../root.pub -t ecdsa >../verify.out 2>&1)
}

# The original demo: foo.py into foo.tar.gz.
"$demo" --gun $gun demo >/dev/null || die "intoto-demo.sh"
verify_dir demo foo.tar.gz || die "in-toto-verify refuses the demo chain: $(cat verify.out)"
ok "the original demo chain (write-code, package, untar), its layout signed with the root key from notary-server, passes in-toto-verify"

# The thick bundle variant: bob's "code" is a thick bundle's tree, carl packages bundle.tgz, which
# signy signs and verifies through notary-server as the bundle the chain made.
mkdir src && tar xzf "$FIXTURES/cnab/thick/good.tgz" -C src
"$demo" --source src --gun $gun thick >/dev/null || die "intoto-demo.sh --source"
verify_dir thick bundle.tgz || die "in-toto-verify refuses the thick demo chain: $(cat verify.out)"
s sign --thick thick/bundle.tgz $gun:v1 >/dev/null || die "sign the demo's bundle"
s verify --thick --local thick/bundle.tgz $gun:v1 >/dev/null || die "verify the demo's bundle"
ok "the thick-bundle demo chain passes in-toto-verify, and its bundle signs and verifies through notary-server"

# End to end in signy: sign --in-toto publishes the root-signed layout and the links through TUF,
# verify --in-toto runs the chain with the bundle as the artifact (the untar inspection in a
# private directory holding bundle.tgz alone), here and from a trust dir that has only the server.
s sign --thick thick/bundle.tgz $gun:v2 --in-toto --layout thick/root.layout --links thick/links >/dev/null ||
  die "sign --in-toto"
out=$(s verify --thick --local thick/bundle.tgz $gun:v2 --in-toto 2>&1) || die "verify --in-toto: $out"
out=$("$SIGNY" -d fresh --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" verify --thick --local thick/bundle.tgz $gun:v2 --in-toto 2>&1) ||
  die "verify --in-toto from a fresh trust dir: $out"
ok "the demo passes signy sign --in-toto and verify --in-toto through notary-server and docker-registry (root-signed layout)"

# A bundle the chain did not make (the same sources packaged again), signed by the same keys with
# the same layout and links: TUF accepts it, the untar inspection's MATCH refuses it.
mkdir other && (cd src && tar czf ../other/bundle.tgz --mtime=2020-01-01 bundle.json artifacts)
s sign --thick other/bundle.tgz $gun:other --in-toto --layout thick/root.layout --links thick/links >/dev/null || die "sign other"
# An audit policy runs every check and reports them: TUF and the bytes pass, in-toto fails.
printf '{"version": "1.0", "policies": [{"name": "a", "scopes": ["*"], "signatureVerification": {"level": "audit"}}]}' >audit.json
out=$(s --policy audit.json -o json verify --thick --local other/bundle.tgz $gun:other 2>/dev/null) || die "audit verify: $out"
[[ $(jq -r '[.checks[] | .name + "=" + .status] | join(" ")' <<<"$out") == \
   "policy=passed tuf=passed signing-role=passed bundle-digest=passed bundle-schema=passed in-toto=warned images=passed" ]] ||
  die "the other bundle's TUF signature (audit checks): $out"
[[ $(jq -r '.verified' <<<"$out") == false ]] || die "audit: verified is not false: $out"
# The default policy verifies in-toto whenever the target lists it, --in-toto or not.
expect_fail 1 "disallowed artifact 'bundle.tgz'" -- s verify --thick --local other/bundle.tgz $gun:other
expect_fail 1 "disallowed artifact 'bundle.tgz'" -- s verify --thick --local other/bundle.tgz $gun:other --in-toto
# A tampered link, published and signed by targets/releases (TUF accepts it): its functionary's
# signature fails, so the step has no valid link. (The trust dir's one root key is also the second
# collection's, so the same root-signed layout holds there.)
cp -r thick/links badlinks
sed -i 's/"return-value": 0/"return-value": 1/' badlinks/package.*.link
s sign --thick thick/bundle.tgz $gun/tampered:v1 --in-toto --layout thick/root.layout --links badlinks >/dev/null ||
  die "sign with a tampered link"
expect_fail 1 "step 'package' (links validly signed by distinct authorized functionaries): 0 valid" -- s verify --thick --local thick/bundle.tgz $gun/tampered:v1 --in-toto
ok "signy verify --in-toto refuses a bundle the chain did not make and a tampered link, both signed in TUF"

# Root rotation: the published layout signed by the old root key is refused from the new root on;
# signed again (signy layout sign picks the new root key) and published again, the bundle verifies.
s key rotate $gun root >/dev/null || die "rotate root"
expect_fail 1 "in-toto: layout signatures: the layout: 0 valid signature(s) from its keys, threshold is 1" -- s verify --thick --local thick/bundle.tgz $gun:v2 --in-toto
s layout sign thick/layout.json $gun --out thick/root2.layout >/dev/null || die "layout sign after the rotation"
s sign --thick thick/bundle.tgz $gun:v2 --in-toto --layout thick/root2.layout --links thick/links >/dev/null ||
  die "sign --in-toto after the rotation"
s verify --thick --local thick/bundle.tgz $gun:v2 --in-toto >/dev/null || die "verify --in-toto after re-signing"
ok "after signy key rotate GUN root, verify --in-toto refuses the old root key's layout until it is signed and published again"

# Tampering fails: a link's recorded product, the archive, the layout.
cp -r thick bad
sed -i 's/"return-value": 0/"return-value": 1/' bad/links/package.*.link
! verify_dir bad bundle.tgz || die "a tampered link passes"
grep -q "ThresholdVerificationError" verify.out || die "tampered link: $(cat verify.out)"  # in-toto drops a link whose signature fails
rm -rf bad && cp -r thick bad && (cd src && tar czf ../bad/bundle.tgz --mtime=2020-01-01 bundle.json artifacts)
! verify_dir bad bundle.tgz || die "another archive passes"
grep -q "RuleVerificationError" verify.out || die "other archive: $(cat verify.out)"
rm -rf bad && cp -r thick bad && sed -i 's/"threshold": 1/"threshold": 2/' bad/root.layout
! verify_dir bad bundle.tgz || die "a changed layout passes"
grep -q "SignatureVerificationError" verify.out || die "changed layout: $(cat verify.out)"
ok "a tampered link, another archive and a changed layout fail in-toto-verify"
echo "$pass passed, 0 failed"
