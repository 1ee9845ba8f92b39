#!/usr/bin/env bash
# signy digest and signy bundle: outputs checked against coreutils/openssl, bad input refused.
source "$(dirname "$0")/../interop/lib.sh"
: "${FIXTURES:?}"
tgz=$FIXTURES/cnab/thick.tgz
out=$("$SIGNY" digest "$tgz")
[[ $out == *"sha256  $(sha256sum "$tgz" | cut -d' ' -f1)"* ]] || die "sha256 differs from sha256sum: $out"
[[ $out == *"sha512  $(sha512sum "$tgz" | cut -d' ' -f1)"* ]] || die "sha512 differs from sha512sum: $out"
[[ $out == *"length  $(stat -c %s "$tgz")"* ]] || die "length differs: $out"
json=$("$SIGNY" -o json digest "$tgz" | tr -d ' \n')
[[ $json == "$(tr -d ' \n' <"$FIXTURES/cnab/thick.digests.json")" ]] || die "json output differs from the fixture: $json"
ok "digest matches sha256sum, sha512sum and the committed digests (text and json)"
: >empty
[[ $("$SIGNY" digest empty) == *"sha256  e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"* ]] || die "empty file"
head -c $((3 * 1048576 + 5)) /dev/urandom >odd
[[ $("$SIGNY" digest odd) == *"sha512  $(sha512sum odd | cut -d' ' -f1)"* ]] || die "multi-chunk file"
ok "digest of an empty file and of a file spanning several chunks"
expect_fail 5 "No such file" -- "$SIGNY" digest missing-file
mkdir adir
expect_fail 5 "adir: not a regular file (directory)" -- "$SIGNY" digest adir
expect_fail 2 "usage" -- "$SIGNY" digest
expect_fail 2 "usage" -- "$SIGNY" -o yaml digest empty
expect_fail 2 "usage" -- "$SIGNY" --log loud version
expect_fail 2 "usage" -- "$SIGNY" frobnicate
ok "digest and global flags refuse bad arguments with usage errors"

"$SIGNY" bundle check "$FIXTURES/cnab/bundle.json" >/dev/null || die "canonical bundle refused"
expect_fail 3 "not canonical" -- "$SIGNY" bundle check "$FIXTURES/cnab/bundle.pretty.json"
"$SIGNY" bundle canonicalize "$FIXTURES/cnab/bundle.pretty.json" --out canon.json
cmp -s canon.json "$FIXTURES/cnab/bundle.json" || die "canonicalize differs from the RFC 8785 reference"
ok "bundle check/canonicalize agree with the RFC 8785 reference output"
printf '{"name":"a","name":"b"}' >dup.json
expect_fail 3 "duplicate object key" -- "$SIGNY" bundle check dup.json
printf '{"name":' >trunc.json
expect_fail 3 "parse error" -- "$SIGNY" bundle canonicalize trunc.json --out never.json
[[ ! -e never.json ]] || die "a failed canonicalize wrote its output"
python3 -c 'print("["*100000)' >deep.json
expect_fail 3 "nesting deeper" -- "$SIGNY" bundle check deep.json
head -c $((17 << 20)) /dev/zero | tr '\0' ' ' >big.json
expect_fail 3 "larger than" -- "$SIGNY" bundle check big.json
ok "duplicate keys, truncated, too deep and too large bundle.json are refused, nothing written"
grep -q "^signy " <<<"$("$SIGNY" version)" || die "version"
ok "version"
echo "$pass passed, 0 failed"
