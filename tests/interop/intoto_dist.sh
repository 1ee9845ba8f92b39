#!/usr/bin/env bash
# in-toto distributed through TUF (issue 9 item 6, cnab-spec 301), on the file:// default and
# against notary-server + docker-registry: a supply chain made here with in-toto-run (one step
# "package" whose product is the bundle, one inspection that must find exactly that bundle)
# passes `signy verify --in-toto` for a thin and a thick bundle; `notary list` shows what targets
# and targets/releases sign; each attack is refused with its own one-line error:
#  a stored layout or link swapped (hash), a layout or a layout key published by targets/releases,
#  a link not listed in the bundle's custom, a misnamed link (sign refuses), a missing stored file,
#  --in-toto on a bundle signed without in-toto metadata, a layout that does not verify with the
#  given key (sign refuses, nothing published).
source "$(dirname "$0")/lib.sh"
require in-toto-run
require in-toto-sign
require notary-server
require notary
require docker-registry
require skopeo
require umoci
py=/usr/bin/python3
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
export SIGNY_RELEASES_PASSPHRASE=releases-pass-1
export NOTARY_ROOT_PASSPHRASE=root-pass-1 NOTARY_TARGETS_PASSPHRASE=targets-pass-1 NOTARY_SNAPSHOT_PASSPHRASE=snap-pass-1
export NOTARY_DELEGATION_PASSPHRASE=releases-pass-1

start_servers
registry_harness_image "$work/l1" a 1 >/dev/null 2>&1 || die "umoci"
read -r _ d1 s1 t1 < <(registry_harness_push "$work/l1" a src/inv:1) || die "push inv"
# A canonical thin bundle.json naming one image (RFC 8785; ASCII only). NAME gives other bytes.
bundle() { one_image_bundle "$1" "$2" "$OCIREG/src/inv:1" "$d1" "$s1" "$t1"; }

# Keys: the layout owner's (the dedicated layout key) and the packager's, both made by in-toto,
# the layout (package_layout), and another key that does not sign it.
package_layout
in-toto-keygen -t ed25519 other >/dev/null 2>&1 </dev/null || die "keygen"

