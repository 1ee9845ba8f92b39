#!/usr/bin/env bash
# The trust directory is shared with the real notary CLI in both directions.
source "$(dirname "$0")/lib.sh"
require notary
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_RELEASES_PASSPHRASE=releases-pass-1
export NOTARY_ROOT_PASSPHRASE=root-pass-1 NOTARY_TARGETS_PASSPHRASE=targets-pass-1 NOTARY_DELEGATION_PASSPHRASE=releases-pass-1

# signy -> notary: every key type signy writes is listed by notary and decrypted by its own code
# (`key passwd` decrypts and re-encrypts), then still loads in signy.
"$SIGNY" -d s key generate --role root >/dev/null
"$SIGNY" -d s key generate --role targets --gun example.com/org/app >/dev/null
"$SIGNY" -d s key generate --role targets/releases --type ed25519 >/dev/null
"$SIGNY" -d s key generate --role targets/ci --type rsa >/dev/null
[[ $(stat -c %a s) == 700 && $(stat -c %a s/private) == 700 ]] || die "trust dir permissions"
for f in s/private/*.key; do [[ $(stat -c %a "$f") == 600 ]] || die "$f is not 0600"; done
listed=$(notary -d s key list)
for id in $(ls s/private | sed 's/\.key$//'); do
  grep -q "$id" <<<"$listed" || die "notary does not list $id"
done
grep -q "targets  *example.com/org/app" <<<"$listed" || die "notary does not see the targets key's gun"
ok "notary key list shows the 4 keys signy generated with their roles and gun"
for id in $(ls s/private | sed 's/\.key$//'); do
  notary -d s key passwd "$id" </dev/null >/dev/null 2>&1 || die "notary cannot decrypt $id"
  "$SIGNY" -d s key export "$id" >/dev/null || die "signy cannot load $id after notary rewrote it"
done
ok "notary decrypts and rewrites ecdsa, ed25519 and rsa keys written by signy; signy loads them back"

# notary -> signy: keys notary generates are listed, loaded and their public keys match.
notary -d n key generate ecdsa --role root >/dev/null 2>&1
notary -d n key generate ecdsa --role targets/releases >/dev/null 2>&1
[[ $("$SIGNY" -d n -o json key list | grep -c '"key_id"') == 2 ]] || die "signy does not list notary's keys"
for id in $(ls n/private | sed 's/\.key$//'); do
  pub=$("$SIGNY" -d n key export "$id")
  # The canonical key ID notary named the file with is the sha256 of the exported key JSON.
  [[ $(printf '%s' "$pub" | sha256sum | cut -d' ' -f1) == "$id" ]] || die "key ID of $id does not match its public key"
done
ok "signy loads notary-generated keys; their IDs are the sha256 of the key JSON signy exports"

# `notary key generate -o` encrypts with the delegation passphrase whatever the role.
NOTARY_DELEGATION_PASSPHRASE=$SIGNY_TARGETS_PASSPHRASE notary -d n key generate ecdsa --role targets -o exported >/dev/null 2>&1
out=$("$SIGNY" -d imp key import exported-key.pem --gun example.com/org/app)
[[ $out == "Imported targets key "* ]] || die "import of notary's -o output: $out"
ok "signy imports the output of notary key generate -o"

# A key from openssl's defaults (PBKDF2-HMAC-SHA256, which notary cannot read) is re-encrypted on
# import in the form notary reads.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
  openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:releases-pass-1 -out openssl-default.pem
id=$("$SIGNY" -d imp -o json key import openssl-default.pem --role targets/releases | sed -n 's/.*"key_id": "\([0-9a-f]*\)".*/\1/p')
[[ -n $id ]] || die "import of openssl's default encryption"
notary -d imp key passwd "$id" </dev/null >/dev/null 2>&1 || die "notary cannot decrypt the key signy imported from openssl's default encryption"
ok "a key encrypted with openssl's defaults is imported and notary decrypts the stored copy"

# Bad input: each its own one-line error and exit code, nothing half-written.
root_id=$("$SIGNY" -d n key list | awk '$1 == "root" {print $2}')
expect_fail 3 "wrong passphrase" -- env SIGNY_ROOT_PASSPHRASE=nope "$SIGNY" -d n key export "$root_id"
id=$(ls s/private | head -1 | sed 's/\.key$//')
chmod 644 "s/private/$id.key"
expect_fail 5 "chmod 600" -- "$SIGNY" -d s key export "$id"
chmod 600 "s/private/$id.key"
head -c 200 "s/private/$id.key" >trunc.pem
expect_fail 3 "truncated PEM" -- "$SIGNY" -d t key import trunc.pem --role targets
printf -- '-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n' >garbage.pem
expect_fail 3 "not valid base64" -- "$SIGNY" -d t key import garbage.pem --role targets
openssl ecparam -name prime256v1 -genkey -noout -out plain-ec.pem 2>/dev/null
expect_fail 3 "root keys must be encrypted" -- "$SIGNY" -d t key import plain-ec.pem --role root
openssl genpkey -algorithm ed448 -out ed448.pem 2>/dev/null
expect_fail 3 "unsupported" -- "$SIGNY" -d t key import ed448.pem --role targets --gun example.com/org/app
expect_fail 2 "unknown role" -- "$SIGNY" -d t key generate --role admin
expect_fail 2 "usage" -- "$SIGNY" -d t key generate --role targets --type dsa
expect_fail 5 "SIGNY_TARGETS_PASSPHRASE" -- env -u SIGNY_TARGETS_PASSPHRASE setsid "$SIGNY" -d t key generate --role targets
[[ -z $(ls t/private 2>/dev/null) ]] || die "a failed command left files in the trust dir: $(ls t/private)"
ok "bad keys, permissions, passphrases and arguments give one-line errors and leave nothing behind"
echo "$pass passed, 0 failed"
