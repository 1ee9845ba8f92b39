#!/usr/bin/env bash
# Registry + notary-server interoperability (issue 8 items 2, 4, 5):
#  - a thin bundle laid out as cnab-to-oci pushes it (config blob, config manifest, index written
#    here with curl, not by signy) and signed by the notary CLI as the original signy did
#    (`notary add GUN TAG bundle.json`): signy verifies it; one signy signs, notary verifies;
#  - images in Docker Content Trust's form: `signy image sign` -> `notary lookup` gives the digest
#    docker would pull; a tag signed by the notary CLI (sha256 only, like docker trust) -> `signy
#    image verify`; a tag the registry re-points after signing is refused.
source "$(dirname "$0")/lib.sh"
require notary-server
require notary
require docker-registry
require skopeo
require umoci
start_servers
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
export NOTARY_ROOT_PASSPHRASE=root-pass-1 NOTARY_TARGETS_PASSPHRASE=targets-pass-1 NOTARY_SNAPSHOT_PASSPHRASE=snap-pass-1
s() { "$SIGNY" -d "$1" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" "${@:2}"; }
n() { notary -d "$1" -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" "${@:2}"; }

push_app_images cnab/app

# A thin bundle pushed the way cnab-to-oci pushes it, by curl (oci-formats 2.3-2.5).
app_bundle cnab/app >bundle.json
registry_harness_put_blob cnab/app bundle.json >/dev/null
registry_harness_cnab_config_manifest bundle.json >cm.json
cm=sha256:$(sha256sum cm.json | cut -d' ' -f1)
[[ $(registry_harness_put_manifest cnab/app "$cm" cm.json application/vnd.oci.image.manifest.v1+json) == "201 " ]] || die "config manifest"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"annotations":{"io.cnab.manifest.type":"config"}},{"mediaType":"%s","digest":"%s","size":%d,"annotations":{"io.cnab.manifest.type":"invocation"}},{"mediaType":"%s","digest":"%s","size":%d,"annotations":{"io.cnab.component.name":"web","io.cnab.manifest.type":"component"}}],"annotations":{"io.cnab.runtime_version":"v1.0.0","org.opencontainers.artifactType":"application/vnd.cnab.manifest.v1","org.opencontainers.image.description":"","org.opencontainers.image.title":"app","org.opencontainers.image.version":"0.1.0"}}' \
  "$cm" "$(stat -c %s cm.json)" "$t1" "$d1" "$s1" "$t2" "$d2" "$s2" >index.json
[[ $(registry_harness_put_manifest cnab/app v1 index.json application/vnd.oci.image.index.v1+json) == "201 " ]] || die "index"
gun=$OCIREG/cnab/app
n nt init "$gun" >/dev/null 2>&1 || die "notary init"
n nt add "$gun" v1 bundle.json >/dev/null 2>&1 || die "notary add"
n nt publish "$gun" >/dev/null 2>&1 || die "notary publish"
out=$(s st verify "$gun:v1" 2>/dev/null) || die "signy verify of the cnab-to-oci layout signed by notary: $(s st verify "$gun:v1" 2>&1)"
[[ $out == *"invocationImages[0]  $gun@$d1"* && $out == *"web  $gun@$d2"* ]] || die "images: $out"
ok "a bundle in cnab-to-oci's layout (pushed by curl), signed by the notary CLI, verifies with signy"

# signy signs a thin bundle; the notary CLI verifies exactly those bytes.
s st sign bundle.json "$OCIREG/cnab/signed:v2" >/dev/null 2>err || die "signy sign: $(cat err)"
n nt verify "$OCIREG/cnab/signed" v2 <bundle.json >/dev/null 2>&1 || die "notary verify of signy's thin target"
[[ $(registry_harness_curl -s -o /dev/null -w '%{http_code}' -I "$OCIREG_URL/v2/cnab/signed/manifests/v2") == 200 ]] || die "v2 not pushed"
ok "a thin bundle signy signed is the target the notary CLI verifies"

# Images, Docker Content Trust's form.
read -r _ dt st tt < <(registry_harness_push "$work/l1" a tools/cli:1.0) || die "push"
out=$(s st image sign "$OCIREG/tools/cli:1.0" 2>&1) || die "image sign: $out"
lookup=$(n nt lookup "$OCIREG/tools/cli" 1.0 2>&1) || die "notary lookup: $lookup"
[[ $lookup == "1.0 $dt $st" ]] || die "notary lookup: '$lookup', want '1.0 $dt $st'"
[[ $(s st image verify "$OCIREG/tools/cli:1.0") == "$OCIREG/tools/cli@$dt" ]] || die "image verify"
json=$(s st -o json image verify "$OCIREG/tools/cli:1.0")
[[ $json == *"\"reference\": \"$OCIREG/tools/cli@$dt\""* ]] || die "image verify -o json: $json"
ok "signy image sign: notary lookup gives the digest and size docker would pull; image verify prints name@sha256"

# A tag signed by the notary CLI with only sha256 and the length (what docker trust signs).
read -r _ dw sw _ < <(registry_harness_push "$work/l2" b tools/web:2.0 v2s2) || die "push"
printf '%s' "$(registry_harness_curl -sf -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "$OCIREG_URL/v2/tools/web/manifests/$dw")" >web.manifest
[[ $(sha256sum web.manifest | cut -d' ' -f1) == "${dw#sha256:}" ]] || die "manifest bytes"
n nt init "$OCIREG/tools/web" >/dev/null 2>&1 && n nt addhash "$OCIREG/tools/web" 2.0 "$sw" --sha256 "${dw#sha256:}" >/dev/null 2>&1 &&
  n nt publish "$OCIREG/tools/web" >/dev/null 2>&1 || die "notary addhash"
[[ $(s st image verify "$OCIREG/tools/web:2.0") == "$OCIREG/tools/web@$dw" ]] || die "image verify of a notary-signed tag"
ok "a tag the notary CLI signed by hash (as docker trust does) verifies with signy image verify"

# The registry re-points the tag after signing: refused, naming both digests.
registry_harness_push "$work/l2" b tools/cli:1.0 >/dev/null || die "swap"
expect_fail 1 "$OCIREG/tools/cli:1.0 points to" -- s st image verify "$OCIREG/tools/cli:1.0"
ok "a tag re-pointed after signing is refused"
echo "all registry + notary checks passed ($pass)"
