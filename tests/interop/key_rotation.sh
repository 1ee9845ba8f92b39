#!/usr/bin/env bash
# Key rotation (signy key rotate; notary key rotate): on the file:// default every role's key is
# local; against a real notary-server the notary CLI follows the rotations signy publishes (root,
# targets, snapshot -r, timestamp -r, a local snapshot) and signy follows the notary CLI's
# (targets, snapshot -r, root). A client that cached the old root follows each rotation.
source "$(dirname "$0")/lib.sh"
require notary-server
require notary
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
export NOTARY_ROOT_PASSPHRASE=root-pass-1 NOTARY_TARGETS_PASSPHRASE=targets-pass-1 NOTARY_SNAPSHOT_PASSPHRASE=snap-pass-1
make_thick b1.tgz 'bundle one'
make_thick b2.tgz 'bundle two'
h1=$(sha256sum b1.tgz | cut -d' ' -f1)
h2=$(sha256sum b2.tgz | cut -d' ' -f1)
root_of() {  # root_of ROOT.JSON ROLE: the key IDs root lists for the role and the version
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["signed"]; print(s["version"], *s["roles"][sys.argv[2]]["keyids"])' "$@"
}

# --- file:// default: all four keys are local.
gun=example.com/org/app
f() { "$SIGNY" -d t "$@"; }
c() { "$SIGNY" -d client --server "file://$PWD/t/server" "$@"; }  # a verifier with its own cache
f sign --thick b1.tgz $gun:v1 >/dev/null || die "first sign"
c verify --thick --local b1.tgz $gun:v1 >/dev/null 2>&1 || die "client's first verify"
tuf=t/server/v2/$gun/_trust/tuf
version=1
for role in targets snapshot timestamp root; do
  read -r _ before <<<"$(root_of $tuf/root.json $role)"
  out=$(f key rotate $gun $role) || die "signy key rotate $gun $role"
  version=$((version + 1))
  read -r v after <<<"$(root_of $tuf/root.json $role)"
  [[ $v == "$version" && $after != "$before" && $out == *"Rotated the $role key of $gun to $after (root version $version)"* ]] ||
    die "rotation of $role: root version $v lists $after (was $before): $out"
  [[ -e $tuf/$version.root.json ]] || die "no $version.root.json for clients to walk"
  c verify --thick --local b1.tgz $gun:v1 >/dev/null || die "the client does not follow the $role rotation"
done
# Root version 5 is signed by the old and the new root keys; the old certificate stays listed.
python3 - $tuf/4.root.json $tuf/5.root.json <<'PY' || die "the new root is not signed by both root keys"
import json, sys
old, new = (json.load(open(p)) for p in sys.argv[1:])
old_id, new_id = old["signed"]["roles"]["root"]["keyids"][0], new["signed"]["roles"]["root"]["keyids"][0]
assert old_id != new_id
assert sorted(s["keyid"] for s in new["signatures"]) == sorted([old_id, new_id]), new["signatures"]
assert old_id in new["signed"]["keys"]
PY
f sign --thick b2.tgz $gun:v2 >/dev/null || die "sign after the rotations"
[[ $(c list $gun) == *"v2 "*"$h2"* ]] || die "the client does not list v2 after the rotations"
[[ $(f -o json key list | grep -c '"role": "targets"') == 2 ]] || die "the old targets key was not kept"
ok "file://: targets, snapshot, timestamp and root rotated; a client with the old root follows; old keys kept"

# --key FILE: rotate to a given key (notary key rotate --key), imported into the trust dir.
"$SIGNY" -d k key generate --role targets >/dev/null
given=$("$SIGNY" -d k -o json key list | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["key_id"])')
cp k/private/$given.key given.key
f key rotate $gun targets --key given.key >/dev/null || die "key rotate --key"
[[ $(root_of $tuf/root.json targets) == *" $given" ]] || die "root does not list the given targets key $given"
[[ $(f -o json key list) == *"$given"* ]] || die "the given key was not imported"
f sign --thick b1.tgz $gun:v3 >/dev/null || die "sign with the given targets key"
c verify --thick --local b1.tgz $gun:v3 >/dev/null || die "the client does not follow the rotation to the given key"
expect_fail 2 "is already the targets key of $gun" -- f key rotate $gun targets --key given.key
expect_fail 2 "role header says \"targets\", not \"snapshot\"" -- f key rotate $gun snapshot --key given.key
# A --key of another role or another collection is refused before it is stored.
"$SIGNY" -d k key generate --role snapshot --gun other.example/x >/dev/null
"$SIGNY" -d k key generate --role targets --gun other.example/x >/dev/null
keyid_of() { "$SIGNY" -d k -o json key list | python3 -c 'import json,sys; print([k["key_id"] for k in json.load(sys.stdin) if k["role"]==sys.argv[1] and k["gun"]==sys.argv[2]][0])' "$@"; }
other_snap=$(keyid_of snapshot other.example/x) other_targets=$(keyid_of targets other.example/x)
cp k/private/$other_snap.key other-snap.key
cp k/private/$other_targets.key other-targets.key
expect_fail 2 "role header says \"snapshot\", not \"targets\"" -- f key rotate $gun targets --key other-snap.key
expect_fail 2 "gun header says \"other.example/x\", not \"$gun\"" -- f key rotate $gun targets --key other-targets.key
keys=$(f -o json key list)
[[ $keys != *"$other_snap"* && $keys != *"$other_targets"* ]] || die "a refused --key was left in the trust dir: $keys"
ok "key rotate --key FILE rotates to a given key; a key of another role or collection is refused and not stored"

