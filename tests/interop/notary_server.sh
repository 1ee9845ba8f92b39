#!/usr/bin/env bash
# signy against a real notary-server (Debian notary 0.7) on 127.0.0.1 with TLS, with the local
# trust service (ed25519 server keys) or notary-signer (ecdsa; NOTARY_TRUST=signer): what signy publishes the notary CLI lists and verifies, what the notary
# CLI publishes signy lists and verifies, and both share one trust directory.
source "$(dirname "$0")/lib.sh"
require notary-server
require notary
source "${SOURCE_DIR:?}/scripts/notary-harness.sh"
trap 'notary_harness_stop; rm -rf "$work"' EXIT
notary_harness_start "$work/server" "${NOTARY_TRUST:-local}" >/dev/null
want_key=ed25519
[[ ${NOTARY_TRUST:-local} == signer ]] && want_key=ecdsa
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
export NOTARY_ROOT_PASSPHRASE=root-pass-1 NOTARY_TARGETS_PASSPHRASE=targets-pass-1 NOTARY_SNAPSHOT_PASSPHRASE=snap-pass-1
s() { "$SIGNY" -d "$1" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" "${@:2}"; }
n() { notary -d "$1" -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" "${@:2}"; }
make_thick b1.tgz 'bundle one'
make_thick b2.tgz 'bundle two'

# signy -> notary
gun=127.0.0.1:5000/signy/app
s st sign --thick b1.tgz $gun:v1 >/dev/null
s st sign --thick b2.tgz $gun:v2 >/dev/null
listed=$(n fresh list $gun)
[[ $listed == *"v1 "*"$(sha256sum b1.tgz | cut -d' ' -f1)"* && $listed == *"v2 "*"$(sha256sum b2.tgz | cut -d' ' -f1)"* ]] ||
  die "notary list of signy's collection: $listed"
n fresh verify $gun v1 <b1.tgz >/dev/null 2>&1 || die "notary verify rejects the bundle signy signed"
! n fresh verify $gun v1 <b2.tgz >/dev/null 2>&1 || die "notary verify accepted the wrong bundle"
tskey=$(curl -sf --cacert "$NOTARY_CA" "$NOTARY_URL/v2/$gun/_trust/tuf/timestamp.key")
[[ $tskey == *"\"keytype\":\"$want_key\""* ]] || die "server timestamp key is not $want_key: $tskey"
ok "notary list and notary verify accept what signy published (server-managed $want_key snapshot and timestamp)"

# notary -> signy
gun2=127.0.0.1:5000/notary/app
n nt init $gun2 >/dev/null
n nt add $gun2 v1 b1.tgz >/dev/null
n nt publish $gun2 >/dev/null
[[ $(s sv list $gun2 2>/dev/null) == *"v1 "*"$(sha256sum b1.tgz | cut -d' ' -f1)"* ]] || die "signy list of notary's collection"
s sv verify --thick --local b1.tgz $gun2:v1 >/dev/null 2>&1 || die "signy rejects notary's collection"
expect_fail 1 "differs from the signed" -- s sv verify --thick --local b2.tgz $gun2:v1
ok "signy lists and verifies what the notary CLI published (client-managed snapshot), and refuses another file"

# One trust directory for both tools: notary adds a target to signy's collection with signy's
# keys; signy adds one to notary's collection with notary's keys.
make_thick b3.tgz 'bundle three'
n st add $gun v3 b3.tgz >/dev/null && n st publish $gun >/dev/null || die "notary cannot publish with signy's keys"
s st verify --thick --local b3.tgz $gun:v3 >/dev/null 2>&1 || die "signy rejects notary's update of signy's collection"
s nt sign --thick b3.tgz $gun2:v3 >/dev/null || die "signy cannot publish with notary's keys"
n fresh2 verify $gun2 v3 <b3.tgz >/dev/null 2>&1 || die "notary rejects signy's update of notary's collection"
ok "both tools publish to each other's collections from a shared trust directory"
# Creation options: --root-key imports a root key made by the notary CLI; --local-snapshot keeps
# the snapshot key in the trust dir (root lists it, signy signs snapshots, the server only the
# timestamp), and later signs keep doing so.
gun3=127.0.0.1:5000/signy/options
root_id=$(notary -d keys key generate ecdsa --role root | awk '{print $NF}')
cp "keys/private/$root_id.key" myroot.key || die "notary key generate wrote no root key"
s opt sign --thick --root-key myroot.key --local-snapshot b1.tgz $gun3:v1 >/dev/null || die "sign --root-key --local-snapshot"
s opt sign --thick b2.tgz $gun3:v2 >/dev/null || die "second sign with a local snapshot key"
root_json=$(curl -sf --cacert "$NOTARY_CA" "$NOTARY_URL/v2/$gun3/_trust/tuf/root.json")
snap_id=$(s opt -o json key list | /usr/bin/python3 -c 'import json,sys; print(next(k["key_id"] for k in json.load(sys.stdin) if k["role"]=="snapshot"))')
/usr/bin/python3 - "$root_json" "$snap_id" "$root_id" <<'PY' || die "root.json does not list the imported root key and the local snapshot key"
import json, sys
root, snap_id, root_id = json.loads(sys.argv[1])["signed"], sys.argv[2], sys.argv[3]
assert root["roles"]["snapshot"]["keyids"] == [snap_id], (root["roles"]["snapshot"], snap_id)
# The root role lists the certificate key; its public key is the one notary generated.
cert_id = root["roles"]["root"]["keyids"][0]
assert root["keys"][cert_id]["keytype"] == "ecdsa-x509"
PY
[[ $(s opt -o json key list) == *"\"$root_id\""* ]] || die "the imported root key $root_id is not in the trust dir"
listed=$(n fresh3 list $gun3)
[[ $listed == *"v1 "* && $listed == *"v2 "* ]] || die "notary list of the --local-snapshot collection: $listed"
warn=$(s opt sign --thick --root-key myroot.key b1.tgz $gun3:v3 2>&1 >/dev/null)
[[ $warn == *"applies only when a collection is created"* ]] || die "no warning for --root-key on an existing collection: $warn"
printf 'not a key\n' >bad.key
expect_fail 3 "--root-key" -- s opt2 sign --thick --root-key bad.key b1.tgz 127.0.0.1:5000/signy/bad:v1
ok "--root-key (a notary-generated key) and --local-snapshot at creation; notary lists the collection"

s opt delete --remote $gun3 >/dev/null || die "signy delete --remote"
[[ ! -e opt/tuf/$gun3 ]] || die "delete left the cached metadata"
! n fresh4 list $gun3 >/dev/null 2>&1 || die "notary still lists a deleted collection"
expect_fail 4 "not found on the server" -- s opt list $gun3
[[ -n $(ls opt/private) ]] || die "delete removed the keys"
ok "delete --remote removes the collection on the server and the cache, keeps the keys"
echo "$pass passed, 0 failed"
