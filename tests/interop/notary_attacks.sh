#!/usr/bin/env bash
# TUF attacks end to end: a tampering proxy on 127.0.0.1 in front of a real notary-server. Each
# attack is refused with its own error and exit code, and the verifier's cache is left as it was.
source "$(dirname "$0")/lib.sh"
require notary-server
require faketime
source "${SOURCE_DIR:?}/scripts/notary-harness.sh"
proxy_pid=
trap 'kill $proxy_pid 2>/dev/null; notary_harness_stop; rm -rf "$work"' EXIT
notary_harness_start "$work/server" >/dev/null
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1
echo pass >attack
pport=$(notary_harness_free_port)
/usr/bin/python3 "$SOURCE_DIR/tests/interop/tamper_proxy.py" "$pport" "$NOTARY_URL" "$NOTARY_CA" attack >/dev/null 2>&1 &
proxy_pid=$!
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/"$pport") 2>/dev/null && break; sleep 0.1; done
via="--server http://127.0.0.1:$pport -t 3"
gun=127.0.0.1:5000/attack/app
make_thick b.tgz 'bundle'
"$SIGNY" -d pub --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" sign --thick b.tgz $gun:v1 >/dev/null
curl -sf --cacert "$NOTARY_CA" "$NOTARY_URL/v2/$gun/_trust/tuf/timestamp.json" -o ts-v1.json
curl -sf --cacert "$NOTARY_CA" "$NOTARY_URL/v2/$gun/_trust/tuf/targets.json" -o targets-v1.json
# A root made by someone else (another trust dir, another root key) for the malicious rotation.
"$SIGNY" -d evil --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" sign --thick b.tgz 127.0.0.1:5000/attack/evil:v1 >/dev/null
curl -sf --cacert "$NOTARY_CA" "$NOTARY_URL/v2/127.0.0.1:5000/attack/evil/_trust/tuf/root.json" -o evil-root.json
"$SIGNY" -d pub --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" sign --thick b.tgz $gun:v2 >/dev/null
"$SIGNY" -d v $via verify --thick --local b.tgz $gun:v2 >/dev/null 2>&1 || die "clean verify through the proxy"
ok "a clean verify through the proxy"

cache=v/tuf/$gun/metadata
state() { sha256sum "$cache"/*.json | sha256sum; }
before=$(state)
attack() {  # attack "<control>" CODE MESSAGE [command prefix, e.g. faketime]
  [[ -n ${DEBUG:-} ]] && echo "attack: $1" >&2
  echo "$1" >attack
  expect_fail "$2" "$3" -- "${@:4}" "$SIGNY" -d v $via verify --thick --local b.tgz $gun:v2
  [[ $(state) == "$before" ]] || die "cache changed after: $1"
  echo pass >attack
}
attack "badsig timestamp" 1 "valid signature(s) from its keys"
attack "nosig timestamp" 1 "0 valid signature(s) from its keys, threshold is 1"
# Freeze: the server's timestamp is valid for 14 days; 15 days on, the same metadata is refused.
# (faketime preloads a library: an ASan build must be told that the order is intended.)
attack "pass" 1 "timestamp metadata expired at" \
  env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" faketime '+15 days'
attack "rotate evil-root.json" 1 "signatures by the previous root's keys"
attack "replay timestamp ts-v1.json" 1 "older than the trusted version"
rm -f "$cache/snapshot.json" "$cache/targets.json"; before=$(state)  # cached copies are not re-fetched
attack "flip snapshot" 1 "does not match the trusted metadata"
attack "nosig snapshot" 1 "the trusted metadata lists"  # pinned by the timestamp's hash
attack "flip targets" 1 "does not match the trusted metadata"
attack "replay targets targets-v1.json" 1 "the trusted metadata lists"  # mix-and-match
attack "endless timestamp" 3 "limit"
attack "stall timestamp" 4 "timed out"
ok "bad signature, no signatures, freeze, malicious root rotation, rollback, tampered snapshot and targets, mix-and-match, endless data and a stall are refused; the cache is unchanged"
make_thick t.tgz 'bundlf'  # same length, other bytes
expect_fail 1 "differs from the signed" -- "$SIGNY" -d v $via verify --thick --local t.tgz $gun:v2
ok "a bundle whose digest differs from the signed target is refused"
"$SIGNY" -d v $via verify --thick --local b.tgz $gun:v2 >/dev/null 2>&1 || die "verify after the attacks"
ok "the verifier recovers once the proxy behaves"
echo "$pass passed, 0 failed"
