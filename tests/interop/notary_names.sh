#!/usr/bin/env bash
# Target names are the signer's text: a collection published with the notary CLI whose target
# name holds a C1 control (U+009B, CSI to a terminal) and DEL (notary's canonical JSON refuses
# C0 controls such as ESC) is listed by signy with those escaped (text output) and as the exact
# name in JSON (-o json), never raw on the terminal.
source "$(dirname "$0")/lib.sh"
require notary-server
require notary
source "${SOURCE_DIR:?}/scripts/notary-harness.sh"
trap 'notary_harness_stop; rm -rf "$work"' EXIT
notary_harness_start "$work/server" local >/dev/null
export NOTARY_ROOT_PASSPHRASE=root-pass-1 NOTARY_TARGETS_PASSPHRASE=targets-pass-1 NOTARY_SNAPSHOT_PASSPHRASE=snap-pass-1
s() { "$SIGNY" -d "$1" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" "${@:2}"; }
n() { notary -d "$1" -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" "${@:2}"; }
printf 'bundle one\n' >b1.tgz
gun=127.0.0.1:5000/names/app
evil=$'v1\xc2\x9b2J\x7fend'
n nt init $gun >/dev/null
n nt add $gun "$evil" b1.tgz >/dev/null
n nt publish $gun >publish.log 2>&1 || die "notary publish: $(cat publish.log)"
out=$(s sv list $gun 2>&1) || die "signy list: $out"
[[ $out != *$'\xc2\x9b'* && $out != *$'\x7f'* ]] || die "a control of a target name reached the terminal: $(printf '%q' "$out")"
[[ $out == *'v1\xc2\x9b2J\x7fend'* ]] || die "the name is not shown escaped: $out"
ok "target names are listed with their control bytes escaped"
json=$(s sv -o json list $gun) || die "signy -o json list"
python3 - "$json" "$evil" <<'PY' || die "JSON list: $json"
import json, sys
names = [t["name"] for t in json.loads(sys.argv[1])]
assert names == [sys.argv[2]], names
PY
ok "-o json keeps the exact name, JSON-escaped"
echo "$pass passed, 0 failed"
