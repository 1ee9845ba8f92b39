# shellcheck shell=bash
# Shared set-up of the loopback benchmarks bench/thin.sh and bench/hook.sh (sourced from the
# repository root; bench/intoto.sh, digest.sh, thick.sh and notary.sh stand alone):
#   bench_servers_start NAME       docker-registry (plain HTTP) and notary-server (TLS) on 127.0.0.1,
#                                  state under work=/dev/shm/signy-bench-NAME.XXXXXX (tmpfs), both
#                                  stopped and $work removed on exit
#   bench_thin_bundle REPO NAME    pushes 10 images and a thin bundle (cnab-to-oci's layout) to
#                                  $OCIREG/REPO; sets ref, lines, index_digest/_size/_type
#   timed FILE COMMAND...          appends the wall time of one call to FILE
#   median                         the median of the numbers on stdin
# Loopback only: the harnesses (scripts/*-harness.sh) listen on 127.0.0.1 and take no other host.

source "$PWD/scripts/registry-harness.sh"
source "$PWD/scripts/notary-harness.sh"

bench_servers_start() {  # bench_servers_start NAME
  work=$(mktemp -d "/dev/shm/signy-bench-$1.XXXXXX")
  trap 'rc=$?; notary_harness_stop; registry_harness_stop $rc; rm -rf "$work"; exit $rc' EXIT
  registry_harness_start "$work/registry" plain >/dev/null
  notary_harness_start "$work/notary" local >/dev/null
}

# bench_thin_bundle REPO NAME: in the current directory, images.txt (one line per image: "REPO:imgN
# DIGEST SIZE MEDIATYPE"), bundle.json (canonical, named NAME: img1 the invocation image,
# img2..img10 the components c02..c10), config-manifest.json and index.json, all pushed to
# $OCIREG/REPO with the index tagged v1. Sets ref=$OCIREG/REPO:v1, lines (images.txt) and
# index_digest, index_size, index_type as the registry reports them; prints one line.
bench_thin_bundle() {
  local repo=$1 name=$2 out i
  ref=$OCIREG/$repo:v1
  registry_harness_push_images 10 "$repo" >images.txt
  mapfile -t lines <images.txt
  # bundle.json, canonical (RFC 8785: sorted keys, no whitespace), components c02..c10.
  {
    printf '{"description":"","images":{'
    for i in $(seq 2 10); do
      ((i == 2)) || printf ','
      printf '"c%02d":%s' "$i" "$(bench_image_json "$repo" "$i" "component $i")"
    done
    printf '},"invocationImages":[%s],"name":"%s","schemaVersion":"v1.0.0","version":"0.1.0"}' \
      "$(bench_image_json "$repo" 1)" "$name"
  } >bundle.json
  # ASCII only, so sorted keys and no whitespace is RFC 8785; and the index is valid JSON.
  /usr/bin/python3 -c 'import json,sys; b=open("bundle.json","rb").read(); sys.exit(json.dumps(json.loads(b),sort_keys=True,separators=(",",":")).encode()!=b)' ||
    { echo "bundle.json is not canonical" >&2; exit 1; }
  registry_harness_put_blob "$repo" bundle.json >/dev/null
  registry_harness_cnab_config_manifest bundle.json >config-manifest.json
  out=$(registry_harness_put_manifest "$repo" "sha256:$(sha256sum config-manifest.json | cut -d' ' -f1)" config-manifest.json \
    application/vnd.oci.image.manifest.v1+json)
  [[ $out == "201 " ]] || { echo "config manifest push: $out" >&2; exit 1; }
  # The index (oci-formats 2.5): Go json.Marshal order, no mediaType, config first, then the
  # invocation image, then components sorted by name; annotation keys sorted.
  {
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"io.cnab.manifest.type":"config"}}' \
      "$(sha256sum config-manifest.json | cut -d' ' -f1)" "$(stat -c %s config-manifest.json)"
    printf ',%s' "$(bench_descriptor 1 '{"io.cnab.manifest.type":"invocation"}')"
    for i in $(seq 2 10); do
      printf ',%s' "$(bench_descriptor "$i" "$(printf '{"io.cnab.component.name":"c%02d","io.cnab.manifest.type":"component"}' "$i")")"
    done
    printf '],"annotations":{"io.cnab.runtime_version":"v1.0.0","org.opencontainers.artifactType":"application/vnd.cnab.manifest.v1","org.opencontainers.image.description":"","org.opencontainers.image.title":"%s","org.opencontainers.image.version":"0.1.0"}}' "$name"
  } >index.json
  /usr/bin/python3 -m json.tool index.json >/dev/null || { echo "index.json is not JSON" >&2; exit 1; }
  out=$(registry_harness_put_manifest "$repo" v1 index.json application/vnd.oci.image.index.v1+json)
  [[ $out == "201 " ]] || { echo "index push: $out" >&2; exit 1; }
  read -r _ index_digest index_size index_type < <(registry_harness_describe "$repo:v1")
  [[ $index_digest == "sha256:$(sha256sum index.json | cut -d' ' -f1)" ]] || { echo "index digest differs" >&2; exit 1; }
  echo "bundle $ref: index $index_digest ($index_size bytes, $index_type), config blob $(stat -c %s bundle.json) bytes, 10 images"
}
bench_image_json() {  # bench_image_json REPO N [description]: one bundle.json image entry (keys in JCS order)
  local _ digest size type
  read -r _ digest size type <<<"${lines[$2 - 1]}"
  printf '{"contentDigest":"%s",%s"image":"%s/%s@%s","imageType":"oci","mediaType":"%s","size":%d}' \
    "$digest" "${3:+\"description\":\"$3\",}" "$OCIREG" "$1" "$digest" "$type" "$size"
}
bench_descriptor() {  # bench_descriptor N ANNOTATIONS: the index entry of image N
  local _ digest size type
  read -r _ digest size type <<<"${lines[$1 - 1]}"
  printf '{"mediaType":"%s","digest":"%s","size":%d,"annotations":%s}' "$type" "$digest" "$size" "$2"
}

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
