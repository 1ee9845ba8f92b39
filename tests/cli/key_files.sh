#!/usr/bin/env bash
# Key files as hostile input (docs/security/key-management.md "Key files signy accepts"): the
# encryption parameters are checked before any key derivation, so an iteration bomb is refused at
# once by every path that reads a key file (key import, sign --root-key, loading from the trust dir).
source "$(dirname "$0")/../interop/lib.sh"
: "${FIXTURES:?}"
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
hex() { od -An -v -tx1 | tr -d ' \n'; }

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null
# enc_key OUT ITERATIONS [SALT_BYTES]: an EncryptedPrivateKeyInfo (PBES2, PBKDF2-HMAC-SHA256,
# AES-256-CBC) assembled by openssl asn1parse -genconf with the given iteration count, a random
# salt, IV and ciphertext: `openssl pkcs8 -iter 2000000000` would itself spend the time to make it.
enc_key() {
  local salt; salt=$(openssl rand "${3:-8}" | hex)
  cat >"$1.cnf" <<EOF
asn1=SEQUENCE:epki
[epki]
alg=SEQUENCE:pbes2
data=FORMAT:HEX,OCTETSTRING:$(openssl rand 144 | hex)
[pbes2]
oid=OID:PBES2
params=SEQUENCE:pbes2params
[pbes2params]
kdf=SEQUENCE:kdf
enc=SEQUENCE:enc
[kdf]
oid=OID:PBKDF2
params=SEQUENCE:kdfparams
[kdfparams]
salt=FORMAT:HEX,OCTETSTRING:$salt
iter=INTEGER:$2
prf=SEQUENCE:prf
[prf]
oid=OID:hmacWithSHA256
null=NULL
[enc]
oid=OID:aes-256-cbc
iv=FORMAT:HEX,OCTETSTRING:$(openssl rand 16 | hex)
EOF
  openssl asn1parse -genconf "$1.cnf" -out "$1.der" >/dev/null
  { echo "-----BEGIN ENCRYPTED PRIVATE KEY-----"; [[ -n ${4:-} ]] && printf 'role: %s\n\n' "$4"
    base64 -w 64 "$1.der"; echo "-----END ENCRYPTED PRIVATE KEY-----"; } >"$1"
}
# quick SECONDS CMD...: the command must fail within SECONDS (timeout's 124 would be a hang).
quick() {
  local limit=$1 rc=0 start=$SECONDS; shift
  timeout "$limit" "$@" >/dev/null 2>&1 || rc=$?
  [[ $rc != 0 && $rc != 124 ]] || die "not refused within ${limit}s (exit $rc): $*"
}

enc_key bomb.pem 2000000000 8 root
quick 5 "$SIGNY" -d t key import bomb.pem --role root
expect_fail 3 "PBKDF2 iteration count 2000000000 is over the limit of 1000000" -- "$SIGNY" -d t key import bomb.pem --role root
make_thick b.tgz
quick 5 "$SIGNY" -d t sign --thick b.tgz localhost:5000/keys/app:v1 --root-key bomb.pem
expect_fail 3 "iteration count 2000000000" -- "$SIGNY" -d t sign --thick b.tgz localhost:5000/keys/app:v1 --root-key bomb.pem
# The same file already in a trust dir (copied there by hand): loading it is refused as fast.
mkdir -p -m 700 l/private
id=$(printf 'bomb' | sha256sum | cut -d' ' -f1)
install -m 600 bomb.pem "l/private/$id.key"
quick 5 "$SIGNY" -d l key export "$id"
expect_fail 3 "iteration count 2000000000" -- "$SIGNY" -d l key export "$id"
[[ -z $(ls t/private 2>/dev/null) ]] || die "a refused key left files: $(ls t/private)"
ok "an iteration-bomb key file is refused at once by key import, sign --root-key and key export"

