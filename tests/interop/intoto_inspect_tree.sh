#!/usr/bin/env bash
# What an inspection leaves behind, recorded by signy intoto verify as in-toto-verify (in-toto
# 1.3.1) records it, with the same verdict: a symbolic link loop and a link leading outside under
# an excluded name are skipped, and an unreadable directory made by a command run as a non-root
# user is skipped (os.walk ignores it) and removed afterwards: nothing is left in TMPDIR.
source "$(dirname "$0")/lib.sh"
require in-toto-verify
require in-toto-keygen
require setpriv
: "${SIGNY_TESTTOOL:?}"
py=/usr/bin/python3
T=$SIGNY_TESTTOOL

chmod 755 "$work"  # the non-root cases run in here
in-toto-keygen -t ed25519 owner >/dev/null
mkdir tmp && export TMPDIR=$work/tmp

# layout RUN-JSON PRODUCTS-JSON: a layout with one inspection, signed by owner, in chain/.
layout() {
  rm -rf chain && mkdir chain && echo data >chain/artifact
  "$py" - "$1" "$2" <<'PY'
import json, sys
run, products = json.loads(sys.argv[1]), json.loads(sys.argv[2])
layout = {"_type": "layout", "expires": "2100-01-01T00:00:00Z", "readme": "", "keys": {}, "steps": [],
          "inspect": [{"_type": "inspection", "name": "probe", "run": run,
                       "expected_materials": [], "expected_products": products}]}
json.dump({"signed": layout, "signatures": []}, open("unsigned.layout", "w"))
PY
  "$T" sign unsigned.layout chain/root.layout --sslib-key owner >/dev/null
}

# both NAME USER: in-toto-verify and signy intoto verify in copies of chain/, as USER (root or
# nobody); both must pass, and TMPDIR must be empty afterwards.
both() {
  local name=$1 user=$2 as=()
  [[ $user == nobody ]] && as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  rm -rf run-ref run-signy && cp -r chain run-ref && cp -r chain run-signy
  [[ $user == nobody ]] && chown -R 65534:65534 run-ref run-signy tmp && chmod 644 owner.pub
  local out rc=0
  out=$(cd run-ref && "${as[@]}" in-toto-verify -l root.layout -k ../owner.pub -t ed25519 2>&1) || rc=$?
  [[ $rc == 0 ]] || die "$name: in-toto-verify exit $rc: $out"
  out=$(cd run-signy && "${as[@]}" "$SIGNY" intoto verify -l root.layout -k ../owner.pub 2>&1) || rc=$?
  [[ $rc == 0 ]] || die "$name: signy exit $rc: $out"
  [[ -z $(ls -A "$TMPDIR") ]] || die "$name: left behind in TMPDIR: $(ls -lA "$TMPDIR")"
  ok "$name: passes in-toto-verify and signy${as:+ (as uid 65534)}, nothing left in TMPDIR"
}

all='[["ALLOW", "artifact"], ["ALLOW", "root.layout"], ["DISALLOW", "*"]]'
layout '["ln", "-s", "loop", "loop"]' "$all"
both "a symbolic link loop" root

layout '["sh", "-c", "ln -s /etc cache.link && ln -s /etc/passwd x.pyc"]' "$all"
both "links leading outside under excluded names" root

# As a non-root user, whom a mode stops: os.walk ignores a directory it cannot list, and
# os.path.isfile is false for a file in one it cannot search.
layout '["sh", "-c", "mkdir -p d/s e r/s && touch d/f e/g r/h r/s/i && ln -s r rl && chmod 000 d && chmod 100 e && chmod 400 r"]' "$all"
both "unreadable directories made by the inspection" nobody
