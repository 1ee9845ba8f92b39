#!/usr/bin/env bash
# sign --thick / verify --thick --local / list on the default file:// trust repository, and
# tampering with the repository or the bundle refused with its own reason.
source "$(dirname "$0")/../interop/lib.sh"
: "${FIXTURES:?}"
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
make_thick bundle.tgz
ref=localhost:5000/demo/app
s() { "$SIGNY" -d trust "$@"; }
grep -q "Created the trust collection $ref" <<<"$(s sign --thick bundle.tgz $ref:v1)" || die "first sign"
make_thick b2.tgz b2
grep -q "targets version 2" <<<"$(s sign --thick b2.tgz $ref:v2)" || die "second sign"
grep -q "^Verified" <<<"$(s verify --thick --local bundle.tgz $ref:v1)" || die "verify v1"
grep -q '"verified": true' <<<"$(s -o json verify --thick --local b2.tgz $ref:v2)" || die "verify v2 json"
list=$(s list $ref)
[[ $(grep -c "targets$" <<<"$list") == 2 && $list == *"$(sha256sum bundle.tgz | cut -d' ' -f1)"* ]] || die "list: $list"
ok "sign creates the collection, adds a second target, verify and list agree"

tuf=trust/server/v2/$ref/_trust/tuf
# Another verifier with an empty trust dir trusts on first use, with a warning.
out=$("$SIGNY" -d fresh --server "file://$PWD/trust/server" verify --thick --local bundle.tgz $ref:v1 2>&1)
[[ $out == *"trusting the root of $ref on first use"* && $out == *Verified* ]] || die "TOFU verify: $out"
ok "a fresh verifier of the file repository trusts on first use and verifies"

# Trust pinning (<dir>/config.json, notary's format).
mkdir -p pinned
srv="--server file://$PWD/trust/server"
echo '{"trust_pinning":{"disable_tofu":true}}' >pinned/config.json
expect_fail 1 "trust on first use is disabled" -- "$SIGNY" -d pinned $srv verify --thick --local bundle.tgz $ref:v1
echo '{"trust_pinning":{"certs":{"localhost:5000/*":["0000"]}}}' >pinned/config.json
expect_fail 1 "not signed by the pinned root keys" -- "$SIGNY" -d pinned $srv verify --thick --local bundle.tgz $ref:v1
rootid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["roles"]["root"]["keyids"][0])' "$tuf/root.json")
echo "{\"trust_pinning\":{\"certs\":{\"$ref\":[\"$rootid\"]},\"disable_tofu\":true}}" >pinned/config.json
out=$("$SIGNY" -d pinned $srv verify --thick --local bundle.tgz $ref:v1 2>&1)
[[ $out == Verified* ]] || die "pinned verify: $out"
echo '{"trust_pinning":{"ca":{"localhost":5}}}' >pinned/config.json
expect_fail 3 "must be a file path" -- "$SIGNY" -d pinned $srv verify --thick --local bundle.tgz $ref:v1
echo '{"trust_pinning":{"cas":{}}}' >pinned/config.json
expect_fail 3 "unknown trust_pinning field" -- "$SIGNY" -d pinned $srv verify --thick --local bundle.tgz $ref:v1
# CA pinning (tests/interop/notary_ca_pinning.sh has the full cases): signy's own root
# certificates are self-signed, so no CA certified them.
mkdir -p capinned && echo "{\"trust_pinning\":{\"ca\":{\"localhost:5000/\":\"$PWD/bundle.tgz\"}}}" >capinned/config.json
expect_fail 3 "pinned CA bundle" -- "$SIGNY" -d capinned $srv verify --thick --local bundle.tgz $ref:v1
ok "trust pinning: first use refused, a wrong pinned key refused, the right one accepted silently"

len=$(stat -c %s bundle.tgz)
cp bundle.tgz evil.tgz && printf 'x' >>evil.tgz
expect_fail 1 "is $((len + 1)) bytes, the signed target v1 is $len" -- s verify --thick --local evil.tgz $ref:v1
# The same length, one byte changed where the archive still reads (the gzip header's MTIME, RFC
# 1952 2.3.1): the outer sha256 refuses it.
cp bundle.tgz cut.tgz && printf '\x01' | dd of=cut.tgz bs=1 seek=4 conv=notrunc status=none
cmp -s bundle.tgz cut.tgz && die "cut.tgz is unchanged"
expect_fail 1 "sha256" -- s verify --thick --local cut.tgz $ref:v1
expect_fail 1 "no signed target \"v9\"" -- s verify --thick --local bundle.tgz $ref:v9
ok "a changed bundle (length, hash) and an unsigned tag are refused"

cache=trust/tuf/$ref/metadata
snap() { sha256sum "$cache"/*.json | sha256sum; }
before=$(snap)
cp "$tuf/timestamp.json" ts.good
# Rollback: the server serves the older timestamp v1.
cp "$tuf/1.timestamp.json" "$tuf/timestamp.json"
expect_fail 1 "older than the trusted version" -- s verify --thick --local bundle.tgz $ref:v1
[[ $(snap) == "$before" ]] || die "cache changed after a rollback attempt"
cp ts.good "$tuf/timestamp.json"
# Arbitrary installation: targets.json edited on the server (length changed).
python3 - "$tuf" <<'PY'
import glob, json, sys
for f in glob.glob(sys.argv[1] + "/targets*.json"):
    d = json.load(open(f)); d["signed"]["targets"]["v1"]["length"] = 1
    open(f, "w").write(json.dumps(d, separators=(",", ":")))
PY
rm -rf "$cache/targets.json"
expect_fail 1 "the trusted metadata lists" -- s verify --thick --local bundle.tgz $ref:v1
# Endless data: a huge timestamp.
head -c $((2 << 20)) /dev/zero >"$tuf/timestamp.json"
expect_fail 3 "limit" -- s verify --thick --local bundle.tgz $ref:v1
cp ts.good "$tuf/timestamp.json"
ok "rollback, tampered targets and endless data are refused; the cache is left as it was"

expect_fail 2 "invalid reference" -- s verify --thick --local bundle.tgz 'a//b:v1'
# Without --thick the file is a thin bundle.json (issue 8): a thick archive is not one.
expect_fail 3 "a thin bundle.json must be canonical JSON" -- s sign bundle.tgz $ref:v3
expect_fail 2 "must be https://" -- s --server ftp://127.0.0.1/x list $ref
expect_fail 2 "must be https://" -- s --server http://127.0.0.1.example.com list $ref  # not loopback
expect_fail 4 "Couldn't connect" -- s --server https://127.0.0.1:1 -t 5 list $ref
expect_fail 5 "No such file" -- s sign --thick missing.tgz $ref:v3
expect_fail 2 "invalid GUN" -- s delete '../x'
ok "usage errors for references, unsupported servers; an archive signed as thin; unreachable server; missing files"

s delete --remote $ref >/dev/null || die "delete --remote on the file repository"
[[ ! -e $tuf ]] || die "delete --remote left the file repository's collection"
expect_fail 5 "no root.json" -- s list $ref
expect_fail 5 "no such collection" -- s delete --remote $ref
ok "delete --remote removes a collection from the file repository; deleting it again is a clear error"
echo "$pass passed, 0 failed"