expect_fail 2 "no server to hold the timestamp key" -- f key rotate $gun timestamp -r
expect_fail 2 "only the snapshot and timestamp keys can be server-managed" -- f key rotate $gun targets --server-managed
expect_fail 2 "only root, targets, snapshot and timestamp" -- f key rotate $gun targets/releases
expect_fail 5 "no trust collection example.com/org/none" -- f key rotate example.com/org/none targets
# Without the root key nothing changes.
mv t/private t/private.away && mkdir -m 700 t/private
before=$(cd t/server && find . -type f | sort | xargs sha256sum)
expect_fail 5 "none of the root keys" -- f key rotate $gun targets
[[ $(cd t/server && find . -type f | sort | xargs sha256sum) == "$before" ]] || die "a failed rotation changed the repository"
rm -rf t/private && mv t/private.away t/private
ok "rotation refuses server-managed roles on file://, delegations, unknown collections, and a missing root key"

# --- notary-server.
source "${SOURCE_DIR:?}/scripts/notary-harness.sh"
trap 'notary_harness_stop; rm -rf "$work"' EXIT
notary_harness_start "$work/server" local >/dev/null
s() { "$SIGNY" -d "$1" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" "${@:2}"; }
n() { notary -d "$1" -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" "${@:2}"; }
remote_root() { curl -sf --cacert "$NOTARY_CA" "$NOTARY_URL/v2/$1/_trust/tuf/root.json" >remote-root.json && root_of remote-root.json "$2"; }

# signy rotates, the notary CLI (with the old root cached) follows.
gun=127.0.0.1:5000/signy/rotate
s st sign --thick b1.tgz $gun:v1 >/dev/null || die "sign on notary-server"
[[ $(n nc list $gun) == *"v1 "*"$h1"* ]] || die "notary list before the rotations"
for args in "targets" "snapshot -r" "timestamp -r" "root"; do
  role=${args%% *}
  read -r _ before <<<"$(remote_root $gun $role)"
  s st key rotate $gun $args >/dev/null || die "signy key rotate $gun $args"
  read -r _ after <<<"$(remote_root $gun $role)"
  [[ $after != "$before" ]] || die "the server's root still lists the old $role key"
  listed=$(n nc list $gun 2>&1) || die "notary list after signy rotated $args: $listed"
  [[ $listed == *"v1 "*"$h1"* ]] || die "notary list after signy rotated $args: $listed"
  n nc verify $gun v1 <b1.tgz >/dev/null 2>&1 || die "notary verify after signy rotated $args"
done
s st sign --thick b2.tgz $gun:v2 >/dev/null || die "signy sign after the rotations"
[[ $(n nc lookup $gun v2) == *"$h2"* ]] || die "notary lookup of v2 after the rotations"
[[ $(n fresh list $gun) == *"v2 "* ]] || die "a fresh notary client"
ok "notary list/verify/lookup follow signy's rotations of targets, snapshot -r, timestamp -r and root on notary-server"

# A collection with a local snapshot key (--local-snapshot): signy rotates it locally, then hands
# it to the server (-r); notary follows both.
gun=127.0.0.1:5000/signy/localsnap
s ls sign --thick --local-snapshot b1.tgz $gun:v1 >/dev/null || die "sign --local-snapshot"
[[ $(n nl list $gun) == *"v1 "* ]] || die "notary list of the --local-snapshot collection"
s ls key rotate $gun snapshot >/dev/null || die "rotate a local snapshot key"
s ls sign --thick b2.tgz $gun:v2 >/dev/null || die "sign with the new local snapshot key"
[[ $(n nl list $gun) == *"v2 "* ]] || die "notary list after the local snapshot rotation"
s ls key rotate $gun snapshot -r >/dev/null || die "hand the snapshot key to the server"
[[ $(n nl list $gun) == *"v2 "* ]] || die "notary list after the snapshot moved to the server"
make_thick b3.tgz 'bundle three'
s ls sign --thick b3.tgz $gun:v3 >/dev/null || die "sign once the server signs snapshots"
[[ $(n nl list $gun) == *"v3 "* ]] || die "notary list of v3"
ok "a local snapshot key rotated locally and then handed to the server; notary follows"

# The notary CLI rotates, signy (with the old root cached) follows.
gun=127.0.0.1:5000/notary/rotate
n nt init $gun >/dev/null && n nt add $gun v1 b1.tgz >/dev/null && n nt publish $gun >/dev/null || die "notary init/publish"
[[ $(s sv list $gun 2>/dev/null) == *"v1 "*"$h1"* ]] || die "signy list before notary's rotations"
for args in "targets" "snapshot -r" "root"; do
  role=${args%% *}
  read -r _ before <<<"$(remote_root $gun $role)"
  echo yes | n nt key rotate $gun $args >/dev/null 2>&1 || die "notary key rotate $gun $args"
  read -r _ after <<<"$(remote_root $gun $role)"
  [[ $after != "$before" ]] || die "notary did not rotate $args"
  listed=$(s sv list $gun 2>&1) || die "signy list after notary rotated $args: $listed"
  [[ $listed == *"v1 "*"$h1"* ]] || die "signy list after notary rotated $args: $listed"
  s sv verify --thick --local b1.tgz $gun:v1 >/dev/null || die "signy verify after notary rotated $args"
done
# signy signs with notary's new keys from a shared trust directory.
s nt sign --thick b2.tgz $gun:v2 >/dev/null || die "signy sign with notary's rotated keys"
[[ $(n nt list $gun) == *"v2 "*"$h2"* ]] || die "notary list of signy's v2"
s sv verify --thick --local b2.tgz $gun:v2 >/dev/null || die "signy verify of v2"
ok "signy follows the notary CLI's rotations of targets, snapshot -r and root, and signs with the new keys"
