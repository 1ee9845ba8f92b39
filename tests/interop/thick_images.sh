#!/usr/bin/env bash
# sign --thick and verify --thick --local end to end (issue 8 item 3): one pass over the archive,
# then every image bundle.json names checked in its artifacts/layout. The hostile archives are made
# from the umoci-built fixture by scripts/thick_layout.py. signy refuses to sign each of them, with
# its own error and exit code, and signs nothing. Signed anyway by the notary CLI (so the outer
# digests match the target and only the archive checks can refuse them), signy verify refuses each
# with the same error. A tampered copy of a good bundle is a hash mismatch (exit 1), whatever its
# archive looks like.
source "$(dirname "$0")/lib.sh"
require notary-server
require notary
source "${SOURCE_DIR:?}/scripts/notary-harness.sh"
trap 'notary_harness_stop; rm -rf "$work"' EXIT
notary_harness_start "$work/server" local >/dev/null
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
export NOTARY_ROOT_PASSPHRASE=root-pass-1 NOTARY_TARGETS_PASSPHRASE=targets-pass-1 NOTARY_SNAPSHOT_PASSPHRASE=snap-pass-1
s() { "$SIGNY" -d trust --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" "$@"; }
n() { notary -d ntrust -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" "$@"; }
good=${SOURCE_DIR:?}/fixtures/cnab/thick/good.tgz
gun=localhost:5000/signy/thick
ngun=localhost:5000/signy/thick-by-notary
/usr/bin/python3 "$SOURCE_DIR/scripts/thick_layout.py" hostile "$good" hv || die "hostile variants"

s sign --thick "$good" $gun:good >/dev/null 2>&1 || die "sign good.tgz"
out=$(s verify --thick --local "$good" $gun:good) || die "verify good.tgz"
[[ $out == *"Images (run these digest-pinned references):"* && $out == *"invocationImages[0]  localhost:5000/signy/app-installer@sha256:"* &&
  $out == *"web  localhost:5000/signy/web@sha256:"* ]] || die "verify output: $out"
json=$(s -o json verify --thick --local "$good" $gun:good)
/usr/bin/python3 -c 'import json,sys; j=json.loads(sys.argv[1]); assert [i["name"] for i in j["images"]]==["invocationImages[0]","web"] and all("@sha256:" in i["reference"] for i in j["images"])' "$json" ||
  die "verify -o json: $json"
ok "a good thick bundle verifies and lists its images, digest-pinned"

# A flipped byte inside the gzip stream: not the signed file (exit 1), not an archive error (3).
cp "$good" flipped.tgz
size=$(stat -c %s flipped.tgz)
printf '\xff' | dd of=flipped.tgz bs=1 seek=$((size / 2)) conv=notrunc status=none
expect_fail 1 "differs from the signed" -- s verify --thick --local flipped.tgz $gun:good
# Same length, not an archive at all: still a hash mismatch (the archive reader stops first).
head -c "$size" /dev/zero >zeros.tgz
expect_fail 1 "differs from the signed" -- s verify --thick --local zeros.tgz $gun:good
ok "a flipped byte or another file of the signed length is a hash mismatch, not an archive error"

# Hostile archives: signy refuses to sign them (nothing signed); signed by the notary CLI, signy
# verify refuses them with the same error.
n init $ngun >/dev/null 2>&1 || die "notary init"
n add $ngun good "$good" >/dev/null 2>&1 && n publish $ngun >/dev/null 2>&1 || die "notary add good.tgz"
s verify --thick --local "$good" $ngun:good >/dev/null 2>&1 || die "verify of good.tgz signed by notary (first use)"
check() {  # check FILE EXIT MESSAGE ERRC
  local tag=${1%.*} code
  tag=${tag//_/-}
  expect_fail "$2" "$3" -- s sign --thick "hv/$1" "$gun:$tag"
  ! grep -q "^$tag " <<<"$(s list $gun 2>/dev/null)" || die "$1 was signed"
  n add $ngun "$tag" "hv/$1" >/dev/null 2>&1 || die "notary add $1"
  n publish $ngun >/dev/null 2>&1 || die "notary publish $1"
  expect_fail "$2" "$3" -- s verify --thick --local "hv/$1" "$ngun:$tag"
  # and the JSON error names the check
  code=$(s -o json verify --thick --local "hv/$1" "$ngun:$tag" 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["error"]["code"])') || true
  [[ $code == "$4" ]] || die "$1: error code $code, want $4"
}
check traversal.tgz 3 '"../evil": ".." in the path' unsafe_archive
check absolute.tgz 3 '"/etc/evil": absolute path' unsafe_archive
check symlink.tgz 3 "a symbolic link (links are refused)" unsafe_archive
check hardlink.tgz 3 "a hard link (links are refused)" unsafe_archive
check device.tgz 3 "a device file" unsafe_archive
check fifo.tgz 3 "a FIFO" unsafe_archive
check dup_bundle.tgz 3 '"bundle.json": a second entry of this name' unsafe_archive
check hidden_after_end.tgz 3 '"bundle.json": a second entry of this name' unsafe_archive
check bomb.tgz 3 "compression ratio over 100:1" unsafe_archive
check truncated.tgz 3 "truncated gzip input" invalid_bundle
check plain.tar 3 "not a gzip-compressed tar archive" invalid_bundle
check damaged_layer.tgz 1 "image invocationImages[0] (localhost:5000/signy/app-installer:v1): layer sha256:" hash_mismatch
check short_layer.tgz 1 "image invocationImages[0] (localhost:5000/signy/app-installer:v1): layer sha256:" length_mismatch
check missing_layer.tgz 1 "image invocationImages[0] (localhost:5000/signy/app-installer:v1): layer sha256:" missing_image
check missing_image.tgz 1 "image invocationImages[0] (localhost:5000/signy/app-installer:v1): manifest sha256:" missing_image
check swapped_index.tgz 1 "the layout's index.json names it sha256:" image_mismatch
ok "hostile archives: sign refuses them, and verify refuses them when another tool signed them, each with its own error"

# Harmless variants verify: entries in reverse order, "./" names.
for f in reverse.tgz dotslash.tgz; do
  s sign --thick "hv/$f" "$gun:${f%.tgz}" >/dev/null 2>&1 || die "sign $f"
  s verify --thick --local "hv/$f" "$gun:${f%.tgz}" >/dev/null || die "verify $f"
done
ok "entry order and ./ names do not matter (one pass)"
echo "all thick image checks passed ($pass)"
