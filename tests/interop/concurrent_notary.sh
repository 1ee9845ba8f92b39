#!/usr/bin/env bash
# Concurrent writers on a real notary-server: two `sign`s at the same time into one collection,
# from one trust dir (serialised by the collection lock) and from two trust dirs with the same
# keys (the server refuses the publish that lost the race; signy starts again from a fresh
# refresh), end with every target listed by signy and the notary CLI and verifiable; two first
# signs of a new collection create one key set.
source "$(dirname "$0")/lib.sh"
require notary-server
require notary
source "${SOURCE_DIR:?}/scripts/notary-harness.sh"
trap 'notary_harness_stop; rm -rf "$work"' EXIT
notary_harness_start "$work/server" >/dev/null
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
rounds=${ROUNDS:-10}
gun=127.0.0.1:5000/race/app
s() { "$SIGNY" -d "$1" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" "${@:2}"; }

# sign_pair TAG DIR_A DIR_B: two signs started together, each must exit 0.
sign_pair() {
  local tag=$1 da=$2 db=$3
  make_thick "$tag-a.tgz" "$tag-a"  # both made before either sign starts
  make_thick "$tag-b.tgz" "$tag-b"
  s "$da" sign --thick "$tag-a.tgz" "$gun:$tag-a" >"$tag-a.out" 2>&1 &
  local pa=$!
  s "$db" sign --thick "$tag-b.tgz" "$gun:$tag-b" >"$tag-b.out" 2>&1 &
  local pb=$!
  wait $pa || die "sign $tag-a failed: $(cat "$tag-a.out")"
  wait $pb || die "sign $tag-b failed: $(cat "$tag-b.out")"
}

# check_all DIR TAGS...: every tag is listed (signy and notary) and verifies against its file.
check_all() {
  local dir=$1
  shift
  local listed nlisted missing=()
  listed=$(s "$dir" list $gun) || die "list: $listed"
  nlisted=$(notary -d fresh-$RANDOM -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" list $gun) || die "notary list: $nlisted"
  for tag in "$@"; do
    [[ $listed == *"$tag "* && $nlisted == *"$tag "* ]] || missing+=("$tag")
  done
  ((${#missing[@]} == 0)) || die "targets lost by concurrent signs: ${missing[*]} (listed: $(awk 'NR>1{printf "%s ",$1}' <<<"$listed"))"
  for tag in "$@"; do
    s "$dir" verify --thick --local "$tag.tgz" "$gun:$tag" >/dev/null 2>&1 || die "verify $tag"
  done
}

make_thick seed.tgz 'seed'
s t1 sign --thick seed.tgz "$gun:seed" >/dev/null || die "first sign"
tags=()
for i in $(seq "$rounds"); do
  sign_pair "r$i" t1 t1
  tags+=("r$i-a" "r$i-b")
done
check_all t1 "${tags[@]}"
ok "$rounds rounds of two concurrent signs from one trust dir: all $((2 * rounds)) targets listed and verified"

# Two trust dirs with the same keys: no shared lock, the server's version check decides.
cp -a t1 t2
tags2=()
for i in $(seq "$rounds"); do
  sign_pair "d$i" t1 t2
  tags2+=("d$i-a" "d$i-b")
done
check_all t2 "${tags[@]}" "${tags2[@]}"
# Two signs started together from two trust dirs overlap: some publishes must have lost to the
# other and been redone (6 of 10 rounds when this test was written), or the retry went untested.
lost=$(cat d*-?.out | grep -c "another writer published first.*again from a fresh refresh" || true)
echo "# $lost publishes lost a race and were redone"
((lost > 0)) || die "no publish lost a race in $rounds rounds: the retry path was not exercised"
ok "$rounds rounds of two concurrent signs from two trust dirs: all targets kept (lost races retried)"

gun=127.0.0.1:5000/race/new
for i in $(seq 3); do
  rm -rf n
  gun=127.0.0.1:5000/race/new$i
  sign_pair "n$i" n n
  keys=$("$SIGNY" -d n -o json key list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  # root and targets in the trust dir; the server holds snapshot and timestamp.
  [[ $keys == 2 ]] || die "two concurrent first signs left $keys keys: $("$SIGNY" -d n key list)"
  check_all n "n$i-a" "n$i-b"
done
ok "two concurrent first signs of a new collection create one key set and both targets"
echo "$pass passed, 0 failed"
