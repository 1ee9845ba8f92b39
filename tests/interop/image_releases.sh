#!/usr/bin/env bash
# signy image sign into targets/releases (issue 8 item 4; docker/cli trust_push.go
# AddToAllSignableRoles): the notary CLI delegates targets/releases to a key made with openssl;
# with that key in signy's trust dir, `signy image sign` signs into targets/releases (no targets
# key used) and the notary CLI and `signy image verify` (releases first, as docker looks images up)
# read it; without the key it signs into targets, with a warning. Bundles keep signing into targets.
source "$(dirname "$0")/lib.sh"
require notary-server
require notary
require docker-registry
require skopeo
require umoci
require openssl
start_servers
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_RELEASES_PASSPHRASE=releases-pass-1
export NOTARY_ROOT_PASSPHRASE=root-pass-1 NOTARY_TARGETS_PASSPHRASE=targets-pass-1
s() { "$SIGNY" -d "$1" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" "${@:2}"; }
n() { notary -d "$1" -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" "${@:2}"; }

registry_harness_image "$work/l1" a 1 >/dev/null 2>&1 || die "umoci"
registry_harness_image "$work/l2" b 2 >/dev/null 2>&1 || die "umoci"
gun=$OCIREG/app/tool
read -r _ d1 s1 _ < <(registry_harness_push "$work/l1" a app/tool:1.0) || die "push"

# signy creates the collection (into targets, as docker does for a new repository).
out=$(s st image sign "$gun:1.0" 2>&1) || die "image sign: $out"
[[ $out == *"as $gun:1.0 (targets version 1)"* ]] || die "first sign: $out"

# The notary CLI, sharing signy's trust dir (it holds the targets key), delegates
# targets/releases to a certificate made with openssl.
openssl ecparam -name prime256v1 -genkey -noout -out rel.key 2>/dev/null || die "openssl key"
openssl req -new -x509 -key rel.key -out rel.crt -days 30 -subj /CN=releases 2>/dev/null || die "openssl cert"
n st delegation add "$gun" targets/releases rel.crt --all-paths >/dev/null 2>err || die "notary delegation add: $(cat err)"
n st publish "$gun" >/dev/null 2>err || die "notary publish: $(cat err)"

# Without the releases key: targets, with a warning.
read -r _ d2 s2 _ < <(registry_harness_push "$work/l2" b app/tool:2.0) || die "push"
out=$(s st image sign "$gun:2.0" 2>err) || die "image sign without the releases key: $(cat err)"
[[ $out == *"as $gun:2.0 (targets version 3)"* ]] || die "sign without the releases key: $out"
grep -q "targets delegates targets/releases but none of its keys is in" err || die "no warning: $(cat err)"
ok "without a targets/releases key image sign signs into targets, saying why"

# The delegation's private key in signy's trust dir (by signy key import; notary would store it so).
before=$(ls st/private)
s st key import rel.key --role targets/releases >/dev/null 2>err || die "key import: $(cat err)"
rel_id=$(comm -13 <(echo "$before") <(ls st/private) | sed 's/\.key$//')
[[ -n $rel_id ]] || die "no key imported"
# Only the releases key may sign from here: the targets key is moved away.
targets_key=$(grep -l '^role: targets$' st/private/*.key) || die "no targets key"
mv "$targets_key" targets.key.aside

out=$(s st -o json image sign "$gun:2.0" 2>err) || die "image sign into releases: $(cat err)"
[[ $out == *'"role": "targets/releases"'* && $out == *'"targets_version": 1'* ]] || die "image sign -o json: $out"
read -r _ d3 s3 _ < <(registry_harness_push "$work/l1" a app/tool:3.0) || die "push"
out=$(s st image sign "$gun:3.0" 2>err) || die "image sign 3.0: $(cat err)"
[[ $out == *"as $gun:3.0 (targets/releases version 2)"* ]] || die "image sign text: $out"
ok "with the releases key (found by the certificate key ID notary delegated to) image sign signs into targets/releases, without the targets key"

# The notary CLI, in a trust dir of its own, reads what signy signed.
lookup=$(n nt lookup "$gun" 3.0 2>&1) || die "notary lookup: $lookup"
[[ $lookup == "3.0 $d3 $s3" ]] || die "notary lookup: '$lookup', want '3.0 $d3 $s3'"
listed=$(n nt list "$gun" --roles targets/releases 2>&1) || die "notary list: $listed"
grep -q "^2\.0 .*${d2#sha256:} .*targets/releases" <<<"$listed" || die "notary list --roles targets/releases: $listed"
grep -q "^3\.0 .*${d3#sha256:} .*targets/releases" <<<"$listed" || die "notary list --roles targets/releases: $listed"
! grep -q "^1\.0 " <<<"$listed" || die "1.0 is not in targets/releases: $listed"
ok "notary lookup and notary list --roles targets/releases show the targets signy signed into the delegation"

# signy image verify, fresh trust dir: the delegation walk, docker's order.
[[ $(s sv image verify "$gun:3.0" 2>err) == "$gun@$d3" ]] || die "image verify 3.0: $(cat err)"
json=$(s sv -o json image verify "$gun:2.0" 2>err) || die "image verify 2.0: $(cat err)"
[[ $json == *'"role": "targets/releases"'* && $json == *"\"reference\": \"$gun@$d2\""* ]] || die "image verify -o json: $json"
# 2.0 is in targets too (d2, same manifest); re-point it and sign again: releases wins for
# image verify (docker: releases first) while targets still lists the old digest.
registry_harness_push "$work/l1" a app/tool:2.0 >/dev/null || die "push"
s st image sign "$gun:2.0" >/dev/null 2>err || die "re-sign 2.0: $(cat err)"
[[ $(s sv image verify "$gun:2.0" 2>err) == "$gun@$d1" ]] || die "image verify of 2.0 re-signed in releases: $(cat err)"
ok "signy image verify accepts targets/releases' targets, releases before targets as docker"

# Bundles keep signing into targets (the targets key back in place).
mv targets.key.aside "$targets_key"
make_thick bundle.tgz
out=$(s st -o json sign --thick bundle.tgz "$gun:bundle" 2>err) || die "sign --thick: $(cat err)"
role=$(s sv list "$gun" 2>err | awk '$1 == "bundle" {print $NF}')
[[ $role == targets ]] || die "the thick bundle went to '$role': $(s sv list "$gun" 2>&1)"
ok "a thick bundle signed with the releases key at hand still goes into targets"

# The releases key alone, when the delegation's paths exclude the tag: targets, and no targets key.
n st delegation remove "$gun" targets/releases --all-paths -y >/dev/null 2>err &&
  n st delegation add "$gun" targets/releases --paths release- >/dev/null 2>>err &&
  n st publish "$gun" >/dev/null 2>>err || die "notary delegation paths: $(cat err)"
mv "$targets_key" targets.key.aside
registry_harness_push "$work/l2" b app/tool:4.0 >/dev/null || die "push"
expect_fail 5 "none of the targets keys of this collection" -- s st image sign "$gun:4.0"
ok "a tag outside the delegation's paths is not signed into targets/releases"
echo "all image releases checks passed ($pass)"
