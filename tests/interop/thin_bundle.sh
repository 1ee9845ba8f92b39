#!/usr/bin/env bash
# Thin bundles against a real docker-registry (issue 8 items 2, 3, 5) with the file:// trust
# repository: `signy sign bundle.json REF` pushes cnab-to-oci's layout (config blob = the exact
# bundle.json bytes, config manifest, index) after copying the images into REF's repository, and
# signs those bytes; `signy verify REF` compares the pulled config blob's raw bytes with the TUF
# target and resolves every image. Refused: a swapped image tag, a relocation map pointing
# elsewhere, an index swapped after signing, an index naming another image, unpinned images,
# non-canonical or schema-invalid bundles, a contentDigest the registry does not hold; nothing is
# pushed or signed when sign refuses. The class-policy registry triggers the config fallback; TLS
# and Basic auth registries are reached with --registry-ca and the docker config.
source "$(dirname "$0")/lib.sh"
require docker-registry
require skopeo
require umoci
source "${SOURCE_DIR:?}/scripts/registry-harness.sh"
trap 'rc=$?; registry_harness_stop $rc; rm -rf "$work"; exit $rc' EXIT
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
s() { "$SIGNY" -d trust "$@"; }
status() { registry_harness_curl -s -o /dev/null -w '%{http_code}' "$@" || true; }
accept="application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json"
accept+=",application/vnd.docker.distribution.manifest.v2+json,application/vnd.docker.distribution.manifest.list.v2+json"
# bundle OUT INV_REF INV_DIGEST INV_SIZE INV_TYPE WEB_REF WEB_DIGEST WEB_SIZE WEB_TYPE [NAME]:
# a canonical bundle.json (RFC 8785: sorted keys, no whitespace; ASCII and integers only here).
# An empty digest leaves contentDigest, size and mediaType out.
bundle() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
out, r1, d1, s1, t1, r2, d2, s2, t2 = sys.argv[1:10]
name = sys.argv[10] if len(sys.argv) > 10 else "thin"
def image(ref, digest, size, mt, kind):
    i = {"imageType": kind, "image": ref}
    if digest:
        i.update(contentDigest=digest, size=int(size), mediaType=mt)
    return i
web = image(r2, d2, s2, t2, "docker")
web["description"] = "web <frontend> & more"
b = {"schemaVersion": "v1.0.0", "name": name, "version": "0.1.0", "description": "A <thin> & test",
     "keywords": ["thin", "test"], "maintainers": [{"name": "Jane Doe", "email": "jane@example.com"}],
     "invocationImages": [image(r1, d1, s1, t1, "oci")], "images": {"web": web}}
