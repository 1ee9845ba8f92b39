#!/usr/bin/env bash
# CA trust pinning (trust_pinning.ca in <trust dir>/config.json, notary's format) against a real
# notary-server: a collection created by `notary init --rootkey --rootcert` with a root
# certificate issued by a CA (made here with the openssl CLI). signy and the notary CLI, given the
# same config, accept it when that CA is pinned and refuse it under another CA, or when the leaf's
# extended key usage excludes server authentication (Go's default in notary's check).
source "$(dirname "$0")/lib.sh"
require notary-server
require notary
require openssl
source "${SOURCE_DIR:?}/scripts/notary-harness.sh"
trap 'notary_harness_stop; rm -rf "$work"' EXIT
notary_harness_start "$work/server" >/dev/null
export NOTARY_ROOT_PASSPHRASE=root-pass-1 NOTARY_TARGETS_PASSPHRASE=targets-pass-1 NOTARY_SNAPSHOT_PASSPHRASE=snap-pass-1
n() { notary -d "$1" -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" "${@:2}"; }
s() { "$SIGNY" -d "$1" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" "${@:2}"; }

make_ca() {  # make_ca NAME
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj "/CN=$1" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign -keyout "$1.key" -out "$1.crt" 2>/dev/null
}
# collection GUN CA [EXTRA-EXT]: a root key and a certificate for GUN issued by CA, then
# notary init --rootkey --rootcert and one target.
collection() {
  local gun=$1 ca=$2 name=${1##*/}
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.plain" 2>/dev/null
  # Notary decrypts PBES2 with PBKDF2-HMAC-SHA1 (as it writes its own keys).
  openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA1 -in "$name.plain" -passout pass:"$NOTARY_ROOT_PASSPHRASE" -out "$name.key"
  openssl req -new -key "$name.plain" -subj "/CN=${gun//\//\\/}" -out "$name.csr"
  printf 'keyUsage=critical,digitalSignature\nbasicConstraints=critical,CA:FALSE\n%s\n' "${3:-}" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -days 3000 -extfile "$name.ext" \
    -out "$name.crt" 2>/dev/null
  n "nt-$name" init "$gun" --rootkey "$name.key" --rootcert "$name.crt" -p >/dev/null || die "notary init --rootcert $gun"
  n "nt-$name" add "$gun" v1 b.tgz -p >/dev/null || die "notary add $gun"
}
pin() {  # pin DIR CA-FILE: a trust dir whose config pins CA-FILE for 127.0.0.1:5000/pinned/
  mkdir -p "$1"
  printf '{"trust_pinning":{"ca":{"127.0.0.1:5000/pinned/":"%s"},"disable_tofu":true}}\n' "$2" >"$1/config.json"
}
make_thick b.tgz 'bundle'
make_ca org-ca
make_ca other-ca
collection 127.0.0.1:5000/pinned/app org-ca
collection 127.0.0.1:5000/pinned/codesign org-ca "extendedKeyUsage=codeSigning"
gun=127.0.0.1:5000/pinned/app

pin good "$PWD/org-ca.crt"
out=$(s good verify --thick --local b.tgz $gun:v1 2>&1) || die "signy refuses the CA-pinned collection: $out"
[[ $out != *"first use"* ]] || die "a CA-pinned root was trusted on first use: $out"
n good -c good/config.json list $gun >/dev/null 2>&1 || die "notary refuses the CA-pinned collection"
ok "a root certified by the pinned CA is accepted without trust on first use (signy and notary)"

pin other "$PWD/other-ca.crt"
expect_fail 1 "not signed by keys the pinned CA" -- s other verify --thick --local b.tgz $gun:v1
! n other -c other/config.json list $gun >/dev/null 2>&1 || die "notary accepted a root under another CA"
[[ ! -e other/tuf/$gun/metadata/root.json ]] || die "a refused root was cached"
pin rel org-ca.crt  # relative to the trust dir
cp org-ca.crt rel/
s rel list $gun >/dev/null 2>&1 || die "a CA path relative to the trust dir is not found"
ok "a root under another CA is refused (signy and notary) and not cached; relative CA paths"

expect_fail 1 "no valid chain to the pinned CA" -- s good verify --thick --local b.tgz 127.0.0.1:5000/pinned/codesign:v1
! n good -c good/config.json list 127.0.0.1:5000/pinned/codesign >/dev/null 2>&1 || die "notary accepted a codeSigning-only leaf"
ok "a leaf whose extended key usage excludes server authentication is refused, as notary does"

pin bad "$PWD/b.tgz"
expect_fail 3 "pinned CA bundle" -- s bad list $gun
pin missing "$PWD/nothing.crt"
expect_fail 5 "pinned CA" -- s missing list $gun
ok "a malformed or missing CA bundle is a clear error"
echo "$pass passed, 0 failed"
