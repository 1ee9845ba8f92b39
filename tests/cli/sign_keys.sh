#!/usr/bin/env bash
# sign checks its own signatures before publishing, and chooses keys by explicit rules
# (docs/security/key-management.md "Key choice").
source "$(dirname "$0")/../interop/lib.sh"
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
s() { "$SIGNY" -d t "$@"; }
key_of() {  # key_of DIR ROLE [GUN]: the key IDs of a role (and GUN) in a trust dir, one a line
  "$SIGNY" -d "$1" -o json key list | python3 -c '
import json, sys
for k in json.load(sys.stdin):
    if k["role"] == sys.argv[1] and (len(sys.argv) < 3 or k["gun"] == sys.argv[2]): print(k["key_id"])' "${@:2}"
}
repo_state() { (cd t/server && find . -type f | sort | xargs sha256sum); }
gun=example.com/org/app
printf 'one\n' >b1.tgz
printf 'two\n' >b2.tgz
s sign --thick b1.tgz $gun:v1 >/dev/null || die "first sign"

# A targets key file swapped for another key under the same name: the private half is another
# key's, the public half (and so the file name and key ID) the collection's targets key. Its
# signatures do not verify with the key root lists, so nothing may be published.
id=$(key_of t targets $gun)
cp "t/private/$id.key" good.key
s key export "$id" | python3 -c 'import json,sys,base64; sys.stdout.buffer.write(base64.b64decode(json.load(sys.stdin)["keyval"]["public"])[-65:])' >point.bin
openssl ecparam -name prime256v1 -genkey -noout -outform DER >other.der
{ head -c -65 other.der; cat point.bin; } >mixed.der
openssl pkcs8 -topk8 -inform DER -in mixed.der -v2 aes-256-cbc -v2prf hmacWithSHA1 -passout pass:targets-pass-1 >mixed.pem
awk -v gun=$gun 'NR==1{print; print "gun: " gun; print "role: targets"; print ""; next} {print}' mixed.pem >"t/private/$id.key"
chmod 600 "t/private/$id.key"
before=$(repo_state)
cached=$(sha256sum t/tuf/$gun/metadata/*.json)
rc=0; out=$(s sign --thick b2.tgz $gun:v2 2>&1) || rc=$?
[[ $rc != 0 ]] || die "sign published with a targets key whose halves do not match"
[[ $(wc -l <<<"$out") == 1 && $out == "signy: "* ]] || die "not one error line: $out"
[[ $(repo_state) == "$before" ]] || die "the repository changed although sign failed"
[[ $(sha256sum t/tuf/$gun/metadata/*.json) == "$cached" ]] || die "the cache changed although sign failed"
cp good.key "t/private/$id.key"
s verify --thick --local b1.tgz $gun:v1 >/dev/null || die "the collection no longer verifies"
[[ $(s list $gun) != *v2* ]] || die "v2 was published"
ok "a swapped targets key (same file name, other private key) is refused before publishing ($out)"
