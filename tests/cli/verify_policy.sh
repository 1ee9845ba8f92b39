#!/usr/bin/env bash
# signy verify through api::verify_bundle under a policy (--policy FILE, <dir>/policy.json, the
# default): every level and requirement on the default file:// repository with thick bundles,
# the checks in -o json, and the exit codes of each refusal.
source "$(dirname "$0")/../interop/lib.sh"
: "${FIXTURES:?}"
require jq
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
make_thick bundle.tgz
ref=localhost:5000/demo/app
s() { "$SIGNY" -d trust "$@"; }
s sign --thick bundle.tgz $ref:v1 >/dev/null || die "sign"
# policy NAME LEVEL [EXTRA]: a file p-NAME.json with one policy for every GUN.
policy() {
  printf '{"version": "1.0", "policies": [{"name": "%s", "scopes": ["*"], "signatureVerification": {"level": "%s"}%s}]}\n' \
    "$1" "$2" "${3:+, $3}" >"p-$1.json"
}
checks() { jq -r '[.checks[] | .name + "=" + .status] | join(" ")'; }

# The default policy: the text output as before, the JSON with the checks.
out=$(s verify --thick --local bundle.tgz $ref:v1) || die "default verify"
[[ $(head -1 <<<"$out") == "Verified bundle.tgz against $ref:v1 (signed by targets)" ]] || die "text: $out"
json=$(s -o json verify --thick --local bundle.tgz $ref:v1) || die "default verify json"
[[ $(checks <<<"$json") == "policy=passed tuf=passed signing-role=passed bundle-digest=passed bundle-schema=passed in-toto=skipped images=passed" ]] ||
  die "checks: $json"
[[ $(jq -r '.verdict, .verified, .policy.name, .policy.scope, .policy.level, .role_version' <<<"$json" | paste -sd' ') == "allow true default * strict 1" ]] ||
  die "verdict/policy: $json"
ok "the default policy: text output unchanged, JSON with verdict, policy and the checks in order"

expect_fail 1 "$ref has no signed target \"v9\"" -- s verify --thick --local bundle.tgz $ref:v9
expect_fail 1 "no trust data for localhost:5000/demo/none" -- s verify --thick --local bundle.tgz localhost:5000/demo/none:v1
ok "no target and no collection are refused (exit 1, not_signed)"

policy roles strict '"signingRoles": ["targets/releases"]'
expect_fail 1 "$ref:v1 is signed by targets; policy roles accepts only targets/releases (signingRoles)" -- \
  s --policy p-roles.json verify --thick --local bundle.tgz $ref:v1
policy intoto strict '"requireInToto": true'
expect_fail 1 "policy intoto requires in-toto (requireInToto)" -- s --policy p-intoto.json verify --thick --local bundle.tgz $ref:v1
policy digests strict
expect_fail 1 "policy digests requires image digests" -- s --policy p-digests.json verify --allow-unpinned --thick --local bundle.tgz $ref:v1
policy nodigests strict '"requireImageDigests": false'
s --policy p-nodigests.json verify --thick --local bundle.tgz $ref:v1 >/dev/null || die "requireImageDigests false"
ok "signingRoles, requireInToto and requireImageDigests are enforced"

# A tampered bundle: strict and permissive deny, audit allows with the failure as a warning.
make_thick other.tgz other
for level in strict permissive; do
  policy "$level" "$level"
  expect_fail 1 "the signed target v1 is" -- s --policy "p-$level.json" verify --thick --local other.tgz $ref:v1
done
policy audit audit
out=$(s --policy p-audit.json verify --thick --local other.tgz $ref:v1 2>err) || die "audit denied: $out $(cat err)"
[[ $out == "Not verified, allowed by policy audit: allowed: $ref:v1 "*"level audit): 1 failed check logged as warnings, the first: other.tgz is "* ]] || die "audit text: $out"
grep -q "^signy: warning: bundle-digest: " err || die "audit warning: $(cat err)"
json=$(s --policy p-audit.json -o json verify --thick --local other.tgz $ref:v1 2>/dev/null) || die "audit json"
[[ $(checks <<<"$json") == "policy=passed tuf=passed signing-role=passed bundle-digest=warned bundle-schema=skipped in-toto=skipped images=skipped" &&
   $(jq -r '.verified, .verdict, (.images | length)' <<<"$json" | paste -sd' ') == "false allow 0" ]] || die "audit json: $json"