open(out, "w").write(json.dumps(b, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
PY
}

registry_harness_start "$work/plain" plain >/dev/null || die "registry did not start"
registry_harness_image "$work/l1" a 1 >/dev/null 2>&1 || die "umoci"
registry_harness_image "$work/l2" b 2 >/dev/null 2>&1 || die "umoci"
registry_harness_image "$work/l3" c 3 >/dev/null 2>&1 || die "umoci"
read -r _ d1 s1 t1 < <(registry_harness_push "$work/l1" a src/inv:1) || die "push inv"
read -r _ d2 s2 t2 < <(registry_harness_push "$work/l2" b src/web:1 v2s2) || die "push web"
read -r _ d3 s3 t3 < <(registry_harness_push "$work/l3" c src/other:1) || die "push other"
inv=$OCIREG/src/inv:1 web=$OCIREG/src/web:1
bundle bundle.json "$inv" "$d1" "$s1" "$t1" "$web" "$d2" "$s2" "$t2"
ref=$OCIREG/org/app:v1

# sign: pushed in cnab-to-oci's layout, images copied into org/app, then signed.
s sign bundle.json "$ref" --relocation-map reloc.json >sign.out 2>sign.err || die "sign: $(cat sign.err)"
grep -q "^Signed bundle.json as $ref (targets version 1)" sign.out || die "sign output: $(cat sign.out)"
# The config blob is bundle.json's bytes; the config manifest is cnab-to-oci's first form, byte for byte.
raw=$(skopeo inspect --raw --tls-verify=false "docker://$ref") || die "skopeo inspect of the index"
printf '%s' "$raw" >index.json
cm_digest=$(/usr/bin/python3 -c 'import json,sys; m=json.load(open("index.json"))["manifests"]; print(m[0]["digest"], m[0]["annotations"]["io.cnab.manifest.type"], m[1]["digest"], m[1]["annotations"]["io.cnab.manifest.type"], m[2]["digest"], m[2]["annotations"]["io.cnab.component.name"])')
read -r cm kind0 i1 kind1 i2 name2 <<<"$cm_digest"
[[ $kind0 == config && $kind1 == invocation && $i1 == "$d1" && $i2 == "$d2" && $name2 == web ]] || die "index layout: $raw"
registry_harness_cnab_config_manifest bundle.json >expected-cm.json
got_cm=$(registry_harness_curl -sf -H "Accept: $accept" "$OCIREG_URL/v2/org/app/manifests/$cm")
[[ $got_cm == "$(cat expected-cm.json)" ]] || die "config manifest differs from cnab-to-oci's: $got_cm"
registry_harness_curl -sf "$OCIREG_URL/v2/org/app/blobs/sha256:$(sha256sum bundle.json | cut -d' ' -f1)" | cmp -s - bundle.json ||
  die "the config blob is not bundle.json's bytes"
[[ $raw == *'"org.opencontainers.image.description":"A \u003cthin\u003e \u0026 test"'* ]] || die "index strings are not Go-escaped: $raw"
for d in "$d1" "$d2"; do
  [[ $(status -I -H "Accept: $accept" "$OCIREG_URL/v2/org/app/manifests/$d") == 200 ]] || die "image $d not copied into org/app"
done
# The relocation map: original image -> its copy in the bundle's repository (RFC 8785).
want_map="{\"$inv\":\"$OCIREG/org/app@$d1\",\"$web\":\"$OCIREG/org/app@$d2\"}"
[[ $(cat reloc.json) == "$want_map" ]] || die "relocation map: $(cat reloc.json)"
ok "sign pushes cnab-to-oci's layout (config blob = bundle.json bytes), copies the images and writes the relocation map"

out=$(s verify "$ref") || die "verify"
[[ $out == *"Verified $ref (signed by targets)"* && $out == *"sha256  $(sha256sum bundle.json | cut -d' ' -f1)"* ]] || die "verify output: $out"
[[ $out == *"invocationImages[0]  $OCIREG/src/inv@$d1"* && $out == *"web  $OCIREG/src/web@$d2"* ]] || die "verify images: $out"
json=$(s -o json verify "$ref")
/usr/bin/python3 - "$json" "$OCIREG" "$d1" "$d2" <<'PY' || die "verify -o json: $json"
import json, sys
j = json.loads(sys.argv[1]); reg, d1, d2 = sys.argv[2:]
assert j["verified"] is True
assert j["images"] == [
    {"name": "invocationImages[0]", "image": f"{reg}/src/inv:1", "reference": f"{reg}/src/inv@{d1}"},
    {"name": "web", "image": f"{reg}/src/web:1", "reference": f"{reg}/src/web@{d2}"}], j["images"]
PY
out=$(s verify --relocation-map reloc.json "$ref") || die "verify with the relocation map"
[[ $out == *"invocationImages[0]  $OCIREG/org/app@$d1"* ]] || die "relocated references: $out"
ok "verify compares the raw config blob with the target and prints the digest-pinned images (text, JSON, relocated)"

# The registry re-points the invocation image's tag: refused where the bundle says the image is;
# the relocated copies, pinned by digest, still verify.
registry_harness_push "$work/l3" c src/inv:1 >/dev/null || die "swap the tag"
expect_fail 1 "invocationImages[0]: $inv is $d3 in its registry, the signed bundle.json says $d1" -- s verify "$ref"
s verify --relocation-map reloc.json "$ref" >/dev/null || die "the relocated copies no longer verify"
registry_harness_push "$work/l1" a src/inv:1 >/dev/null || die "restore the tag"
# A relocation map pointing at another image.
registry_harness_push "$work/l3" c org/app:other >/dev/null
sed "s|org/app@$d1|org/app@$d3|" reloc.json >evil-reloc.json
expect_fail 1 "the signed bundle.json says $d1" -- s verify --relocation-map evil-reloc.json "$ref"
printf '{"%s":"%s"}' "$inv" "$OCIREG/org/app@$d1" >short-reloc.json
expect_fail 1 "web: the relocation map has no entry for $web" -- s verify --relocation-map short-reloc.json "$ref"
printf '{"%s":"%s:latest"}' "$inv" "$OCIREG/org/app" >tag-reloc.json
expect_fail 3 "not a digest-pinned reference" -- s verify --relocation-map tag-reloc.json "$ref"
ok "a swapped image tag and relocation maps pointing elsewhere are refused"

# Another bundle's index under v1 (the registry swaps the bundle): the config blob is not the target.
bundle other.json "$inv" "$d1" "$s1" "$t1" "$web" "$d2" "$s2" "$t2" other
s sign other.json "$OCIREG/org/app:v2" >/dev/null 2>&1 || die "sign v2"
registry_harness_curl -sf -H "Accept: $accept" "$OCIREG_URL/v2/org/app/manifests/v2" >v2-index.json
registry_harness_put_manifest org/app v1 v2-index.json application/vnd.oci.image.index.v1+json >/dev/null
expect_fail 1 "the bundle config blob of $ref" -- s verify "$ref"
registry_harness_put_manifest org/app v1 index.json application/vnd.oci.image.index.v1+json >/dev/null
s verify "$ref" >/dev/null || die "restored index"
# An index that names another invocation image than the signed bundle.json.
sed "s|$d1|$d3|; s|\"size\":$s1,|\"size\":$s3,|" index.json >evil-index.json
registry_harness_put_manifest org/app v1 evil-index.json application/vnd.oci.image.index.v1+json >/dev/null
expect_fail 1 "invocationImages[0]: the bundle index of $ref names $d3" -- s verify "$ref"
registry_harness_put_manifest org/app v1 index.json application/vnd.oci.image.index.v1+json >/dev/null
# A second invocation descriptor (cnab-to-oci's reading keeps the last one: a runtime would run it).
/usr/bin/python3 - "$d3" "$s3" "$t3" <<'PY' >two-inv-index.json
import json, sys
d, size, mt = sys.argv[1:]
raw = open("index.json").read()
i = json.loads(raw)
i["manifests"].insert(2, {"mediaType": mt, "digest": d, "size": int(size), "annotations": {"io.cnab.manifest.type": "invocation"}})
sys.stdout.write(json.dumps(i, separators=(",", ":")))
PY
registry_harness_put_manifest org/app v1 two-inv-index.json application/vnd.oci.image.index.v1+json >/dev/null
expect_fail 3 "2 invocation image descriptors" -- s verify "$ref"
registry_harness_put_manifest org/app v1 index.json application/vnd.oci.image.index.v1+json >/dev/null
# A tag that points at an image, not a bundle index.
s sign bundle.json "$OCIREG/org/app:v3" >/dev/null 2>&1 || die "sign v3"
registry_harness_push "$work/l3" c org/app:v3 >/dev/null
expect_fail 3 "not a CNAB bundle index" -- s verify "$OCIREG/org/app:v3"
ok "a swapped bundle index, an index naming another image and a tag on a plain image are refused"

# Refusals before anything is pushed or signed.
pushed_nothing() {  # pushed_nothing REPO TAG: no tag, no signature, and no image copied into REPO
  [[ $(status -I -H "Accept: $accept" "$OCIREG_URL/v2/$1/manifests/$2") == 404 ]] || die "$1:$2 was pushed"
  ! grep -q "^$2 " <<<"$(s list "$OCIREG/$1" 2>/dev/null)" || die "$1:$2 was signed"
  local d
  for d in "$d1" "$d2" "$d3"; do
    [[ $(status -I -H "Accept: $accept" "$OCIREG_URL/v2/$1/manifests/$d") == 404 ]] || die "image $d was copied into $1"
  done
}
bundle unpinned.json "$inv" "" "" "" "$web" "$d2" "$s2" "$t2"
expect_fail 1 "invocationImages[0] ($inv) has no contentDigest" -- s sign unpinned.json "$OCIREG/org/unpinned:v1"
pushed_nothing org/unpinned v1
/usr/bin/python3 -c 'import json; b=json.load(open("bundle.json")); open("pretty.json","w").write(json.dumps(b, indent=2, sort_keys=True))'
expect_fail 3 "canonical" -- s sign pretty.json "$OCIREG/org/pretty:v1"
pushed_nothing org/pretty v1
/usr/bin/python3 -c 'import json; b=json.load(open("bundle.json")); del b["invocationImages"]; open("invalid.json","w").write(json.dumps(b, sort_keys=True, separators=(",",":")))'
expect_fail 3 "invocationImages: required" -- s sign invalid.json "$OCIREG/org/invalid:v1"
pushed_nothing org/invalid v1
bundle wrongdigest.json "$inv" "$d3" "$s3" "$t3" "$web" "$d2" "$s2" "$t2"
expect_fail 1 "in its registry, the signed bundle.json says $d3" -- s sign wrongdigest.json "$OCIREG/org/wrong:v1"
pushed_nothing org/wrong v1
# The first image is right, the second is not: the first is not copied either.
bundle secondwrong.json "$inv" "$d1" "$s1" "$t1" "$web" "$d3" "$s3" "$t3"
expect_fail 1 "web: $web is $d2 in its registry, the signed bundle.json says $d3" -- s sign secondwrong.json "$OCIREG/org/second:v1"
pushed_nothing org/second v1
bundle secondunpinned.json "$inv" "$d1" "$s1" "$t1" "$web" "" "" ""
expect_fail 1 "web ($web) has no contentDigest" -- s sign secondunpinned.json "$OCIREG/org/second:v1"
pushed_nothing org/second v1
bundle absent.json "$OCIREG/src/inv@sha256:$(printf x | sha256sum | cut -d' ' -f1)" "sha256:$(printf x | sha256sum | cut -d' ' -f1)" \
  "$s1" "$t1" "$web" "$d2" "$s2" "$t2"
expect_fail 1 "invocationImages[0]" -- s sign absent.json "$OCIREG/org/absent:v1"
pushed_nothing org/absent v1
ok "unpinned, non-canonical, schema-invalid bundles and digests the registry does not hold: refused, nothing pushed or signed"

# A sign that fails at the keys (a wrong passphrase) leaves the tag on the release signed now.
SIGNY_TARGETS_PASSPHRASE=wrong-passphrase expect_fail 3 "passphrase" -- s sign other.json "$ref"
s verify "$ref" >/dev/null || die "a refused sign moved the tag of the signed release"
ok "a sign refused at the keys leaves the signed release's tag untouched"

# --allow-unpinned: accepted with a warning naming the image, the bundle bytes unchanged.
s sign --allow-unpinned unpinned.json "$OCIREG/org/unpinned:v1" >/dev/null 2>err || die "sign --allow-unpinned: $(cat err)"
grep -q "warning: invocationImages\[0\] ($inv) has no contentDigest" err || die "no warning: $(cat err)"
registry_harness_curl -sf "$OCIREG_URL/v2/org/unpinned/blobs/sha256:$(sha256sum unpinned.json | cut -d' ' -f1)" | cmp -s - unpinned.json ||
  die "the pushed bytes differ from the given bundle"
expect_fail 1 "has no contentDigest" -- s verify "$OCIREG/org/unpinned:v1"
s verify --allow-unpinned "$OCIREG/org/unpinned:v1" >/dev/null 2>err || die "verify --allow-unpinned"
grep -q "has no contentDigest" err || die "no warning on verify"
ok "--allow-unpinned signs and verifies with a warning; without it the unpinned bundle is refused"

# A registry whose class policy refuses the CNAB config type: cnab-to-oci's next form is pushed.
registry_harness_start "$work/policy" policy >/dev/null || die "policy registry"
read -r _ p1 ps1 pt1 < <(registry_harness_push "$work/l1" a src/inv:1)
read -r _ p2 ps2 pt2 < <(registry_harness_push "$work/l2" b src/web:1 v2s2)
bundle policy.json "$OCIREG/src/inv:1" "$p1" "$ps1" "$pt1" "$OCIREG/src/web:1" "$p2" "$ps2" "$pt2"
json=$(s -o json sign policy.json "$OCIREG/org/app:v1" 2>/dev/null) || die "sign on the policy registry"
[[ $json == *'"config_media_type": "application/vnd.oci.image.config.v1+json"'* ]] || die "fallback: $json"
s verify "$OCIREG/org/app:v1" >/dev/null || die "verify on the policy registry"
ok "a registry refusing the CNAB config type gets cnab-to-oci's fallback form, and it verifies"

# TLS: the CA named with --registry-ca; without it the certificate is refused.
registry_harness_start "$work/tls" tls,basic >/dev/null || die "tls registry"
registry_harness_skopeo_dest >/dev/null
read -r _ q1 qs1 qt1 < <(registry_harness_push "$work/l1" a src/inv:1)
read -r _ q2 qs2 qt2 < <(registry_harness_push "$work/l2" b src/web:1 v2s2)
bundle tls.json "$OCIREG/src/inv:1" "$q1" "$qs1" "$qt1" "$OCIREG/src/web:1" "$q2" "$qs2" "$qt2"
mkdir -p docker
printf '{"auths":{"%s":{"auth":"%s"}}}' "$OCIREG" "$(printf '%s:%s' "$OCIREG_USER" "$OCIREG_PASSWORD" | base64 -w0)" >docker/config.json
export DOCKER_CONFIG=$work/docker
expect_fail 4 "if this registry speaks https, name its CA" -- s sign tls.json "$OCIREG/org/app:v1"
s --registry-ca "$OCIREG_CA" sign tls.json "$OCIREG/org/app:v1" >/dev/null 2>err || die "sign over TLS + Basic: $(cat err)"
s --registry-ca "$OCIREG_CA" verify "$OCIREG/org/app:v1" >/dev/null || die "verify over TLS + Basic"
DOCKER_CONFIG=$work/nowhere expect_fail 4 "unauthorized (HTTP 401)" -- s --registry-ca "$OCIREG_CA" verify "$OCIREG/org/app:v1"
ok "a TLS registry with Basic auth: --registry-ca and the docker config; refused without either"
echo "all thin bundle checks passed ($pass)"
