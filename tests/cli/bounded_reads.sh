#!/usr/bin/env bash
# Bounded reads (issue 7 item 4): a FIFO, a device or a directory given where signy reads a file
# (bundle, key, bundle.json, config.json, CA file, cached or repository metadata) is refused at
# once with a line naming it, never read forever; verify does not hash past the signed length.
# Every command runs under `timeout` so that a blocking read fails the test instead of hanging it.
source "$(dirname "$0")/../interop/lib.sh"
: "${FIXTURES:?}"
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
make_thick bundle.tgz
ref=localhost:5000/demo/app
s() { timeout 10 "$SIGNY" -d trust "$@"; }
s sign --thick bundle.tgz $ref:v1 >/dev/null || die "first sign"
mkfifo fifo
mkdir dir

# expect_refused INPUT KIND -- command...: exit 5, "INPUT: not a regular file (KIND)", promptly.
expect_refused() {
  local input=$1 kind=$2; shift 3
  local start=$SECONDS
  expect_fail 5 "$input: not a regular file ($kind)" -- "$@"
  ((SECONDS - start <= 3)) || die "took $((SECONDS - start)) s to refuse $input: $*"
}
for input in fifo /dev/zero dir; do
  case $input in fifo) kind=FIFO ;; /dev/zero) kind="character device" ;; dir) kind=directory ;; esac
  expect_refused $input "$kind" -- s sign --thick $input $ref:v2
  expect_refused $input "$kind" -- s verify --thick --local $input $ref:v1
  expect_refused $input "$kind" -- s digest $input
  expect_refused $input "$kind" -- s key import $input --role targets
  expect_refused $input "$kind" -- s bundle check $input
  expect_refused $input "$kind" -- s bundle canonicalize $input
  expect_refused $input "$kind" -- s sign --thick --root-key $input bundle.tgz localhost:5000/demo/new:v1
  expect_refused $input "$kind" -- s --server https://127.0.0.1:1 --tlscacert $input list $ref
done
grep -q "^v1 " <<<"$(s list $ref)" || die "the collection changed"
[[ ! -e trust/tuf/localhost:5000/demo/new ]] || die "a refused --root-key created a collection"
ok "a FIFO, /dev/zero and a directory as bundle, key, bundle.json, root key or CA file: refused at once, exit 5"

# config.json (trust pinning) in the trust dir.
mkdir -p pinned
mkfifo pinned/config.json
expect_refused "$PWD/pinned/config.json" FIFO -- timeout 10 "$SIGNY" -d pinned list $ref
rm pinned/config.json && ln -s /dev/zero pinned/config.json
expect_refused "$PWD/pinned/config.json" "character device" -- timeout 10 "$SIGNY" -d pinned list $ref
# A dangling symlink is not a missing config.json: dropping its pins (or disable_tofu) silently
# would weaken trust, so it is an error too.
rm pinned/config.json && ln -s "$PWD/gone.json" pinned/config.json
expect_fail 5 "$PWD/pinned/config.json: dangling symbolic link" -- timeout 10 "$SIGNY" -d pinned list $ref
ok "config.json as a FIFO, a device or a dangling symlink is refused"

# Metadata of the file:// repository: a FIFO or a device served as timestamp.json.
tuf=trust/server/v2/$ref/_trust/tuf
mv "$tuf/timestamp.json" ts.good
mkfifo "$tuf/timestamp.json"
expect_refused "$tuf/timestamp.json" FIFO -- s verify --thick --local bundle.tgz $ref:v1
rm "$tuf/timestamp.json" && ln -s /dev/zero "$tuf/timestamp.json"
expect_refused "$tuf/timestamp.json" "character device" -- s list $ref
rm "$tuf/timestamp.json" && mv ts.good "$tuf/timestamp.json"
ok "repository metadata that is a FIFO or a device is refused"

# Cached metadata other than root: not trusted, downloaded again as before (the anchor, root.json,
# fails closed instead: tests/cli/trust_anchor.sh).
cache=trust/tuf/$ref/metadata
rm "$cache/timestamp.json" && mkfifo "$cache/timestamp.json"
rm "$cache/snapshot.json" && ln -s /dev/zero "$cache/snapshot.json"
out=$(s verify --thick --local bundle.tgz $ref:v1 2>&1) || die "verify with a FIFO and a device in the cache: $out"
[[ -f $cache/timestamp.json && ! -p $cache/timestamp.json && -f $cache/snapshot.json && ! -L $cache/snapshot.json ]] ||
  die "the cache was not rewritten with regular files"
ok "a cached timestamp (FIFO) and snapshot (device) are ignored and downloaded again"

# verify reads no further than the signed length: a 1 TiB sparse file is refused at once.
truncate -s 1T huge.tgz
start=$SECONDS
expect_fail 1 "huge.tgz is 1099511627776 bytes, the signed target v1 is $(stat -c %s bundle.tgz)" -- s verify --thick --local huge.tgz $ref:v1
((SECONDS - start <= 3)) || die "verify of a 1 TiB file took $((SECONDS - start)) s"
ok "verify of a 1 TiB sparse file is refused by its length without hashing it"
echo "$pass passed, 0 failed"
