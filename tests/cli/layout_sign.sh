#!/usr/bin/env bash
# signy layout sign (issue 9 item 5): a layout signed with the collection's root key (by the
# in-toto key ID `key export --format in-toto` prints) or a dedicated layout key; bad layouts and
# a trust dir without the root key are refused with one line, and nothing is written.
source "$(dirname "$0")/../interop/lib.sh"
: "${SIGNY_TESTTOOL:?}"
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
export SIGNY_RELEASES_PASSPHRASE=layout-pass-1
s() { "$SIGNY" -d t "$@"; }
gun=example.com/org/app
make_thick b.tgz
s sign --thick b.tgz $gun:v1 >/dev/null || die "sign"
rid=$(s -o json key list | python3 -c 'import json,sys; print([k["key_id"] for k in json.load(sys.stdin) if k["role"]=="root"][0])')
s key export "$rid" --format in-toto >root.pub
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["keyid"])' root.pub)
# layout.json: the `signed` object of the fixture layout; edit LAYOUT EXPR: a changed copy.
python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["signed"], open("layout.json","w"))' "$FIXTURES/intoto/root.layout"
edit() { python3 -c 'import json,sys; d=json.load(open("layout.json")); exec(sys.argv[2]); json.dump(d, open(sys.argv[1],"w"))' "$@"; }

out=$(s layout sign layout.json $gun --out signed.layout 2>err) || die "layout sign: $(cat err)"
[[ $out == "Signed signed.layout for $gun with root key $rid (in-toto key ID $want)" ]] || die "output: $out"
[[ ! -s err ]] || die "a signed object is not a metablock, nothing to say on stderr: $(cat err)"
"$SIGNY_TESTTOOL" verify signed.layout root.pub >/dev/null || die "the root-signed layout does not verify with the exported root key"
[[ $(python3 -c 'import json; print(len(json.load(open("signed.layout"))["signatures"]))') == 1 ]] || die "not one signature"
# In-toto's dump format: json.dumps(indent=1, sort_keys=True), no trailing newline.
python3 -c 'import json,sys; t=open("signed.layout").read(); sys.exit(t != json.dumps(json.loads(t), indent=1, separators=(",", ": "), sort_keys=True))' ||
  die "not in-toto's dump format"
ok "a layout's signed object is signed with the root key, by the key ID key export --format in-toto prints"

# A whole metablock: its signatures are replaced, and stderr says so.
s layout sign "$FIXTURES/intoto/root.layout" $gun --out resigned.layout >/dev/null 2>err || die "metablock: $(cat err)"
grep -q "its 1 signature(s) are replaced" err || die "stderr: $(cat err)"
[[ $(python3 -c 'import json; print([s["keyid"] for s in json.load(open("resigned.layout"))["signatures"]])') == "['$want']" ]] ||
  die "the old signature was kept: $(cat resigned.layout)"
cmp <(python3 -c 'import json; print(json.load(open("resigned.layout"))["signed"])') \
    <(python3 -c 'import json; print(json.load(open("signed.layout"))["signed"])') || die "the metablock's layout changed"
ok "a signed metablock is re-signed: its signatures are replaced, said on stderr"

# -o json: the key IDs.
s -o json layout sign layout.json $gun --out j.layout | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["keyids"] == [sys.argv[1]] and d["key_ids"] == [sys.argv[2]] and d["key"] == "root" and d["replaced_signatures"] == 0, d' \
  "$want" "$rid" || die "json output"
ok "-o json lists the signing key IDs"

# Refusals: one line, the right exit code, no file written.
edit expired.json 'd["expires"] = "2020-01-01T00:00:00Z"'
expect_fail 1 "expired at 2020-01-01T00:00:00Z" -- s layout sign expired.json $gun --out x.layout
edit unknown.json 'd["extra"] = 1'
expect_fail 3 "extra" -- s layout sign unknown.json $gun --out x.layout
edit badstep.json 'd["steps"][0]["expected_materials"] = [["MATCH", "*"]]'
expect_fail 3 "build" -- s layout sign badstep.json $gun --out x.layout
edit badtype.json 'd["_type"] = "link"'
expect_fail 1 "layout" -- s layout sign badtype.json $gun --out x.layout
printf '{"_type": "layout", "expires": ' >trunc.json
expect_fail 3 "layout" -- s layout sign trunc.json $gun --out x.layout
printf '[]' >array.json
expect_fail 3 "not a JSON object" -- s layout sign array.json $gun --out x.layout
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["extra"]=1; json.dump(d, open("envelope.json","w"))' "$FIXTURES/intoto/root.layout"
expect_fail 3 "extra" -- s layout sign envelope.json $gun --out x.layout
[[ ! -e x.layout ]] || die "a refused layout was written"
ok "expired, unparsable, non-layout and unknown-member layouts are refused with one line, nothing written"

# No root key held: a trust dir that trusts the collection but holds none of its keys.
"$SIGNY" -d other --server "file://$PWD/t/server" list $gun >/dev/null 2>&1 || die "list (trust on first use)"
expect_fail 5 "none of the root keys of $gun" -- "$SIGNY" -d other --server "file://$PWD/t/server" layout sign layout.json $gun --out x.layout
expect_fail 5 "no trust collection example.com/org/none" -- s layout sign layout.json example.com/org/none --out x.layout
expect_fail 2 "registry host" -- s layout sign layout.json example.com --out x.layout
[[ ! -e x.layout ]] || die "written without a key"
ok "a trust dir without the root key, an unknown collection and a bare host are refused"

# A wrong root passphrase: nothing written.
SIGNY_ROOT_PASSPHRASE=wrong-pass-1 expect_fail 3 "" -- s layout sign layout.json $gun --out x.layout
[[ ! -e x.layout ]] || die "written with a wrong passphrase"
ok "a wrong root passphrase is refused"

# --key: dedicated layout keys of each type.
for t in ed25519 rsa ecdsa; do
  kid=$(s -o json key generate --role targets/layout-$t --type $t | python3 -c 'import json,sys; print(json.load(sys.stdin)["key_id"])')
  s key export "$kid" --format in-toto >"$t.pub"
  kwant=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["keyid"])' "$t.pub")
  out=$(s layout sign layout.json $gun --out "$t.layout" --key "$kid") || die "--key $t"
  [[ $out == *"with layout key $kid (in-toto key ID $kwant)" ]] || die "--key $t output: $out"
  "$SIGNY_TESTTOOL" verify "$t.layout" "$t.pub" >/dev/null || die "the $t-signed layout does not verify"
  ! "$SIGNY_TESTTOOL" verify "$t.layout" root.pub >/dev/null 2>&1 || die "the $t-signed layout verifies with the root key"
done
expect_fail 5 "no key 00000000" -- s layout sign layout.json $gun --out x.layout --key "$(printf '0%.0s' {1..64})"
expect_fail 2 "is not a key ID" -- s layout sign layout.json $gun --out x.layout --key ../../etc/passwd
ok "--key signs with dedicated ed25519, rsa and ecdsa layout keys; an unknown key ID is refused"
echo "$pass passed, 0 failed"
