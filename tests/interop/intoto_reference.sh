#!/usr/bin/env bash
# signy intoto verify against in-toto-verify (in-toto 1.3.1) on supply chains made at test time
# by the reference tools: functionaries with rsa, ed25519 and ecdsa keys from in-toto-keygen
# record their steps with in-toto-run; layouts signed by in-toto-sign or by signy's crypto (the
# test tool). Both verifiers get the same flags, each in its own copy of the final directory
# (in-toto-verify runs the inspection there and leaves its output behind). A good chain passes
# both; each attack fails in both with the same verdict: the reference's exception name and
# signy's error code (-o json).
source "$(dirname "$0")/lib.sh"
require in-toto-verify
require in-toto-run
: "${SIGNY_TESTTOOL:?}"
py=/usr/bin/python3
T=$SIGNY_TESTTOOL

# Keys: the owner signs the layout; alice (rsa) writes the code; bob (ed25519) and carl (ecdsa)
# both package it (threshold 2); dave (ed25519) is no functionary; edna (ed25519) and fred (ecdsa)
# sign other layouts.
mkdir keys
(
  cd keys
  in-toto-keygen -t rsa -b 2048 owner >/dev/null
  in-toto-keygen -t rsa -b 2048 alice >/dev/null
  for k in bob dave edna; do in-toto-keygen -t ed25519 "$k" >/dev/null; done
  for k in carl fred; do in-toto-keygen -t ecdsa "$k" >/dev/null; done
)