# Parameters outside what Notary and openssl write, each named in the error.
enc_key few.pem 999
expect_fail 3 "PBKDF2 iteration count 999 is under the minimum of 1000" -- "$SIGNY" -d t key import few.pem --role targets --gun g.example/a
enc_key salt.pem 2048 4
expect_fail 3 "PBKDF2 salt of 4 bytes" -- "$SIGNY" -d t key import salt.pem --role targets --gun g.example/a
pk8() { openssl pkcs8 -topk8 -in ec.pem -passout pass:targets-pass-1 -out "$@" 2>/dev/null; }
pk8 pbes1.pem -v1 PBE-SHA1-3DES
expect_fail 3 "PBES1 (pbeWithSHA1And3-KeyTripleDES-CBC)" -- "$SIGNY" -d t key import pbes1.pem --role targets --gun g.example/a
pk8 scrypt.pem -scrypt
expect_fail 3 "scrypt" -- "$SIGNY" -d t key import scrypt.pem --role targets --gun g.example/a
pk8 md5.pem -v2 aes-256-cbc -v2prf hmacWithMD5
expect_fail 3 "PRF hmacWithMD5" -- "$SIGNY" -d t key import md5.pem --role targets --gun g.example/a
pk8 one.pem -v2 aes-256-cbc -iter 1
expect_fail 3 "iteration count 1 is under" -- "$SIGNY" -d t key import one.pem --role targets --gun g.example/a
pk8 des.pem -v2 des3
expect_fail 3 "cipher des-ede3-cbc" -- "$SIGNY" -d t key import des.pem --role targets --gun g.example/a
# What Notary and openssl write is accepted: the defaults (HMAC-SHA256, 2048) and HMAC-SHA1 with AES-128.
pk8 ok256.pem -v2 aes-256-cbc
pk8 ok128.pem -v2 aes-128-cbc -v2prf hmacWithSHA1 -iter 10000
for f in ok256.pem ok128.pem; do
  out=$("$SIGNY" -d ok key import $f --role targets --gun g.example/a) || die "import $f: $out"
done
ok "PBES1, scrypt, MD5 PRFs, other ciphers, iteration counts and salts outside the limits are refused by name; openssl's defaults import"

# Pairwise consistency: a key file whose public half is another key's is refused when imported
# and when loaded from the trust dir. The SEC1 DER holds the scalar of one key and the public
# point of another, assembled by openssl asn1parse -genconf.
ecfield() { openssl ec -in "$1" -text -noout 2>/dev/null | awk -v f="$2:" '$0 == f {on = 1; next} /^[A-Za-z]/ {on = 0} on' | tr -d ' :\n'; }
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.pem 2>/dev/null
priv=$(ecfield ec.pem priv)
priv=$(printf '%64s' "${priv: -64}" | tr ' ' 0)
printf '%s\n' "asn1=SEQUENCE:ec" "[ec]" "version=INTEGER:1" "priv=FORMAT:HEX,OCTETSTRING:$priv" \
  "params=EXPLICIT:0,OID:prime256v1" "pub=EXPLICIT:1,FORMAT:HEX,BITSTRING:$(ecfield other.pem pub)" >mm.cnf
openssl asn1parse -genconf mm.cnf -out mm.der >/dev/null
openssl ec -inform DER -in mm.der -out mm-sec1.pem 2>/dev/null
openssl ec -in mm-sec1.pem -pubout 2>/dev/null | cmp -s - <(openssl ec -in other.pem -pubout 2>/dev/null) ||
  die "the crafted key does not carry the other key's public point"
