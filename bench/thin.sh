#!/usr/bin/env bash
# Benchmark (issue 8): verifying a thin bundle with 10 images on a loopback registry.
# A plain docker-registry (scripts/registry-harness.sh) holds 10 test images and a thin bundle in
# cnab-to-oci's layout (config blob, config manifest, OCI index tagged v1, every image in the
# bundle's repository). Baseline: the 11 `skopeo inspect --raw` calls a script would make (the
# index by tag, then each image by digest). Goal: `signy verify REF` <= 0.2x their wall time.
# Prints medians over alternating runs, and the requests and connections each side made (from the
# registry's log: one line per request, with the client's address and port).
# Usage: bench/thin.sh [build dir] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-10}
signy=$PWD/$build/signy
work=$(mktemp -d /dev/shm/signy-bench-thin.XXXXXX)
root=$PWD
source scripts/registry-harness.sh
trap 'rc=$?; registry_harness_stop $rc; rm -rf "$work"; exit $rc' EXIT
registry_harness_start "$work/registry" plain >/dev/null
cd "$work"
repo=bench/thin
ref=$OCIREG/$repo:v1

# 10 images in the bundle's repository: img1 is the invocation image, img2..img10 components.
registry_harness_push_images 10 $repo >images.txt
mapfile -t lines <images.txt
image_json() {  # image_json N [description]: one bundle.json image entry (keys in JCS order)
  local _ digest size type
  read -r _ digest size type <<<"${lines[$1 - 1]}"
  printf '{"contentDigest":"%s",%s"image":"%s/%s@%s","imageType":"oci","mediaType":"%s","size":%d}' \
    "$digest" "${2:+\"description\":\"$2\",}" "$OCIREG" "$repo" "$digest" "$type" "$size"
}
descriptor() {  # descriptor N ANNOTATIONS: the index entry of image N
  local _ digest size type
  read -r _ digest size type <<<"${lines[$1 - 1]}"
  printf '{"mediaType":"%s","digest":"%s","size":%d,"annotations":%s}' "$type" "$digest" "$size" "$2"
}
# bundle.json, canonical (RFC 8785: sorted keys, no whitespace), components c02..c10.
{
  printf '{"description":"","images":{'
  for i in $(seq 2 10); do
    ((i == 2)) || printf ','
    printf '"c%02d":%s' "$i" "$(image_json "$i" "component $i")"
  done
  printf '},"invocationImages":[%s],"name":"thin-bench","schemaVersion":"v1.0.0","version":"0.1.0"}' "$(image_json 1)"
} >bundle.json
# ASCII only, so sorted keys and no whitespace is RFC 8785; and the index is valid JSON.
/usr/bin/python3 -c 'import json,sys; b=open("bundle.json","rb").read(); sys.exit(json.dumps(json.loads(b),sort_keys=True,separators=(",",":")).encode()!=b)' ||
  { echo "bundle.json is not canonical" >&2; exit 1; }
registry_harness_put_blob $repo bundle.json >/dev/null
registry_harness_cnab_config_manifest bundle.json >config-manifest.json
out=$(registry_harness_put_manifest $repo "sha256:$(sha256sum config-manifest.json | cut -d' ' -f1)" config-manifest.json \
  application/vnd.oci.image.manifest.v1+json)
[[ $out == "201 " ]] || { echo "config manifest push: $out" >&2; exit 1; }
# The index (oci-formats 2.5): Go json.Marshal order, no mediaType, config first, then the
# invocation image, then components sorted by name; annotation keys sorted.
{
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"io.cnab.manifest.type":"config"}}' \
    "$(sha256sum config-manifest.json | cut -d' ' -f1)" "$(stat -c %s config-manifest.json)"
  printf ',%s' "$(descriptor 1 '{"io.cnab.manifest.type":"invocation"}')"
  for i in $(seq 2 10); do
    printf ',%s' "$(descriptor "$i" "$(printf '{"io.cnab.component.name":"c%02d","io.cnab.manifest.type":"component"}' "$i")")"
  done
  printf '],"annotations":{"io.cnab.runtime_version":"v1.0.0","org.opencontainers.artifactType":"application/vnd.cnab.manifest.v1","org.opencontainers.image.description":"","org.opencontainers.image.title":"thin-bench","org.opencontainers.image.version":"0.1.0"}}'
} >index.json
/usr/bin/python3 -m json.tool index.json >/dev/null || { echo "index.json is not JSON" >&2; exit 1; }
out=$(registry_harness_put_manifest $repo v1 index.json application/vnd.oci.image.index.v1+json)
[[ $out == "201 " ]] || { echo "index push: $out" >&2; exit 1; }
read -r _ index_digest index_size index_type < <(registry_harness_describe $repo:v1)
[[ $index_digest == "sha256:$(sha256sum index.json | cut -d' ' -f1)" ]] || { echo "index digest differs" >&2; exit 1; }
echo "bundle $ref: index $index_digest ($index_size bytes, $index_type), config blob $(stat -c %s bundle.json) bytes, 10 images"