# The supply chain: write-code (src/, 20 files), package (src.tar.gz), run by the functionaries.
mkdir -p func/src
(
  cd func
  for i in $(seq 1 20); do echo "int f$i(void) { return $i; }" >"src/f$i.c"; done
  in-toto-run -n write-code -k ../keys/alice -t rsa -p src -- sh -c 'ls src >/dev/null' >/dev/null 2>&1
  in-toto-run -n package -k ../keys/bob -t ed25519 -m src -p src.tar.gz -- tar czf src.tar.gz src >/dev/null 2>&1
  in-toto-run -n package -k ../keys/carl -t ecdsa -m src -p src.tar.gz -x >/dev/null 2>&1
) || die "in-toto-run failed"
ls func/*.link >/dev/null || die "no links recorded"

# make_layout OUT EXPIRES: the layout (unsigned): two steps and an untar inspection.
make_layout() {
  "$py" - "$1" "$2" <<'PY'
import json, sys
from securesystemslib import interface
out, expires = sys.argv[1:]
keys = interface.import_publickeys_from_file(
    ["keys/alice.pub", "keys/bob.pub", "keys/carl.pub"], ["rsa", "ed25519", "ecdsa"])
ids = list(keys)
layout = {
    "_type": "layout", "expires": expires, "readme": "signy interop", "keys": keys,
    "steps": [
        {"_type": "step", "name": "write-code", "threshold": 1, "pubkeys": [ids[0]],
         "expected_command": ["sh", "-c", "ls src >/dev/null"],
         "expected_materials": [],
         "expected_products": [["CREATE", "src/*"], ["DISALLOW", "*"]]},
        {"_type": "step", "name": "package", "threshold": 2, "pubkeys": [ids[1], ids[2]],
         "expected_command": ["tar", "czf", "src.tar.gz", "src"],
         "expected_materials": [["MATCH", "src/*", "WITH", "PRODUCTS", "FROM", "write-code"], ["DISALLOW", "*"]],
         "expected_products": [["CREATE", "src.tar.gz"], ["DISALLOW", "*"]]},
    ],
    "inspect": [
        {"_type": "inspection", "name": "untar", "run": ["tar", "xzf", "src.tar.gz"],
         "expected_materials": [["MATCH", "src.tar.gz", "WITH", "PRODUCTS", "FROM", "package"],
                                ["ALLOW", "root.layout"], ["ALLOW", "*.pub"], ["DISALLOW", "*"]],
         "expected_products": [["MATCH", "src/*", "WITH", "PRODUCTS", "FROM", "write-code"],
                               ["MATCH", "src.tar.gz", "WITH", "PRODUCTS", "FROM", "package"],
                               ["ALLOW", "root.layout"], ["ALLOW", "*.pub"], ["DISALLOW", "*"]]},
    ],
}
with open(out, "w") as f:
    json.dump({"signed": layout, "signatures": []}, f, indent=1, sort_keys=True)
PY
}

# final NAME: a verification directory (the layout, the owner keys, the product, the links in
# links/), from the functionaries' work; the case then alters it.
final() {
  rm -rf "$1" && mkdir -p "$1/links"
  cp func/src.tar.gz "$1/"
  cp func/*.link "$1/links/"
  cp keys/owner.pub keys/edna.pub keys/fred.pub "$1/"
}

# both CASE EXPECTED_EXCEPTION EXPECTED_CODE FLAGS...: in-toto-verify and signy intoto verify in
# fresh copies of directory CASE; "pass"/"" for a pass.
both() {
  local dir=$1 exc=$2 code=$3
  shift 3
  rm -rf "run-ref" "run-signy" && cp -r "$dir" run-ref && cp -r "$dir" run-signy
  local ref_rc=0 ref_out signy_rc=0 signy_out
  ref_out=$(cd run-ref && in-toto-verify "$@" 2>&1) || ref_rc=$?
  signy_out=$(cd run-signy && "$SIGNY" -o json intoto verify "$@" 2>/dev/null) || signy_rc=$?
  if [[ $exc == pass ]]; then
    [[ $ref_rc == 0 ]] || die "$dir: in-toto-verify refuses a good chain: $ref_out"
    [[ $signy_rc == 0 ]] || die "$dir: signy refuses a good chain: $signy_out"
    [[ $signy_out == *'"verified": true'* ]] || die "$dir: signy's output: $signy_out"
    [[ -d run-ref/src && ! -e run-signy/src ]] || die "$dir: the inspection ran in place of the copy"
    return
  fi
  [[ $ref_rc == 1 ]] || die "$dir: in-toto-verify exit $ref_rc, expected 1: $ref_out"
  [[ $ref_out == *"(in-toto-verify) $exc:"* ]] || die "$dir: in-toto-verify did not raise $exc: $ref_out"
  [[ $signy_rc == 1 ]] || die "$dir: signy exit $signy_rc, expected 1: $signy_out"
  [[ $signy_out == *"\"code\": \"$code\""* ]] || die "$dir: signy did not fail with $code: $signy_out"
  # The text form: one line naming the failure.
  expect_fail 1 "in-toto" -- bash -c 'cd run-signy && "$0" intoto verify "$@"' "$SIGNY" "$@"
}

# 1. A good chain, the layout signed by in-toto-sign (rsa), verified with the reference's
# default key type (no --key-types: signy detects it).
make_layout root.layout "2100-01-01T00:00:00Z"
in-toto-sign -f root.layout -k keys/owner -t rsa
final good && cp root.layout good/
both good pass "" -l root.layout -k owner.pub --link-dir links
ok "a chain recorded by in-toto-run (rsa, ed25519, ecdsa functionaries, threshold 2, untar inspection) passes both"
rm -rf run-signy && cp -r good run-signy
(cd run-signy && "$SIGNY" intoto verify -l root.layout -k owner.pub -d links 2>../err >../out) || die "signy -d: $(cat err)"
# carl recorded no command: the reference's command-alignment warning, then the verdict.
grep -q "^signy: warning: in-toto: command alignment: .*package\.[0-9a-f]*\.link.*differs" err || die "no alignment warning: $(cat err)"
[[ $(tail -1 err) == "Verified root.layout: 3 links, 1 inspection" && ! -s out ]] || die "signy's success line: $(cat err) $(cat out)"
[[ $(cd run-signy && find . | sort) == "$(cd good && find . | sort)" ]] || die "signy changed the directory: $(ls -A run-signy)"
ok "signy's short flags (-l -k -d): the alignment warning and one success line on stderr, the directory untouched"

# 2. The layout signed by two keys (ed25519 by signy's crypto, ecdsa by in-toto-sign), both
# required, types given with -t, short flags.
make_layout two.layout "2100-01-01T00:00:00Z"
in-toto-sign -f two.layout -k keys/fred -t ecdsa
"$T" sign two.layout two.signed --sslib-key keys/edna >/dev/null
"$py" - <<'PY'
import json
a, b = json.load(open("two.layout")), json.load(open("two.signed"))
b["signatures"] = a["signatures"] + [s for s in b["signatures"] if s not in a["signatures"]]
json.dump(b, open("two.layout", "w"), indent=1, sort_keys=True)
PY
final two && cp two.layout two/root.layout
both two pass "" -l root.layout -k edna.pub fred.pub -t ed25519 ecdsa --link-dir links
# Only one of them signed: both refuse.
make_layout one.layout "2100-01-01T00:00:00Z"
in-toto-sign -f one.layout -k keys/fred -t ecdsa
final one && cp one.layout one/root.layout
both one SignatureVerificationError bad_signature -l root.layout -k edna.pub fred.pub -t ed25519 ecdsa --link-dir links
ok "a layout signed by signy (ed25519) and in-toto-sign (ecdsa) passes both with -k A B -t ed25519 ecdsa; one signature missing fails both"

# 3. A tampered product: src.tar.gz replaced by one with other sources.
final tampered && cp root.layout tampered/
(cd tampered && mkdir src && echo 'int evil(void);' >src/f1.c && tar czf src.tar.gz src && rm -r src)
both tampered RuleVerificationError rule_failed -l root.layout -k owner.pub --link-dir links
ok "a tampered product fails both (RuleVerificationError / rule_failed)"

# 4. A missing link: write-code's link is gone.
final missing && cp root.layout missing/ && rm missing/links/write-code.*.link
both missing LinkNotFoundError link_missing -l root.layout -k owner.pub --link-dir links
both missing LinkNotFoundError link_missing -l root.layout -k owner.pub --link-dir no-such-dir
ok "a missing link, or link directory, fails both (LinkNotFoundError / link_missing)"

# 5. An unauthorized functionary: dave records write-code; his link under his own name is not
# found, and under alice's name its signature does not count.
mkdir -p dave/src && cp func/src/* dave/src/
(cd dave && in-toto-run -n write-code -k ../keys/dave -t ed25519 -p src -- sh -c 'ls src >/dev/null' >/dev/null 2>&1)
final unauth && cp root.layout unauth/
alice_link=$(cd unauth/links && ls write-code.*.link)
rm "unauth/links/$alice_link" && cp dave/write-code.*.link unauth/links/
both unauth LinkNotFoundError link_missing -l root.layout -k owner.pub --link-dir links
rm unauth/links/write-code.*.link && cp dave/write-code.*.link "unauth/links/$alice_link"
both unauth ThresholdVerificationError threshold_not_met -l root.layout -k owner.pub --link-dir links
ok "an unauthorized functionary fails both (LinkNotFoundError / link_missing under its own name, ThresholdVerificationError / threshold_not_met under alice's)"

# 6. Below a step's threshold: carl's package link altered after signing (its signature no longer
# holds), so one valid link of the two required.
final below && cp root.layout below/
carl_link=$(cd below/links && grep -l '"command": \[\]' package.*.link) || die "carl's link (no command) not found"
"$py" - "below/links/$carl_link" <<'PY'
import json, sys
p = sys.argv[1]
m = json.load(open(p))
m["signed"]["byproducts"]["note"] = "altered"
json.dump(m, open(p, "w"), indent=1, sort_keys=True)
PY
both below ThresholdVerificationError threshold_not_met -l root.layout -k owner.pub --link-dir links
ok "a step below its threshold fails both (ThresholdVerificationError / threshold_not_met)"

# 7. An expired layout, validly signed.
make_layout old.layout "2001-01-01T00:00:00Z"
in-toto-sign -f old.layout -k keys/owner -t rsa
final expired && cp old.layout expired/root.layout
both expired LayoutExpiredError expired -l root.layout -k owner.pub --link-dir links
ok "an expired layout fails both (LayoutExpiredError / expired)"

# Usage: the reference's flags without a layout key are a usage error (exit 2) in both.
rc=0; (cd good && in-toto-verify -l root.layout >/dev/null 2>&1) || rc=$?
[[ $rc == 2 ]] || die "in-toto-verify without keys: exit $rc"
expect_fail 2 "--layout-keys" -- bash -c 'cd good && "$0" intoto verify -l root.layout' "$SIGNY"
expect_fail 2 "--key-types" -- bash -c 'cd good && "$0" intoto verify -l root.layout -k owner.pub -t dsa' "$SIGNY"
ok "usage errors exit 2 in both"