ok "a tampered bundle: strict and permissive deny, audit allows and reports the failed check"

# skip only for explicit scopes; another GUN falls to "*".
printf '{"version": "1.0", "policies": [{"name": "dev", "scopes": ["%s"], "signatureVerification": {"level": "skip"}},
  {"name": "rest", "scopes": ["*"], "signatureVerification": {"level": "strict"}}]}\n' $ref >p-skip.json
out=$(s --policy p-skip.json verify --thick --local other.tgz $ref:v1 2>/dev/null) || die "skip denied"
[[ $out == "Not verified, allowed by policy dev: "* ]] || die "skip text: $out"
expect_fail 1 "no trust data for localhost:5000/demo/other" -- s --policy p-skip.json verify --thick --local other.tgz localhost:5000/demo/other:v1
printf '{"version": "1.0", "policies": [{"name": "o", "scopes": ["localhost:5000/other/*"], "signatureVerification": {"level": "strict"}}]}\n' >p-none.json
expect_fail 1 "no policy applies to" -- s --policy p-none.json verify --thick --local bundle.tgz $ref:v1
ok "skip on an explicit scope allows unverified; a GUN no policy matches is refused"

# <dir>/policy.json is the default policy file; a malformed one refuses.
cp p-intoto.json trust/policy.json
expect_fail 1 "policy intoto requires in-toto" -- s verify --thick --local bundle.tgz $ref:v1
echo '{"version": "1.0", "policies": [' >trust/policy.json
expect_fail 3 "policy.json" -- s verify --thick --local bundle.tgz $ref:v1
echo '{"version": "1.0", "policies": []' >bad.json
expect_fail 3 "--policy" -- s --policy bad.json verify --thick --local bundle.tgz $ref:v1
rm trust/policy.json
ok "<dir>/policy.json applies; a malformed policy file refuses (exit 3)"

# maxMetadataAge: within it the trust cache alone is verified (the repository is not read).
policy age strict '"maxMetadataAge": "1h"'
s --policy p-age.json verify --thick --local bundle.tgz $ref:v1 >/dev/null || die "age: first verify"
mv trust/server server.away
s --policy p-age.json verify --thick --local bundle.tgz $ref:v1 >/dev/null || die "age: from the cache"
rc=0; s verify --thick --local bundle.tgz $ref:v1 >/dev/null 2>&1 || rc=$?
[[ $rc != 0 ]] || die "without maxMetadataAge the repository was not read"
mv server.away trust/server
ok "maxMetadataAge verifies a recently confirmed trust cache without the repository"

# The refresh record lives in the collection's metadata/ (no GUN's namespace): the GUN
# $ref/confirmed can be signed and verified beside it, and delete removes the record with the cache.
s --policy p-age.json verify --thick --local bundle.tgz $ref:v1 >/dev/null || die "age: refresh"
[[ -f trust/tuf/$ref/metadata/.confirmed && ! -e trust/tuf/$ref/confirmed ]] || die "the refresh record is not in metadata/"
s sign --thick bundle.tgz $ref/confirmed:v1 >/dev/null || die "sign of the GUN $ref/confirmed"
s --policy p-age.json verify --thick --local bundle.tgz $ref/confirmed:v1 >/dev/null || die "verify of the GUN $ref/confirmed"
s delete $ref >/dev/null || die "delete"
[[ ! -e trust/tuf/$ref/metadata ]] || die "delete left the metadata (or the record)"
s --policy p-age.json verify --thick --local bundle.tgz $ref/confirmed:v1 >/dev/null || die "the GUN $ref/confirmed after delete of $ref"
ok "the maxMetadataAge record is in metadata/: the GUN <gun>/confirmed signs, delete removes the record"