# The script a user would write: the index, then every image by digest.
baseline() {
  skopeo inspect --raw --tls-verify=false "docker://$ref" >/dev/null
  local _ digest
  for i in $(seq 10); do
    read -r _ digest _ _ <<<"${lines[i - 1]}"
    skopeo inspect --raw --tls-verify=false "docker://$OCIREG/$repo@$digest" >/dev/null
  done
}

# signy: the bundle signed into a notary-server on loopback (TLS), by `signy sign`, which pushes
# the same bytes again: the index digest must not change (cnab-to-oci's layout, byte for byte).
source "$root/scripts/notary-harness.sh"
trap 'rc=$?; notary_harness_stop; registry_harness_stop $rc; rm -rf "$work"; exit $rc' EXIT
notary_harness_start "$work/notary" local >/dev/null
export SIGNY_ROOT_PASSPHRASE=bench-root-1 SIGNY_TARGETS_PASSPHRASE=bench-targets-1 SIGNY_SNAPSHOT_PASSPHRASE=bench-snap-1
signy_verify=("$signy" -d "$work/trust" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" verify "$ref")
"$signy" -d "$work/trust" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" sign bundle.json "$ref" >/dev/null
read -r _ signed_digest _ _ < <(registry_harness_describe $repo:v1)
[[ $signed_digest == "$index_digest" ]] || { echo "signy sign pushed another index: $signed_digest" >&2; exit 1; }
"${signy_verify[@]}" >/dev/null  # warm-up: the TUF cache holds the collection from here on

# Wall time of one call of a function or command, in seconds, appended to FILE.
timed() {  # timed FILE COMMAND...
  local file=$1 t0 t1
  shift
  t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  t1=$EPOCHREALTIME
  awk "BEGIN{print $t1-$t0}" >>"$file"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# traffic COMMAND...: runs it once and prints "R requests over C connections" from the log lines
# it added (distribution logs http.request.remoteaddr=IP:PORT per request; one port = one
# connection).
traffic() {
  local before
  before=$(wc -l <"$OCIREG_LOG")
  "$@" >/dev/null 2>&1
  sleep 0.2  # the log line is written after the response
  tail -n +"$((before + 1))" "$OCIREG_LOG" | grep 'msg="response completed' |
    sed -n 's/.*http.request.remoteaddr="\{0,1\}\([0-9.:]*\).*/\1/p' | sort | uniq -c |
    awk '{r += $1; c++} END {printf "%d requests over %d connections\n", r, c}'
}

baseline  # warm-up (page cache, the registry's blob descriptor cache)
: >base.t
: >signy.t
for _ in $(seq "$runs"); do
  timed base.t baseline
  ((${#signy_verify[@]} == 0)) || timed signy.t "${signy_verify[@]}"
done
bt=$(median <base.t)
printf '%d alternating runs, medians\n' "$runs"
printf '%-40s %8.3f s   %s\n' "11 x skopeo inspect --raw (baseline)" "$bt" "$(traffic baseline)"
if ((${#signy_verify[@]})); then
  st=$(median <signy.t)
  printf '%-40s %8.3f s   %s\n' "signy verify REF" "$st" "$(traffic "${signy_verify[@]}")"
  printf 'ratio signy/baseline %.3f (goal <= 0.20)\n' "$(awk "BEGIN{print $st/$bt}")"
else
  echo "signy verify REF: not wired yet (see the marked block in bench/thin.sh); no ratio"
fi