openssl pkcs8 -topk8 -nocrypt -in mm-sec1.pem -out mm-p8.pem
openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA1 -in mm-sec1.pem -passout pass:root-pass-1 -out mm-enc.pem
expect_fail 3 "does not match its public key" -- "$SIGNY" -d t key import mm-sec1.pem --role targets --gun g.example/a
expect_fail 3 "does not match its public key" -- "$SIGNY" -d t key import mm-p8.pem --role targets --gun g.example/a
expect_fail 3 "does not match its public key" -- "$SIGNY" -d t key import mm-enc.pem --role root
expect_fail 3 "does not match its public key" -- "$SIGNY" -d t sign --thick b.tgz localhost:5000/keys/app:v1 --root-key mm-enc.pem
[[ -z $(ls t/private 2>/dev/null) ]] || die "a refused key left files: $(ls t/private)"
# In a trust dir, named by the canonical key ID of the public key it claims (Notary's file name).
spki=$(openssl ec -in other.pem -pubout -outform DER 2>/dev/null | base64 -w0)
id=$(printf '{"keytype":"ecdsa","keyval":{"private":null,"public":"%s"}}' "$spki" | sha256sum | cut -d' ' -f1)
{ echo "-----BEGIN ENCRYPTED PRIVATE KEY-----"; printf 'role: root\n\n'; sed 1d mm-enc.pem; } >"l/private/$id.key"
chmod 600 "l/private/$id.key"
expect_fail 3 "does not match its public key" -- "$SIGNY" -d l key export "$id"
ok "an EC key with another key's public point is refused by key import (SEC1, PKCS#8, encrypted), sign --root-key and key export"

# One PEM block per file; role and gun headers agree with the flags (a missing one takes the other).
cat ok256.pem ok128.pem >two.pem
expect_fail 3 "more than one PEM block" -- "$SIGNY" -d h key import two.pem --role targets --gun g.example/a
{ cat ok256.pem; echo trailing; } >trail.pem
expect_fail 3 "data after the PEM block" -- "$SIGNY" -d h key import trail.pem --role targets --gun g.example/a
"$SIGNY" -d h key generate --role targets --gun localhost:5000/keys/app >/dev/null
tid=$(ls h/private | sed 's/\.key$//')
cp "h/private/$tid.key" headered.pem
expect_fail 2 "role header says \"targets\", not \"root\"" -- "$SIGNY" -d h2 key import headered.pem --role root
expect_fail 2 "gun header says \"localhost:5000/keys/app\", not \"g.example/b\"" -- "$SIGNY" -d h2 key import headered.pem --gun g.example/b
expect_fail 2 "give --gun" -- "$SIGNY" -d h2 key import ok256.pem --role snapshot
expect_fail 2 "root keys belong to no collection" -- "$SIGNY" -d h2 key import ok256.pem --role root --gun g.example/a
out=$("$SIGNY" -d h2 -o json key import headered.pem)
[[ $out == *'"gun": "localhost:5000/keys/app"'* && $out == *'"role": "targets"'* ]] || die "headers did not decide: $out"
ok "a second PEM block or trailing data is refused; role and gun flags that disagree with the headers are refused"

# key list: an unparsable file is one warning naming it; the other keys are listed, and sign
# still finds its keys. An open private/ is refused for loading and warned about by key list.
printf 'garbage\n' >"h/private/$(printf x | sha256sum | cut -d' ' -f1).key"
chmod 600 h/private/*.key
out=$("$SIGNY" -d h key list 2>err) || die "key list failed: $(cat err)"
[[ $out == *"$tid"* ]] || die "the good key is not listed: $out"
[[ $(wc -l <err) == 1 && $(cat err) == "signy: warning: "*"h/private/"*".key: no PEM block" ]] || die "warning: $(cat err)"
"$SIGNY" -d h sign --thick b.tgz localhost:5000/keys/app:v1 >/dev/null 2>err || die "sign next to an unparsable key file: $(cat err)"
[[ $(grep -c "warning: skipping a key file" err) == 1 ]] || die "sign should warn once: $(cat err)"
chmod 755 h/private
expect_fail 5 "chmod 700" -- "$SIGNY" -d h key export "$tid"
expect_fail 5 "chmod 700" -- "$SIGNY" -d h key generate --role targets/x
"$SIGNY" -d h key list 2>err >/dev/null || die "key list with an open private/: $(cat err)"
grep -q "mode 0755.*chmod 700" err || die "no warning about private/: $(cat err)"
ok "key list warns about an unparsable file and lists the rest; sign is not blocked; an open private/ is refused"
echo "$pass passed, 0 failed"
