#!/usr/bin/env bash
# Benchmark (issue 10): the pre-install hook's allow verdict for a thin bundle with 10 images, warm
# trust cache, loopback notary-server (TLS) and docker-registry. Baseline, measured in the same
# run: what a script would do to learn the same facts by hand, `notary lookup GUN v1` (the signed
# target) plus `skopeo inspect --raw` of each of the 10 images by digest. Goal: the hook <= 0.2x.
# The hook runs with a policy whose maxMetadataAge (10m) lets the trust cache stand in for a
# refresh; it still pulls and hashes the bundle's index, config and every image manifest.
# Prints medians over alternating runs and the CPU.
# Usage: bench/hook.sh [build dir] [runs]
#        MAX_METADATA_AGE=0s bench/hook.sh   (the hook refreshes the TUF metadata from notary-server
#                                             every time, as notary lookup does)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-10}
signy=$PWD/$build/signy
work=$(mktemp -d /dev/shm/signy-bench-hook.XXXXXX)
root=$PWD
command -v notary >/dev/null || { echo "notary is not installed" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is not installed" >&2; exit 1; }
source scripts/registry-harness.sh
source scripts/notary-harness.sh
trap 'rc=$?; notary_harness_stop; registry_harness_stop $rc; rm -rf "$work"; exit $rc' EXIT
registry_harness_start "$work/registry" plain >/dev/null
notary_harness_start "$work/notary" local >/dev/null
cd "$work"
repo=bench/hook
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
  printf '},"invocationImages":[%s],"name":"hook-bench","schemaVersion":"v1.0.0","version":"0.1.0"}' "$(image_json 1)"
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
  printf '],"annotations":{"io.cnab.runtime_version":"v1.0.0","org.opencontainers.artifactType":"application/vnd.cnab.manifest.v1","org.opencontainers.image.description":"","org.opencontainers.image.title":"hook-bench","org.opencontainers.image.version":"0.1.0"}}'
} >index.json
/usr/bin/python3 -m json.tool index.json >/dev/null || { echo "index.json is not JSON" >&2; exit 1; }
out=$(registry_harness_put_manifest $repo v1 index.json application/vnd.oci.image.index.v1+json)
[[ $out == "201 " ]] || { echo "index push: $out" >&2; exit 1; }
read -r _ index_digest index_size index_type < <(registry_harness_describe $repo:v1)
[[ $index_digest == "sha256:$(sha256sum index.json | cut -d' ' -f1)" ]] || { echo "index digest differs" >&2; exit 1; }
echo "bundle $ref: index $index_digest ($index_size bytes, $index_type), config blob $(stat -c %s bundle.json) bytes, 10 images"

export SIGNY_ROOT_PASSPHRASE=bench-root-1 SIGNY_TARGETS_PASSPHRASE=bench-targets-1 SIGNY_SNAPSHOT_PASSPHRASE=bench-snap-1
"$signy" -d "$work/pub" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" sign bundle.json "$ref" >/dev/null
gun=${ref%:v1}
# The runtime's trust dir: a policy allowing the trust cache for 10 minutes (the root is trusted
# on first use by the warm-up).
mkdir -p "$work/trust"
printf '{"version":"1.0","policies":[{"name":"bench","scopes":["*"],"signatureVerification":{"level":"strict"},"maxMetadataAge":"%s"}]}' "${MAX_METADATA_AGE:-10m}" \
  >"$work/trust/policy.json"
request=$(printf '{"version":"1","action":"install","bundle":{"reference":"%s"},"runtime":"bench"}' "$ref")
hook() { printf '%s' "$request" | "$signy" -d "$work/trust" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" hook pre-install; }
verdict=$(hook 2>/dev/null)  # warm-up: the trust cache holds the collection from here on
[[ $(jq -r .verdict <<<"$verdict") == allow && $(jq -r '.images | length' <<<"$verdict") == 10 ]] ||
  { echo "the hook did not allow the bundle: $verdict" >&2; exit 1; }

# The baseline: the signed target from notary, then every image by digest.
notary_cmd=(notary -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" -d "$work/notary-client")
"${notary_cmd[@]}" lookup "$gun" v1 >/dev/null 2>&1  # warm-up (its trust on first use)
baseline() {
  "${notary_cmd[@]}" lookup "$gun" v1 >/dev/null
  local _ digest
  for i in $(seq 10); do
    read -r _ digest _ _ <<<"${lines[i - 1]}"
    skopeo inspect --raw --tls-verify=false "docker://$OCIREG/$repo@$digest" >/dev/null
  done
}
baseline
if [[ -n ${HOOK_BENCH_DEBUG:-} ]]; then  # where the hook's time goes, phase by phase
  printf '%s' "$request" | "$signy" --log debug -d "$work/trust" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" hook pre-install 2>&1 >/dev/null |
    grep -v '^127.0.0.1\|^time=' >&2
fi

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

: >base.t
: >hook.t
for _ in $(seq "$runs"); do
  timed base.t baseline
  timed hook.t hook
done
bt=$(median <base.t)
ht=$(median <hook.t)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
printf 'CPU: %s (%s cores)\n' "$cpu" "$(nproc)"
printf '%d alternating runs, medians\n' "$runs"
printf '%-52s %8.3f s\n' "notary lookup + 10 x skopeo inspect --raw (baseline)" "$bt"
printf '%-52s %8.3f s\n' "signy hook pre-install (allow, warm trust cache)" "$ht"
printf 'ratio hook/baseline %.3f (goal <= 0.20)\n' "$(awk "BEGIN{print $ht/$bt}")"
