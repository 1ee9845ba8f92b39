#!/usr/bin/env bash
# Digests pinned in the reference (issue 7 item 3): REF@sha256:HEX and REF@sha512:HEX are enforced.
# verify refuses unless the signed target has that digest; sign refuses a file whose digest
# differs before it creates a key or publishes anything; a malformed digest is a usage error.
source "$(dirname "$0")/../interop/lib.sh"
: "${FIXTURES:?}"
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
make_thick bundle.tgz
make_thick b2.tgz b2
ref=localhost:5000/demo/app
s() { timeout 20 "$SIGNY" -d trust "$@"; }
sha256() { sha256sum "$1" | cut -d' ' -f1; }
sha512() { sha512sum "$1" | cut -d' ' -f1; }
zero256=$(printf '0%.0s' {1..64})
zero512=$(printf '0%.0s' {1..128})
tuf=trust/server/v2/$ref/_trust/tuf
targets_version() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["version"])' "$tuf/targets.json"; }

# A first sign with a wrong pin: no key created, no collection published.
expect_fail 1 "differs from the sha256 pinned in the reference" -- s sign --thick bundle.tgz "$ref:v1@sha256:$zero256"
expect_fail 1 "differs from the sha512 pinned in the reference" -- s sign --thick bundle.tgz "$ref:v1@sha512:$zero512"
[[ ! -e trust/server && ! -e trust/tuf && -z $(ls trust/private 2>/dev/null) ]] || die "a refused first sign left keys or metadata"
ok "sign with a wrong pinned digest (sha256, sha512) creates no key and no collection"

s sign --thick bundle.tgz "$ref:v1@sha256:$(sha256 bundle.tgz)" >/dev/null || die "sign with the right sha256"
[[ $(targets_version) == 1 ]] || die "targets version after the first sign: $(targets_version)"
expect_fail 1 "differs from the sha256 pinned in the reference" -- s sign --thick b2.tgz "$ref:v2@sha256:$(sha256 bundle.tgz)"
expect_fail 1 "differs from the sha512 pinned in the reference" -- s sign --thick b2.tgz "$ref:v2@sha512:$(sha512 bundle.tgz)"
[[ $(targets_version) == 1 ]] || die "a refused sign published targets version $(targets_version)"
grep -q "^v2 " <<<"$(s list $ref)" && die "a refused sign added v2"
s sign --thick b2.tgz "$ref:v2@sha512:$(sha512 b2.tgz)" >/dev/null || die "sign with the right sha512"
[[ $(targets_version) == 2 ]] || die "targets version after the second sign: $(targets_version)"
ok "sign of an existing collection with a wrong pin publishes nothing; the right sha256 and sha512 pins sign"

for alg in sha256 sha512; do
  out=$(s verify --thick --local bundle.tgz "$ref:v1@$alg:$($alg bundle.tgz)") || die "verify v1 pinned $alg"
  [[ $out == Verified* ]] || die "verify v1 pinned $alg: $out"
  s verify --thick --local b2.tgz "$ref:v2@$alg:$($alg b2.tgz)" >/dev/null || die "verify v2 pinned $alg"
  # The pin names another file: refused although the file matches the signed target.
  expect_fail 1 "the signed target v1 has $alg $($alg bundle.tgz), not the pinned $($alg b2.tgz)" -- \
    s verify --thick --local bundle.tgz "$ref:v1@$alg:$($alg b2.tgz)"
  # The file matches the pin but the signed target is another: refused.
  expect_fail 1 "not the pinned" -- s verify --thick --local b2.tgz "$ref:v1@$alg:$($alg b2.tgz)"
done
expect_fail 1 "not the pinned" -- s verify --thick --local bundle.tgz "$ref:v1@sha256:$zero256"
expect_fail 1 "not the pinned" -- s -o json verify --thick --local bundle.tgz "$ref:v1@sha512:$zero512"
ok "verify accepts the right pinned sha256 and sha512 and refuses a pin that is not the signed target's"

upper=$(sha256 bundle.tgz | tr a-f A-F)
for bad in "sha256:$upper" "sha256:${zero256:1}" "sha512:$zero256" "sha384:${zero512:32}" "md5:0" "sha256:"; do
  expect_fail 2 "digest must be sha256:<64 hex> or sha512:<128 hex>" -- s verify --thick --local bundle.tgz "$ref:v1@$bad"
  expect_fail 2 "digest must be sha256:<64 hex> or sha512:<128 hex>" -- s sign --thick bundle.tgz "$ref:v3@$bad"
done
[[ $(targets_version) == 2 ]] || die "a malformed pin published something"
ok "a malformed pinned digest (uppercase, short, wrong algorithm) is a usage error"
echo "$pass passed, 0 failed"
