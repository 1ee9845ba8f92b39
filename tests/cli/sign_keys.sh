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
make_thick b1.tgz b1
make_thick b2.tgz b2
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

# Key choice. A new collection gets a targets key of its own, written with its GUN.
gun2=example.com/org/other
s sign --thick b1.tgz $gun2:v1 >/dev/null || die "sign of a second collection"
t1=$(key_of t targets $gun); t2=$(key_of t targets $gun2)
[[ -n $t1 && -n $t2 && $t1 != "$t2" ]] || die "two collections share a targets key: '$t1' '$t2'"
listed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["roles"]["targets"]["keyids"][0])' t/server/v2/$gun2/_trust/tuf/root.json)
[[ $listed == "$t2" ]] || die "root of $gun2 lists targets key $listed, not $t2"
ok "each new collection gets its own targets key, stored with its GUN"
# --targets-key reuses a named key; an unknown ID or a key of another role is refused.
gun3=example.com/org/shared
s sign --thick --targets-key "$t1" b1.tgz $gun3:v1 >/dev/null || die "sign --targets-key"
listed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["roles"]["targets"]["keyids"][0])' t/server/v2/$gun3/_trust/tuf/root.json)
[[ $listed == "$t1" ]] || die "--targets-key $t1 not used: root lists $listed"
[[ $(key_of t targets | sort -u | wc -l) == 2 ]] || die "--targets-key created a key anyway"
expect_fail 5 "--targets-key: no targets key $(printf 'a%.0s' {1..64})" -- s sign --thick --targets-key "$(printf 'a%.0s' {1..64})" b1.tgz example.com/org/x:v1
rootid=$(key_of t root)
expect_fail 5 "--targets-key: no targets key $rootid" -- s sign --thick --targets-key "$rootid" b1.tgz example.com/org/x:v1
warn=$(s sign --thick --targets-key "$t2" b2.tgz $gun3:v2 2>&1 >/dev/null)
[[ $warn == *"--targets-key applies only when a collection is created"* ]] || die "no warning for --targets-key on an existing collection: $warn"
ok "--targets-key KEYID reuses that targets key for a new collection; unknown or non-targets IDs are refused"

# Root keys: the only root key is reused; once a second one is imported (sign --root-key), a new
# collection must name its root key instead of getting whichever sorts first.
"$SIGNY" -d other key generate --role root >/dev/null
other=$(key_of other root)
cp other/private/$other.key other-root.key
s sign --thick --root-key other-root.key b1.tgz example.com/org/imported:v1 >/dev/null || die "sign --root-key"
expect_fail 2 "the trust dir holds 2 root keys" -- s sign --thick b1.tgz example.com/org/next:v1
out=$(s sign --thick b1.tgz example.com/org/next:v1 2>&1 || true)
[[ $out == *"$rootid"* && $out == *"$other"* && $out == *"--root-key-id"* ]] || die "the error does not list the candidates: $out"
[[ ! -e t/server/v2/example.com/org/next ]] || die "a refused sign created the collection"
s sign --thick --root-key-id "$other" b1.tgz example.com/org/next:v1 >/dev/null || die "sign --root-key-id"
s sign --thick --root-key-id "$rootid" b1.tgz example.com/org/next2:v1 >/dev/null || die "sign --root-key-id (first key)"
python3 - t/server/v2/example.com/org/next/_trust/tuf/root.json t/server/v2/example.com/org/next2/_trust/tuf/root.json <<'PY' || die "root.json does not list the chosen root keys"
import json, sys
a = json.load(open(sys.argv[1]))["signed"]
b = json.load(open(sys.argv[2]))["signed"]
ka = a["keys"][a["roles"]["root"]["keyids"][0]]["keyval"]["public"]
kb = b["keys"][b["roles"]["root"]["keyids"][0]]["keyval"]["public"]
assert ka != kb  # two different certificates over two different root keys
PY
expect_fail 2 "not both" -- s sign --thick --root-key other-root.key --root-key-id "$other" b1.tgz example.com/org/n3:v1
expect_fail 5 "--root-key-id: no root key $t1" -- s sign --thick --root-key-id "$t1" b1.tgz example.com/org/n3:v1
ok "one root key is reused; with several, --root-key-id chooses and its absence is an error listing them"

# Several snapshot keys of one GUN (a rotation keeps the old one): a new collection of that GUN
# takes none of them, rather than whichever sorts first; with exactly one, that one is reused.
g=example.com/org/rotated
s key generate --role snapshot --gun $g >/dev/null
s key generate --role snapshot --gun $g >/dev/null
s key generate --role timestamp --gun $g >/dev/null
old_snap=$(key_of t snapshot $g) old_ts=$(key_of t timestamp $g)
s sign --thick --root-key-id "$rootid" b1.tgz $g:v1 >/dev/null || die "sign of $g"
listed() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["signed"]; print(r["roles"][sys.argv[2]]["keyids"][0])' \
  t/server/v2/$g/_trust/tuf/root.json "$1"; }
for k in $old_snap; do [[ $k != "$(listed snapshot)" ]] || die "a new collection took the old snapshot key $k of several"; done
[[ $(listed timestamp) == "$old_ts" ]] || die "the one timestamp key of $g was not reused"
ok "a new collection takes its GUN's only snapshot/timestamp key, and a new one when there are several"
