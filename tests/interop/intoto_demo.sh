#!/usr/bin/env bash
# The original signy's demo supply chain (scripts/intoto-demo.sh: write-code, package, untar
# inspection) made by in-toto-run, its layout signed with the collection's root key through
# notary-server, verified end to end; a tampered link, archive or layout fails.
source "$(dirname "$0")/lib.sh"
require notary-server
require in-toto-verify
require in-toto-run
require in-toto-keygen
: "${SIGNY_TESTTOOL:?}"
source "${SOURCE_DIR:?}/scripts/notary-harness.sh"
trap 'notary_harness_stop; rm -rf "$work"' EXIT
notary_harness_start "$work/server" local >/dev/null
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
s() { "$SIGNY" -d t --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" "$@"; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
gun=127.0.0.1:5000/demo/app
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
