#!/usr/bin/env bash
# A minimal CNAB runtime that asks signy's pre-install hook before every action (docs/security/hook.md).
#
#   examples/runtime.sh ACTION REF [THICK_BUNDLE]
#
# It sends one request to `signy hook pre-install`, runs nothing unless the verdict is "allow"
# with exit 0, and then uses only what the verdict names: the images by their digest-pinned
# references (pulled with `skopeo copy docker://REPO@sha256:...`, never by tag, so the registry
# cannot swap them between the check and the use), and, for a thick bundle, a private copy of the
# archive whose sha256 must be the verdict's bundle.digest. "Running" the invocation image is
# simulated: the image is pulled into an OCI layout and its /cnab/app/run would be started with
# CNAB_ACTION=ACTION.
#
# Environment: SIGNY (the signy binary, default signy), SIGNY_FLAGS (global flags such as
# "-d DIR --server URL --tlscacert CA"), SKOPEO_FLAGS (e.g. "--src-tls-verify=false" for a
# loopback http registry), RUNTIME_DIR (where pulled images go, default a temp dir).
# Exit: 0 the action ran; the hook's code when it denied (1 verification, 2 bad request,
# 3 not signed, 4 infrastructure); 10 the runtime's own failure after an allow.
set -euo pipefail
[[ $# == 2 || $# == 3 ]] || { echo "usage: $0 ACTION REF [THICK_BUNDLE]" >&2; exit 2; }
action=$1 ref=$2 thick=${3-}
signy=${SIGNY:-signy}
read -r -a flags <<<"${SIGNY_FLAGS:-}"
read -r -a skopeo_flags <<<"${SKOPEO_FLAGS:-}"
command -v jq >/dev/null || { echo "runtime: jq is required" >&2; exit 10; }
dir=${RUNTIME_DIR:-$(mktemp -d)}
mkdir -p "$dir"

# The bundle the runtime will use: for a thick bundle, a private copy taken before the hook reads
# it, so that what the hook verified and what runs are the same bytes (checked below).
bundle_file=
if [[ -n $thick ]]; then
  # Under its own name: in-toto judges the archive by its file name (the packaging step's product).
  mkdir -p "$dir/bundle"
  bundle_file=$dir/bundle/$(basename -- "$thick")
  cp -- "$thick" "$bundle_file"
  request=$(jq -cn --arg a "$action" --arg r "$ref" --arg p "$bundle_file" \
    '{version: "1", action: $a, bundle: {reference: $r, path: $p}, runtime: "examples/runtime.sh"}')
else
  request=$(jq -cn --arg a "$action" --arg r "$ref" '{version: "1", action: $a, bundle: {reference: $r}, runtime: "examples/runtime.sh"}')
fi

rc=0
verdict=$(printf '%s' "$request" | "$signy" "${flags[@]}" hook pre-install) || rc=$?
# Fail closed: only exit 0 with verdict "allow" runs anything; anything else (a crash, no output,
# unparsable output) refuses.
if [[ $rc != 0 ]] || [[ $(jq -r '.verdict' <<<"$verdict" 2>/dev/null) != allow ]]; then
  reason=$(jq -r '"\(.denial): \(.error.code // "-"): \(.reason)"' <<<"$verdict" 2>/dev/null || echo "no verdict")
  echo "runtime: refusing to $action $ref: $reason" >&2
  ((rc != 0)) || rc=10
  exit "$rc"
fi

digest=$(jq -r '.bundle.digest' <<<"$verdict")
if [[ -n $bundle_file ]]; then
  [[ sha256:$(sha256sum "$bundle_file" | cut -d' ' -f1) == "$digest" ]] ||
    { echo "runtime: the bundle changed after the hook verified it" >&2; exit 10; }
fi
echo "runtime: $action $ref allowed (bundle $digest, signed by $(jq -r .role <<<"$verdict"))"

# Every image by the digest the verdict returned, nothing else: a thin bundle's from its registry,
# a thick bundle's from the archive's OCI layout (artifacts/layout, cnab-spec 104).
if [[ -n $bundle_file ]]; then
  mkdir -p "$dir/thick" && tar -xzf "$bundle_file" -C "$dir/thick" --no-same-owner --no-same-permissions artifacts/layout
fi
n=0
while IFS=$'\t' read -r name image_ref; do
  [[ $image_ref =~ @sha256:([0-9a-f]{64})$ ]] || { echo "runtime: $name is not digest-pinned: $image_ref" >&2; exit 10; }
  d=${BASH_REMATCH[1]}
  n=$((n + 1))
  if [[ -n $bundle_file ]]; then
    manifest=$dir/thick/artifacts/layout/blobs/sha256/$d
    [[ -f $manifest && $(sha256sum "$manifest" | cut -d' ' -f1) == "$d" ]] ||
      { echo "runtime: $image_ref is not in the bundle's layout" >&2; exit 10; }
    echo "runtime: loaded $name as $image_ref from the bundle"
    continue
  fi
  skopeo copy -q "${skopeo_flags[@]}" "docker://$image_ref" "oci:$dir/images:img$n" >/dev/null ||
    { echo "runtime: pulling $image_ref failed" >&2; exit 10; }
  got=$(skopeo inspect --raw "oci:$dir/images:img$n" | sha256sum | cut -d' ' -f1)
  [[ $got == "$d" ]] || { echo "runtime: $image_ref arrived as sha256:$got" >&2; exit 10; }
  echo "runtime: pulled $name as $image_ref"
done < <(jq -r '.images[] | [.name, .reference] | @tsv' <<<"$verdict")
inv=$(jq -r '[.images[] | select(.name | startswith("invocationImages["))][0].reference // empty' <<<"$verdict")
[[ -n $inv ]] || { echo "runtime: the verdict names no invocation image" >&2; exit 10; }
echo "runtime: would run /cnab/app/run in $inv with CNAB_ACTION=$action ($n images, by digest)"
