#!/usr/bin/env bash
# signy hook pre-install on the file:// repository (no servers): a thick bundle allowed for every
# action, by JSON request and by --env; the verdict is one JSON line and its exit code its class;
# hostile requests (malformed, unknown and duplicate keys, oversized, control bytes, another
# protocol version), a tampered bundle, an unsigned tag and a deadline that passes while the
# request is still being read are all denied, each with one verdict on stdout and one line on stderr.
source "$(dirname "$0")/../interop/lib.sh"
require jq
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
gun=localhost:5000/org/app
make_thick b.tgz
"$SIGNY" -d t sign --thick b.tgz $gun:v1 >/dev/null 2>&1 || die "sign"
# hook [OPTIONS...] <<<REQUEST: sets $verdict, $rc, $err; checks one line of JSON with version 1.
hook() {
  rc=0
  verdict=$("$SIGNY" -d t hook pre-install "$@" 2>err) || rc=$?
  err=$(cat err)
  [[ $(printf '%s\n' "$verdict" | wc -l) == 1 ]] || die "not one line: $verdict"
  [[ $(jq -r .version <<<"$verdict") == 1 ]] || die "not a v1 verdict: $verdict"
}
denied() {  # denied EXIT DENIAL CODE: the last verdict
  [[ $rc == "$1" && $(jq -r .verdict <<<"$verdict") == deny && $(jq -r .denial <<<"$verdict") == "$2" &&
     $(jq -r .error.code <<<"$verdict") == "$3" && $(jq -r '.images | length' <<<"$verdict") == 0 ]] ||
    die "expected a $2 deny ($1, $3), got $rc: $verdict"
  [[ $err == "signy: hook: deny ($2): "* && $(wc -l <err) == 1 ]] || die "stderr: $err"
}
req() { printf '{"action":"%s","bundle":{"reference":"%s","path":"%s"}}' "$1" "$2" "$3"; }

for a in install upgrade invoke uninstall io.cnab.status; do
  hook <<<"$(req "$a" $gun:v1 b.tgz)"
  [[ $rc == 0 && $(jq -r .verdict <<<"$verdict") == allow && $(jq -r .action <<<"$verdict") == "$a" &&
     $(jq -r .bundle.digest <<<"$verdict") == "sha256:$(sha256sum b.tgz | cut -d' ' -f1)" &&
     $(jq -r .bundle.length <<<"$verdict") == "$(stat -c %s b.tgz)" && $(jq -r '.images | length' <<<"$verdict") == 2 ]] ||
    die "$a: $rc $verdict"
done
rc=0
verdict=$(CNAB_ACTION=invoke SIGNY_BUNDLE_REFERENCE=$gun:v1 SIGNY_BUNDLE_PATH=b.tgz "$SIGNY" -d t hook pre-install --env 2>/dev/null) || rc=$?
[[ $rc == 0 && $(jq -r .action <<<"$verdict") == invoke ]] || die "--env: $rc $verdict"
ok "a signed thick bundle is allowed for every action, by request and by --env, with its digest, length and images"

printf x | cat b.tgz - >t.tgz
hook <<<"$(req install $gun:v1 t.tgz)"; denied 1 verification length_mismatch
hook <<<"$(req install $gun:nosuch b.tgz)"; denied 3 not_signed not_signed
hook <<<"$(req install $gun:v1 missing.tgz)"; [[ $rc == 4 || $rc == 2 ]] || die "a missing file: $rc $verdict"
ok "a tampered bundle (verification, 1), an unsigned tag (not_signed, 3) and a missing file are denied"

hook <<<'not json'; denied 2 bad_request malformed_json
hook </dev/null; denied 2 bad_request malformed_json
hook <<<'{"action":"install","bundle":{"reference":"r:1"},"allow":true}'; denied 2 bad_request malformed_json
[[ $(jq -r .reason <<<"$verdict") == 'request: unknown key "allow" (protocol version 1)' ]] || die "reason: $verdict"
hook <<<'{"action":"install","bundle":{"reference":"r:1"},"bundle":{"reference":"r:2"}}'; denied 2 bad_request duplicate_key
hook <<<'{"version":"2","action":"install","bundle":{"reference":"r:1"}}'; denied 2 bad_request unsupported_value
hook <<<'{"action":"install","bundle":{"reference":"r:1\u001b]0;x\u0007"}}'; denied 2 bad_request unsupported_value
hook < <(head -c 100000 /dev/zero | tr '\0' ' '); denied 2 bad_request too_large
rc=0; verdict=$(env -u CNAB_ACTION "$SIGNY" -d t hook pre-install --env 2>err) || rc=$?; err=$(cat err)
denied 2 bad_request usage
ok "malformed, empty, unknown-key, duplicate-key, other-version, control-byte and oversized requests and --env without CNAB_ACTION are denied (2)"

# The deadline passes while the runtime still holds stdin open: the watchdog answers deny, exit 4.
t0=$EPOCHREALTIME
hook --deadline 500ms < <(sleep 5)
denied 4 infrastructure network
[[ $(jq -r .reason <<<"$verdict") == "the hook's deadline (500ms) passed before a verdict" ]] || die "reason: $verdict"
awk "BEGIN{exit !($EPOCHREALTIME - $t0 < 3)}" || die "the watchdog did not end the hook at its deadline"
expect_fail 2 "--deadline" -- "$SIGNY" -d t hook pre-install --deadline 0s
ok "a deadline that passes denies at once (infrastructure, 4); a zero deadline is a usage error"

# The deadline passes while an in-toto inspection runs: the inspection and everything it started
# are killed before the hook exits, not left running with no supervisor (its wall-clock limit is
# the supervisor's). The layout (root-signed, no steps) has one inspection that sleeps, with a
# child in a session of its own; the marker finds them.
export SIGNY_RELEASES_PASSPHRASE=releases-pass-1
marker="97.$$$RANDOM"
python3 - "$marker" "$PWD/hang.started" <<'PY'
import json, sys
m, started = sys.argv[1], sys.argv[2]
json.dump({"_type": "layout", "expires": "2100-01-01T00:00:00Z", "readme": "", "keys": {}, "steps": [],
           "inspect": [{"_type": "inspection", "name": "hang", "expected_materials": [], "expected_products": [],
                        "run": ["sh", "-c", f"setsid sh -c 'echo >{started}; exec sleep {m}' </dev/null >/dev/null 2>&1 & "
                                            f"sleep {m}"]}]},
          open("hang.json", "w"))
PY
mkdir -p nolinks tmp
"$SIGNY" -d t layout sign hang.json $gun --out hang.layout >/dev/null 2>&1 || die "layout sign"
"$SIGNY" -d t sign --thick b.tgz $gun:hang --in-toto --layout hang.layout --links nolinks >/dev/null 2>err || die "sign --in-toto: $(cat err)"
TMPDIR=$PWD/tmp hook --deadline 4s <<<"$(req install $gun:hang b.tgz)"
denied 4 infrastructure network
[[ -e hang.started ]] || die "the inspection's child in a session of its own had not started by the deadline: nothing was tested"
for _ in $(seq 40); do pgrep -f "sleep $marker" >/dev/null || break; sleep 0.05; done
if left=$(pgrep -af "sleep $marker"); then
  pkill -KILL -f "sleep $marker"
  die "the inspection outlived the hook: $left"
fi
rm -rf tmp  # the abandoned run's private copy (threat-model.md): in the test's own TMPDIR
ok "a deadline that passes during an in-toto inspection kills the inspection and what it started before the hook exits"
