#!/usr/bin/env bash
# Builds thick bundles (cnab-spec 104) whose images are real OCI image layouts made by umoci:
# `umoci init --layout`, `umoci new --image`, `umoci insert`, `umoci config`, with fixed times (config,
# history, files), so the digests are the same on every run.
#
#   scripts/gen-thick-fixtures.sh                 fixtures/cnab/thick/ (committed; README.md there)
#   scripts/gen-thick-fixtures.sh --bench DIR N M  DIR/bench.tgz: N images, each one layer of M MiB
#                                                  of random bytes (bench/thick.sh; not reproducible)
#
# The thick bundle: bundle.json at the root (RFC 8785 bytes, as cnab-go writes them, with each
# image's real contentDigest, size and mediaType) and the layout under artifacts/layout/, tarred by
# GNU tar (sorted names, owner 0, fixed mtime) and gzip -n.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
die() { printf 'gen-thick-fixtures: %s\n' "$*" >&2; exit 1; }
for t in umoci tar gzip python3; do command -v "$t" >/dev/null || die "needs $t"; done

mode=fixtures
if [[ ${1:-} == --bench ]]; then
  mode=bench; out=$2; images=$3; mib=$4
else
  out=$root/fixtures/cnab/thick
fi
base=/tmp
[[ -d /dev/shm && -w /dev/shm ]] && base=/dev/shm
tmp=$(mktemp -d "$base/signy-thick.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage
L=$stage/artifacts/layout
mkdir -p "$stage/artifacts"
umoci init --layout "$L"
when=2026-01-01T00:00:00Z

# new_image TAG SRC_DIR: a one-layer image of SRC_DIR's contents at /.
new_image() {
  umoci new --image "$L:$1"
  umoci config --image "$L:$1" --created "$when" --author signy-fixtures --history.created "$when" \
    --config.entrypoint /bin/run
  find "$2" -exec touch -h -d "$when" {} +
  umoci insert --image "$L:$1" --history.created "$when" --history.created_by "umoci insert" "$2" /
}

if [[ $mode == fixtures ]]; then
  mkdir -p "$tmp/inst/cnab/app" "$tmp/web/srv"
  printf '#!/bin/sh\necho installing\n' >"$tmp/inst/cnab/app/run"
  chmod 0755 "$tmp/inst/cnab/app/run"
  printf 'hello from a thick bundle\n' >"$tmp/web/srv/index.html"
  chmod 0644 "$tmp/web/srv/index.html"
  new_image localhost:5000/signy/app-installer:v1 "$tmp/inst"
  new_image localhost:5000/signy/web:v1-amd64 "$tmp/web"
  # The web image as an OCI index of its one manifest (image-index.md): the recursion path.
  python3 "$root/scripts/thick_layout.py" wrap-index "$L" localhost:5000/signy/web:v1-amd64 localhost:5000/signy/web:v1
  python3 "$root/scripts/thick_layout.py" bundle "$L" "$stage/bundle.json" \
    'invocationImages[0]=localhost:5000/signy/app-installer:v1' 'web=localhost:5000/signy/web:v1'
else
  mkdir -p "$out"
  specs=()
  for i in $(seq 1 "$images"); do
    mkdir -p "$tmp/img$i"
    head -c $((mib << 20)) /dev/urandom >"$tmp/img$i/data"  # incompressible: gzip cannot shrink it
    new_image "localhost:5000/bench/img$i:v1" "$tmp/img$i"
    rm -rf "${tmp:?}/img$i"
    if ((i == 1)); then specs+=("invocationImages[0]=localhost:5000/bench/img$i:v1"); else specs+=("img$i=localhost:5000/bench/img$i:v1"); fi
  done
  python3 "$root/scripts/thick_layout.py" bundle "$L" "$stage/bundle.json" "${specs[@]}"
fi

umoci gc --layout "$L"  # the blobs umoci's earlier steps left unreferenced
tgz=$tmp/bundle.tgz
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=2026-01-01 -C "$stage" -cf - bundle.json artifacts |
  gzip -n -1 >"$tgz"
if [[ $mode == bench ]]; then
  mv "$tgz" "$out/bench.tgz"
  cp "$stage/bundle.json" "$out/bundle.json"
  exit 0
fi

rm -rf "$out"
mkdir -p "$out"
mv "$tgz" "$out/good.tgz"
cp "$stage/bundle.json" "$out/bundle.json"
(cd "$stage" && find . -type f | LC_ALL=C sort) >"$out/good.entries"
cat >"$out/README.md" <<'TXT'
# fixtures/cnab/thick/ — thick bundles with real OCI image layouts

Made by `scripts/gen-thick-fixtures.sh` (never by hand): umoci 0.4.7 (`umoci init --layout`,
`umoci new`, `umoci config --created 2026-01-01T00:00:00Z`, `umoci insert` of a directory whose files
have fixed times, history entries dated the same, `umoci gc`), GNU tar (sorted, owner 0, fixed mtime)
and `gzip -n`; the same bytes on every run.

- `good.tgz` — a thick bundle (cnab-spec 104) with 2 images: `invocationImages[0]`
  `localhost:5000/signy/app-installer:v1` (an OCI manifest, one layer) and `web`
  `localhost:5000/signy/web:v1` (an OCI index written by `scripts/thick_layout.py` around umoci's
  manifest `localhost:5000/signy/web:v1-amd64`). index.json names each by its normalised
  reference (`org.opencontainers.image.ref.name`), as cnab-go's export does.
- `bundle.json` — the bundle.json inside good.tgz (RFC 8785 bytes) with each image's
  contentDigest, size and mediaType from the layout.
- `good.entries` — the regular files in the archive.

Hostile variants (traversal, absolute path, links, device, duplicate bundle.json, gzip bomb,
damaged layer, missing image, reverse order, ...) are made from good.tgz at test time by
`scripts/thick_layout.py hostile` (tests/unit/cnab/test_archive.cpp).
TXT
echo "wrote $out"
