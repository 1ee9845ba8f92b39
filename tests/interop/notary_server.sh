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
printf 'bundle one\n' >b1.tgz
printf 'bundle two\n' >b2.tgz

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
printf 'bundle three\n' >b3.tgz
n st add $gun v3 b3.tgz >/dev/null && n st publish $gun >/dev/null || die "notary cannot publish with signy's keys"
s st verify --thick --local b3.tgz $gun:v3 >/dev/null 2>&1 || die "signy rejects notary's update of signy's collection"
s nt sign --thick b3.tgz $gun2:v3 >/dev/null || die "signy cannot publish with notary's keys"
n fresh2 verify $gun2 v3 <b3.tgz >/dev/null 2>&1 || die "notary rejects signy's update of notary's collection"
ok "both tools publish to each other's collections from a shared trust directory"
echo "$pass passed, 0 failed"
