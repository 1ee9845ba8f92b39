#!/usr/bin/env bash
# api::verify_bundle against notary-server and docker-registry with a thin bundle (issue 10 item
# 1): the checks of a good bundle, a policy's signingRoles, not_signed for a missing tag and a GUN
# the server does not know, and maxMetadataAge: within it the trust cache alone is verified (the
# server stopped), without it the server must answer.
source "$(dirname "$0")/lib.sh"
require notary-server
require docker-registry
require skopeo
require umoci
require jq
start_servers
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
s() { "$SIGNY" -d trust --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" "$@"; }
checks() { jq -r '[.checks[] | .name + "=" + .status] | join(" ")'; }

push_app_images src/app
app_bundle src/app >bundle.json
gun=$OCIREG/org/app
s sign bundle.json "$gun:v1" >/dev/null 2>sign.err || die "sign: $(cat sign.err)"

json=$(s -o json verify "$gun:v1" 2>/dev/null) || die "verify"
[[ $(checks <<<"$json") == "policy=passed tuf=passed signing-role=passed bundle-digest=passed bundle-schema=passed in-toto=skipped images=passed" ]] ||
  die "checks: $json"
[[ $(jq -r '.length' <<<"$json") == "$(stat -c %s bundle.json)" && $(jq -r '.sha256' <<<"$json") == "$(sha256sum bundle.json | cut -d' ' -f1)" ]] ||
  die "bundle digest: $json"
[[ $(jq -r '[.images[].reference] | join(" ")' <<<"$json") == "$OCIREG/src/app@$d1 $OCIREG/src/app@$d2" ]] || die "images: $json"
ok "notary: a thin bundle verifies with every check passed and its images digest-pinned"

printf '{"version": "1.0", "policies": [{"name": "rel", "scopes": ["%s/org/*"], "signatureVerification": {"level": "strict"}, "signingRoles": ["targets/releases"]}]}\n' "$OCIREG" >rel.json
expect_fail 1 "$gun:v1 is signed by targets; policy rel accepts only targets/releases" -- s --policy rel.json verify "$gun:v1"
expect_fail 1 "$gun has no signed target \"v2\"" -- s verify "$gun:v2"
expect_fail 1 "no trust data for $OCIREG/org/unknown" -- s verify "$OCIREG/org/unknown:v1"
ok "notary: signingRoles refuses, a missing tag and an unknown GUN are not signed (exit 1)"

printf '{"version": "1.0", "policies": [{"name": "age", "scopes": ["*"], "signatureVerification": {"level": "strict"}, "maxMetadataAge": "1h"}]}\n' >age.json
s --policy age.json verify "$gun:v1" >/dev/null 2>&1 || die "age: first verify"
notary_harness_stop
s --policy age.json verify "$gun:v1" >/dev/null 2>err || die "age: from the cache with the server stopped: $(cat err)"
expect_fail 4 "" -- s verify "$gun:v1"
ok "notary: maxMetadataAge verifies the confirmed trust cache with the server stopped; without it the server must answer"