# run_suite LABEL SIGNY...: every check with one server (file:// or notary-server).
run_suite() {
  local label=$1; shift
  local S=("$@")
  local gun=$OCIREG/org/app-$label thickgun=$OCIREG/org/thick-$label
  bundle "b-$label.json" "app-$label"
  chain "b-$label.json" "links-$label"
  mv "b-$label.json" bundle.json
  chain bundle.json "links-$label"
  # Sign refuses a layout that does not verify with the key given, and publishes nothing.
  expect_fail 1 "does not verify with --layout-key" -- "${S[@]}" sign bundle.json "$gun:v1" --in-toto --layout root.layout --links "links-$label" --layout-key other.pub
  ! "${S[@]}" verify "$gun:v1" >/dev/null 2>&1 || die "a refused sign published $gun:v1"
  # A misnamed link is refused before anything is published.
  mkdir -p "bad-$label" && cp "links-$label"/*.link "bad-$label/build.0123abcd.link"
  expect_fail 2 "misnamed" -- "${S[@]}" sign bundle.json "$gun:v1" --in-toto --layout root.layout --links "bad-$label" --layout-key owner.pub
  rm -rf "bad-$label" && mkdir "bad-$label" && cp "links-$label"/*.link "bad-$label/evil..0123abcd.link"
  expect_fail 2 "is not a link file name" -- "${S[@]}" sign bundle.json "$gun:v1" --in-toto --layout root.layout --links "bad-$label" --layout-key owner.pub
  ok "$label: sign --in-toto refuses a layout that does not verify with its key, and misnamed links, before publishing"

  # Thin: published, then verified with the in-toto chain.
  out=$("${S[@]}" sign bundle.json "$gun:v1" --in-toto --layout root.layout --links "links-$label" --layout-key owner.pub 2>&1) || die "sign --in-toto: $out"
  [[ $out == *"(targets/releases version 1)"* && $out == *"in-toto: 3 targets"* ]] || die "sign output: $out"
  out=$("${S[@]}" verify --in-toto "$gun:v1" 2>&1) || die "verify --in-toto thin: $out"
  [[ $out == *"in-toto: verified layout in-toto-metadata/root.layout (layout key "*", from targets), 1 links, 1 inspections (files from "* ]] || die "verify output: $out"
  json=$("${S[@]}" -o json verify --in-toto "$gun:v1" 2>/dev/null) || die "verify -o json"
  [[ $(jq -r '.in_toto.layout' <<<"$json") == in-toto-metadata/root.layout && $(jq -r '.in_toto.links | length' <<<"$json") == 1 &&
     $(jq -r '.role' <<<"$json") == targets/releases ]] || die "json: $json"
  ok "$label: a thin bundle signed with --in-toto verifies with its in-toto chain (text and JSON)"

  # Thick.
  make_thick "thick-$label.tgz" "$label"
  chain "thick-$label.tgz" "tlinks-$label"
  out=$("${S[@]}" sign --thick "thick-$label.tgz" "$thickgun:v1" --in-toto --layout root.layout --links "tlinks-$label" --layout-key owner.pub 2>&1) || die "sign --thick --in-toto: $out"
  out=$("${S[@]}" verify --in-toto --thick --local "thick-$label.tgz" "$thickgun:v1" 2>&1) || die "verify --in-toto thick: $out"
  [[ $out == *"in-toto: verified layout"* ]] || die "verify thick output: $out"
  ok "$label: a thick bundle signed with --in-toto verifies with its in-toto chain"
  # The chain binds the bundle: signed with another bundle's link, it fails the inspection's
  # MATCH (the artifact under verification is not the package step's product).
  make_thick "other-$label.tgz" "other-$label"
  "${S[@]}" sign --thick "other-$label.tgz" "$thickgun:other" --in-toto --layout root.layout --links "tlinks-$label" --layout-key owner.pub >/dev/null 2>&1 || die "sign other"
  expect_fail 1 "disallowed artifact 'other-$label.tgz'" -- "${S[@]}" verify --in-toto --thick --local "other-$label.tgz" "$thickgun:other"
  ok "$label: a bundle published with another bundle's links fails the in-toto rules"

  # Root-anchored: the layout signed with the collection's root key (signy layout sign), no
  # dedicated key: checked with the keys and threshold of the root.json the refresh verified.
  "${S[@]}" layout sign root.layout "$thickgun" --out "rooted-$label.layout" >/dev/null 2>err || die "layout sign: $(cat err)"
  make_thick "thick2-$label.tgz" "$label-2"
  chain "thick2-$label.tgz" "t2links-$label"
  expect_fail 1 "does not verify with the collection's root keys" -- "${S[@]}" sign --thick "thick2-$label.tgz" "$thickgun:v2" --in-toto --layout root.layout --links "t2links-$label"
  out=$("${S[@]}" sign --thick "thick2-$label.tgz" "$thickgun:v2" --in-toto --layout "rooted-$label.layout" --links "t2links-$label" 2>&1) || die "sign root-anchored: $out"
  out=$("${S[@]}" verify --in-toto --thick --local "thick2-$label.tgz" "$thickgun:v2" 2>&1) || die "verify root-anchored: $out"
  [[ $out == *"from root.json), 1 links"* ]] || die "verify root-anchored output: $out"
  ok "$label: a layout signed with the root key verifies with root.json's keys; one the root did not sign is refused at sign"

  # --in-toto without in-toto metadata.
  make_thick "plain-$label.tgz" "plain-$label"
  "${S[@]}" sign --thick "plain-$label.tgz" "$thickgun:plain" >/dev/null 2>&1 || die "plain sign"
  "${S[@]}" verify --thick --local "plain-$label.tgz" "$thickgun:plain" >/dev/null 2>&1 || die "plain verify"
  expect_fail 1 "has no in-toto metadata" -- "${S[@]}" verify --in-toto --thick --local "plain-$label.tgz" "$thickgun:plain"
  ok "$label: --in-toto on a bundle signed without in-toto metadata is refused"

  # --in-toto-dir: offline, from the files by name; a swapped file there is refused.
  mkdir "offline-$label" && cp "rooted-$label.layout" "offline-$label/root.layout" && cp "t2links-$label"/*.link "offline-$label/"
  "${S[@]}" verify --in-toto --in-toto-dir "offline-$label" --thick --local "thick2-$label.tgz" "$thickgun:v2" >/dev/null 2>err ||
    die "verify --in-toto-dir: $(cat err)"
  cp "tlinks-$label"/*.link "offline-$label/$(basename "$(ls "t2links-$label"/*.link)")"  # another bundle's link under this name
  expect_fail 1 "its signed target" -- "${S[@]}" verify --in-toto --in-toto-dir "offline-$label" --thick --local "thick2-$label.tgz" "$thickgun:v2"
  ok "$label: --in-toto-dir reads the files offline, checked by their targets"
}

# Storage attacks need the storage: file:// (a directory) and the registry (blobs) differ.
file_attacks() {
  local S=("$@") gun=$OCIREG/org/app-file
  local store=$work/trust-file/server/v2/$gun/_in-toto
  local lsha; lsha=$(sha256sum root.layout | cut -d' ' -f1)
  [[ -f $store/$lsha ]] || die "the layout is not stored by its sha256 in $store"
  cp "$store/$lsha" saved.layout
  sed 's/2036-01-01/2037-01-01/' saved.layout >"$store/$lsha"  # same length, other bytes
  [[ $(stat -c %s "$store/$lsha") == $(stat -c %s saved.layout) ]] || die "not the same length"
  expect_fail 1 "sha256 " -- "${S[@]}" verify --in-toto "$gun:v1"
  expect_fail 1 "differs from its signed target's" -- "${S[@]}" verify --in-toto "$gun:v1"
  cp other.pub "$store/$lsha"
  expect_fail 1 "in-toto file \"in-toto-metadata/root.layout\"" -- "${S[@]}" verify --in-toto "$gun:v1"
  rm "$store/$lsha"
  expect_fail 1 "is not in" -- "${S[@]}" verify --in-toto "$gun:v1"
  cp saved.layout "$store/$lsha"
  local link; link=$(ls "links-file"/*.link)
  local ksha; ksha=$(sha256sum "$link" | cut -d' ' -f1)
  cp "tlinks-file"/*.link "$store/$ksha"
  expect_fail 1 "its signed target" -- "${S[@]}" verify --in-toto "$gun:v1"
  cp "$link" "$store/$ksha"
  "${S[@]}" verify --in-toto "$gun:v1" >/dev/null 2>&1 || die "restored store does not verify"
  ok "file: a swapped stored layout or link, and a missing stored file, are refused"
}

# Sign's other refusals: options without --in-toto; targets/releases delegated but its key not
# held (a copy of the trust dir without it): nothing is published.
sign_refusals() {
  local gun=$OCIREG/org/app-file
  expect_fail 2 "go with --in-toto" -- "$SIGNY" -d "$work/trust-file" sign bundle.json "$gun:v9" --layout root.layout
  expect_fail 2 "--in-toto needs --layout FILE and --links DIR" -- "$SIGNY" -d "$work/trust-file" sign bundle.json "$gun:v9" --in-toto --layout root.layout
  cp -r "$work/trust-file" "$work/trust-nokey"
  local rid n=0  # one targets/releases key per collection signed with --in-toto: none kept
  for rid in $("$SIGNY" -d "$work/trust-nokey" -o json key list | jq -r '.[] | select(.role == "targets/releases") | .key_id'); do
    rm "$work/trust-nokey/private/$rid.key" && n=$((n + 1))
  done
  [[ $n == 2 ]] || die "$n targets/releases keys in the trust dir, want 2 (app-file and thick-file)"
  make_thick nokey.tgz nokey
  chain nokey.tgz nokey-links
  local thickgun=$OCIREG/org/thick-file
  expect_fail 5 "targets delegates targets/releases but none of its keys is in" -- \
    "$SIGNY" -d "$work/trust-nokey" sign --thick nokey.tgz "$thickgun:nokey" --in-toto --layout "rooted-file.layout" --links nokey-links
  ! "$SIGNY" -d "$work/trust-file" verify --thick --local nokey.tgz "$thickgun:nokey" >/dev/null 2>&1 || die "a refused sign published"
  ok "file: sign refuses --layout without --in-toto, and --in-toto when the targets/releases key is not held (nothing published)"
}

registry_attacks() {
  local S=("$@") repo=org/app-notary
  local lsha; lsha=$(sha256sum root.layout | cut -d' ' -f1)
  [[ $(registry_harness_curl -s -o /dev/null -w '%{http_code}' -I "$OCIREG_URL/v2/$repo/blobs/sha256:$lsha") == 200 ]] || die "layout blob not in the registry"
  local bsha; bsha=$(sha256sum bundle.json | cut -d' ' -f1)
  [[ $(registry_harness_curl -s -o /dev/null -w '%{http_code}' -I -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
       "$OCIREG_URL/v2/$repo/manifests/sha256-$bsha.in-toto") == 200 ]] || die "the in-toto artifact manifest is not tagged"
  ok "notary: the files are blobs of the bundle's repository, kept by a tagged OCI manifest"
}

# Role attacks through the notary CLI on signy's own trust dir (the key files are Notary's
# format): each on a fresh collection signed with --in-toto, then edited and published.
role_attacks() {
  local S=("$@") k=0
  local bsha; bsha=$(sha256sum bundle.json | cut -d' ' -f1)
  local link; link=$(basename "$(ls links-notary/*.link)")
  fresh() {
    k=$((k + 1)); g=$OCIREG/org/atk-$k
    "${S[@]}" sign bundle.json "$g:v1" --in-toto --layout root.layout --links links-notary --layout-key owner.pub >/dev/null 2>&1 || die "sign atk-$k"
  }
  n() { notary -d "$work/trust-notary" -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" "$@"; }
  # The layout signed by targets/releases only (targets' removed): never used.
  fresh
  n remove "$g" in-toto-metadata/root.layout -p >/dev/null 2>&1 || die "notary remove layout"
  n add "$g" in-toto-metadata/root.layout root.layout --roles targets/releases -p >/dev/null 2>&1 || die "notary add layout to releases"
  expect_fail 1 "targets signs no in-toto-metadata/root.layout (a delegation's copy is never used)" -- "${S[@]}" verify --in-toto "$g:v1"
  ok "a layout published by targets/releases is refused"
  # The layout key signed by targets/releases only.
  fresh
  local pub; pub=$(n list "$g" --roles targets 2>/dev/null | grep -o 'in-toto-pubkeys/[0-9a-f]*\.pub' | head -1)
  [[ -n $pub ]] || die "no pubkey target"
  n remove "$g" "$pub" -p >/dev/null 2>&1 || die "notary remove pubkey"
  n add "$g" "$pub" owner.pub --roles targets/releases -p >/dev/null 2>&1 || die "notary add pubkey to releases"
  expect_fail 1 "targets signs no layout key" -- "${S[@]}" verify --in-toto "$g:v1"
  ok "a layout key target published by targets/releases is refused"
  # custom lists a link targets/releases does not sign.
  fresh
  printf '{"in-toto":["in-toto-metadata/root.layout","in-toto-metadata/%s/package.0123abcd.link"]}' "$bsha" >custom.json
  n add "$g" v1 bundle.json --roles targets/releases --custom custom.json -p >/dev/null 2>&1 || die "notary add custom"
  expect_fail 1 "is not a target of targets/releases" -- "${S[@]}" verify --in-toto "$g:v1"
  ok "a link listed in custom but not signed by the bundle's role is refused"
  # A link signed by targets/releases but not listed in custom is never used: the step has none.
  fresh
  printf '{"in-toto":["in-toto-metadata/root.layout"]}' >custom.json
  n add "$g" v1 bundle.json --roles targets/releases --custom custom.json -p >/dev/null 2>&1 || die "notary add custom"
  expect_fail 1 "step 'package' requires 1 link file(s), found 0" -- "${S[@]}" verify --in-toto "$g:v1"
  ok "a link not listed in the bundle's custom is not used (the step's link is missing)"
  # More listed links than sign would ever publish (1000): refused before anything is fetched.
  fresh
  "$py" - "$bsha" >custom.json <<'PY'
import json, sys
names = ["in-toto-metadata/%s/s%d.0123abcd.link" % (sys.argv[1], i) for i in range(1001)]
print(json.dumps({"in-toto": ["in-toto-metadata/root.layout"] + names}))
PY
  n add "$g" v1 bundle.json --roles targets/releases --custom custom.json -p >/dev/null 2>&1 || die "notary add custom"
  expect_fail 3 "lists more than 1000 in-toto links" -- "${S[@]}" verify --in-toto "$g:v1"
  ok "a bundle target listing more than 1000 links is refused"
  # A listed link the layout never asks for is never fetched: signed by targets/releases and
  # listed, its file is not in the registry at all, and the chain verifies.
  fresh
  local extra=in-toto-metadata/$bsha/extra.0123abcd.link
  printf 'not fetched' >extra.link
  n add "$g" "$extra" extra.link --roles targets/releases >/dev/null 2>&1 || die "notary add extra link"
  printf '{"in-toto":["in-toto-metadata/root.layout","in-toto-metadata/%s/%s","%s"]}' "$bsha" "$link" "$extra" >custom.json
  n add "$g" v1 bundle.json --roles targets/releases --custom custom.json -p >/dev/null 2>&1 || die "notary add custom"
  out=$("${S[@]}" verify --in-toto "$g:v1" 2>&1) || die "verify with an unrequested listed link: $out"
  [[ $out == *", 1 links, 1 inspections"* ]] || die "verify output: $out"
  ok "a listed link the layout does not ask for is never fetched"
  # custom lists another bundle's link (signed by targets/releases under that bundle's directory):
  # a link binds one bundle, so it is refused by name.
  fresh
  bundle b-another.json another
  "${S[@]}" sign b-another.json "$g:another" --in-toto --layout root.layout --links links-notary --layout-key owner.pub >/dev/null 2>&1 || die "sign another"
  local osha; osha=$(sha256sum b-another.json | cut -d' ' -f1)
  # Captured first: grep -q stops reading at its match, and with pipefail notary's SIGPIPE would fail the check.
  local listed; listed=$(n list "$g" --roles targets/releases 2>/dev/null) || die "notary list"
  [[ $listed == *"in-toto-metadata/$osha/$link"* ]] || die "the other bundle's link is not signed"
  printf '{"in-toto":["in-toto-metadata/root.layout","in-toto-metadata/%s/%s"]}' "$osha" "$link" >custom.json
  n add "$g" v1 bundle.json --roles targets/releases --custom custom.json -p >/dev/null 2>&1 || die "notary add custom"
  expect_fail 1 "in-toto-metadata/$osha/$link\", not a link file under in-toto-metadata/$bsha/" -- "${S[@]}" verify --in-toto "$g:v1"
  ok "a link of another bundle, signed by targets/releases, is refused"
  # targets/releases restricted to the paths "v1": the link it signed outside them is not used.
  fresh
  n delegation remove "$g" targets/releases --all-paths </dev/null >/dev/null 2>&1 || die "notary delegation remove paths"
  n delegation add "$g" targets/releases --paths v1 -p </dev/null >/dev/null 2>&1 || die "notary delegation add paths"
  [[ $(n delegation list "$g" 2>/dev/null) == *"targets/releases"*"v1"* ]] || die "paths: $(n delegation list "$g" 2>&1)"
  # TUF accepts v1 (the audit policy's checks), in-toto does not, with --in-toto or without (the
  # default policy verifies in-toto whenever the target lists it).
  printf '{"version": "1.0", "policies": [{"name": "a", "scopes": ["*"], "signatureVerification": {"level": "audit"}}]}' >audit.json
  local checks; checks=$("${S[@]}" --policy audit.json -o json verify "$g:v1" 2>/dev/null) || die "v1 under audit: $checks"
  [[ $(jq -r '[.checks[] | select(.status == "passed") | .name] | join(" ")' <<<"$checks") == "policy tuf signing-role bundle-digest bundle-schema images" ]] ||
    die "v1 within the paths does not verify: $checks"
  expect_fail 1 "in-toto-metadata/$bsha/$link\" listed by the signed target is not a target of targets/releases" -- "${S[@]}" verify "$g:v1"
  expect_fail 1 "in-toto-metadata/$bsha/$link\" listed by the signed target is not a target of targets/releases" -- "${S[@]}" verify --in-toto "$g:v1"
  ok "a link signed by targets/releases outside its delegated paths is not used"
  # A missing stored file: the in-toto artifact's blob deleted from the registry.
  fresh
  local lsha; lsha=$(sha256sum "links-notary/$link" | cut -d' ' -f1)
  [[ $(registry_harness_curl -s -o /dev/null -w '%{http_code}' -X DELETE "$OCIREG_URL/v2/org/atk-$k/blobs/sha256:$lsha") == 202 ]] || die "blob delete"
  expect_fail 1 "is not in $OCIREG/org/atk-$k" -- "${S[@]}" verify --in-toto "$g:v1"
  ok "notary: a stored file missing from the registry is refused"
}

# ---- file:// default ----
F=("$SIGNY" -d "$work/trust-file")
run_suite file "${F[@]}"
file_attacks "${F[@]}"
sign_refusals

# ---- notary-server + registry ----
N=("$SIGNY" -d "$work/trust-notary" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA")
run_suite notary "${N[@]}"
registry_attacks "${N[@]}"
role_attacks "${N[@]}"
n() { notary -d "$work/trust-notary" -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" "$@"; }
gun=$OCIREG/org/app-notary
top=$(n list "$gun" --roles targets 2>&1) || die "notary list targets: $top"
rel=$(n list "$gun" --roles targets/releases 2>&1) || die "notary list releases: $rel"
[[ $top == *"in-toto-metadata/root.layout"* && $top == *"in-toto-pubkeys/"* && $top != *" v1 "* ]] || die "targets: $top"
[[ $rel == *"v1 "* && $rel == *"in-toto-metadata/"*"/package."*".link"* && $rel != *"root.layout"* ]] || die "targets/releases: $rel"
ok "notary list: targets holds the layout and its key, targets/releases the bundle and its link"

echo "all in-toto distribution checks passed ($pass)"
