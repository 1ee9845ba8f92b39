# shellcheck shell=bash
# Starts and stops real OCI registries (Debian docker-registry, distribution 2.8.2) on 127.0.0.1,
# with filesystem storage in a temp dir, and builds deterministic test images (umoci) pushed with
# skopeo. Used by the registry interop tests and bench/thin.sh. Reuses the port, wait and kill
# helpers of scripts/notary-harness.sh. Source it, then:
#
#   registry_harness_start DIR [FLAVOURS]
#     FLAVOURS: comma-separated, default plain (HTTP, no auth). Any of:
#       basic   htpasswd Basic auth (bcrypt, htpasswd -B); user "signy", a fixed password
#       tls     HTTPS with a throw-away CA and a server certificate for 127.0.0.1 and localhost
#       policy  policy.repository.classes: [image]: a manifest whose config type is not an
#               image config (e.g. application/vnd.cnab.config.v1+json) is refused, 403 DENIED
#     e.g. "tls,basic". Deletes are enabled (tags can be re-pointed, manifests deleted).
#     Exports OCIREG (127.0.0.1:PORT, for references), OCIREG_URL, OCIREG_PORT, OCIREG_PID,
#     OCIREG_LOG, OCIREG_DIR; basic: OCIREG_USER, OCIREG_PASSWORD; tls: OCIREG_CA and
#     OCIREG_CERT_DIR (DIR/certs.d/127.0.0.1:PORT/ca.crt, docker's certs.d layout, usable as
#     skopeo --dest-cert-dir). Writes the same into DIR/env and prints OCIREG_URL=...
#   registry_harness_use DIR        makes a registry started earlier the current one (DIR/env)
#   registry_harness_stop [STATUS]  stops every registry this shell started (by pid); with a
#                                   non-zero STATUS prints the tail of each log to stderr first.
#                                   Put it in an EXIT trap: trap 'registry_harness_stop $?' EXIT
#   registry_harness_curl ARGS...   curl with the current registry's CA and credentials
#   registry_harness_skopeo_dest    prints the skopeo copy options reaching the current registry
#   registry_harness_image LAYOUT TAG SEED
#                                   builds (umoci) a small OCI image whose content depends only on
#                                   SEED: same SEED, same digests on any day (umoci 0.4.7: img1
#                                   is sha256:57bb0b5b..., 345 bytes)
#   registry_harness_push LAYOUT TAG REPO[:RTAG] [oci|v2s2]
#                                   skopeo copy into the current registry (v2s2: Docker schema2),
#                                   prints "REPO:RTAG DIGEST SIZE MEDIATYPE" as the registry reports
#                                   them (HEAD, Docker-Content-Digest) and checks the digest against
#                                   sha256 of the manifest bytes served
#   registry_harness_put_blob REPO FILE
#                                   monolithic upload (POST, then PUT ...&digest=); prints the digest
#   registry_harness_put_manifest REPO REF FILE CONTENT-TYPE
#                                   PUT of the file's exact bytes; prints "STATUS BODY" (BODY: the
#                                   registry's one-line JSON error, empty on success)
#   registry_harness_push_images N REPO [oci|v2s2]
#                                   builds and pushes images 1..N as REPO:img1..imgN (one layout
#                                   under $OCIREG_DIR/images), one line each as above
#
# Loopback only: the registry listens on 127.0.0.1 and nothing here takes another host.
# Logs: DIR/registry.log (one line per request: the access log).

source "$(dirname "${BASH_SOURCE[0]}")/notary-harness.sh"

REGISTRY_HARNESS_PIDS=()
REGISTRY_HARNESS_LOGS=()
# Fixed test password (the htpasswd file holds its bcrypt hash); it guards a throw-away loopback
# registry only.
REGISTRY_HARNESS_USER=signy
REGISTRY_HARNESS_PASSWORD=registry-test-pass-1

registry_harness_start() {
  local dir=$1 flavours=${2:-plain} f basic="" tls="" policy=""
  for f in ${flavours//,/ }; do
    case $f in
      plain) ;;
      basic) basic=1 ;;
      tls) tls=1 ;;
      policy) policy=1 ;;
      *) echo "registry_harness_start: unknown flavour $f (plain, basic, tls, policy)" >&2; return 2 ;;
    esac
  done
  mkdir -p "$dir/data"
  dir=$(cd "$dir" && pwd)
  local port scheme=http
  port=$(notary_harness_free_port)
  {
    echo "version: 0.1"
    echo "log: {level: ${REGISTRY_HARNESS_LOG_LEVEL:-info}, formatter: text, accesslog: {disabled: false}}"
    echo "storage:"
    echo "  filesystem: {rootdirectory: \"$dir/data\"}"
    echo "  delete: {enabled: true}"
    echo "  maintenance: {uploadpurging: {enabled: false}}"
    echo "http:"
    echo "  addr: 127.0.0.1:$port"
    # A fixed secret silences the "No HTTP secret provided" warning; it signs upload state only.
    echo "  secret: signy-registry-harness"
    if [[ -n $tls ]]; then
      [[ -f $dir/ca.crt && -f $dir/server.crt ]] || notary_harness_certs "$dir" ||
        { echo "registry_harness_start: openssl failed" >&2; return 1; }
      echo "  tls: {certificate: \"$dir/server.crt\", key: \"$dir/server.key\"}"
      scheme=https
    fi
    if [[ -n $basic ]]; then
      htpasswd -Bbn "$REGISTRY_HARNESS_USER" "$REGISTRY_HARNESS_PASSWORD" >"$dir/htpasswd" ||
        { echo "registry_harness_start: htpasswd failed" >&2; return 1; }
      echo "auth: {htpasswd: {realm: signy-registry-harness, path: \"$dir/htpasswd\"}}"
    fi
    if [[ -n $policy ]]; then echo "policy: {repository: {classes: [image]}}"; fi
  } >"$dir/config.yml"
  # distribution reads every REGISTRY_* environment variable as a configuration override
  # (REGISTRY_LOG=/path replaces the whole log: section): none reaches it from the caller.
  local unset=() v
  for v in $(compgen -e); do [[ $v != REGISTRY_* ]] || unset+=(-u "$v"); done
  env "${unset[@]}" docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  local pid=$!
  REGISTRY_HARNESS_PIDS+=("$pid")
  REGISTRY_HARNESS_LOGS+=("$dir/registry.log")
  {
    echo "OCIREG=127.0.0.1:$port"
    echo "OCIREG_URL=$scheme://127.0.0.1:$port"
    echo "OCIREG_PORT=$port"
    echo "OCIREG_PID=$pid"
    echo "OCIREG_LOG=$dir/registry.log"
    echo "OCIREG_DIR=$dir"
    echo "OCIREG_USER=${basic:+$REGISTRY_HARNESS_USER}"
    echo "OCIREG_PASSWORD=${basic:+$REGISTRY_HARNESS_PASSWORD}"
    echo "OCIREG_CA=${tls:+$dir/ca.crt}"
    echo "OCIREG_CERT_DIR=${tls:+$dir/certs.d/127.0.0.1:$port}"
  } >"$dir/env"
  if [[ -n $tls ]]; then
    mkdir -p "$dir/certs.d/127.0.0.1:$port"
    cp "$dir/ca.crt" "$dir/certs.d/127.0.0.1:$port/ca.crt"
  fi
  registry_harness_use "$dir"
  # Up when /v2/ answers at all (401 with basic auth) and the answer was ours (still running).
  if ! notary_harness_wait "$pid" registry_harness_answers || ! kill -0 "$pid" 2>/dev/null; then
    # Another process may have taken the free port in between: try another one, twice.
    if grep -q 'address already in use' "$dir/registry.log" && ((${REGISTRY_HARNESS_ATTEMPT:-1} < 3)); then
      REGISTRY_HARNESS_ATTEMPT=$((${REGISTRY_HARNESS_ATTEMPT:-1} + 1)) registry_harness_start "$1" "$flavours"
      return
    fi
    echo "docker-registry did not start: $(tail -5 "$dir/registry.log")" >&2
    return 1
  fi
  echo "OCIREG_URL=$OCIREG_URL"
}

registry_harness_answers() {
  [[ $(registry_harness_curl -s -o /dev/null -w '%{http_code}' "$OCIREG_URL/v2/" 2>/dev/null) != 000 ]]
}

registry_harness_use() {
  [[ -f $1/env ]] || { echo "registry_harness_use: no registry in $1" >&2; return 1; }
  # shellcheck disable=SC1091
  set -a && source "$1/env" && set +a
}

registry_harness_stop() {
  local status=${1:-0} log
  if [[ $status != 0 ]]; then
    for log in "${REGISTRY_HARNESS_LOGS[@]}"; do
      echo "--- last lines of $log" >&2
      tail -20 "$log" >&2 2>/dev/null || true
    done
  fi
  ((${#REGISTRY_HARNESS_PIDS[@]} == 0)) || notary_harness_kill "${REGISTRY_HARNESS_PIDS[@]}"
  REGISTRY_HARNESS_PIDS=()
}

registry_harness_curl() {
  local opts=()
  [[ -n ${OCIREG_CA:-} ]] && opts+=(--cacert "$OCIREG_CA")
  [[ -n ${OCIREG_USER:-} ]] && opts+=(-u "$OCIREG_USER:$OCIREG_PASSWORD")
  curl "${opts[@]}" "$@"
}

registry_harness_skopeo_dest() {
  if [[ -n ${OCIREG_CA:-} ]]; then
    echo "--dest-cert-dir=$OCIREG_CERT_DIR"
  else
    echo "--dest-tls-verify=false"
  fi
  [[ -z ${OCIREG_USER:-} ]] || echo "--dest-creds=$OCIREG_USER:$OCIREG_PASSWORD"
}

registry_harness_image() {
  local layout=$1 tag=$2 seed=$3 stamp=2020-01-01T00:00:00Z
  local src
  src=$(mktemp -d) || return 1
  [[ -f $layout/oci-layout ]] || umoci init --layout "$layout" || return 1
  printf 'signy test image %s\n' "$seed" >"$src/content.txt"
  touch -d "$stamp" "$src/content.txt"
  # Every timestamp umoci writes is given, so the digests depend on SEED only.
  umoci new --image "$layout:$tag" &&
    umoci config --image "$layout:$tag" --created "$stamp" --author signy-test --os linux --architecture amd64 \
      --config.cmd /content.txt --history.created "$stamp" --history.created_by "registry_harness_image $seed" &&
    umoci insert --image "$layout:$tag" --history.created "$stamp" --history.created_by "insert content.txt" \
      "$src/content.txt" /content.txt
  local rc=$?
  rm -rf "$src"
  return $rc
}

registry_harness_push() {
  local layout=$1 tag=$2 ref=$3 format=${4:-oci}
  [[ $ref == *:* ]] || ref=$ref:$tag
  local fmt=()
  case $format in
    oci) ;;
    v2s2) fmt=(--format v2s2) ;;
    *) echo "registry_harness_push: format must be oci or v2s2, not $format" >&2; return 2 ;;
  esac
  local dest
  mapfile -t dest < <(registry_harness_skopeo_dest)
  skopeo copy -q "${fmt[@]}" "${dest[@]}" "oci:$layout:$tag" "docker://$OCIREG/$ref" >/dev/null || return 1
  registry_harness_describe "$ref"
}

# registry_harness_describe REPO:TAG: prints "REPO:TAG DIGEST SIZE MEDIATYPE" from a HEAD of the
# manifest, after checking that sha256 of the bytes a GET serves is that digest.
registry_harness_describe() {
  local ref=$1 repo tag headers digest size type body
  repo=${ref%:*} tag=${ref##*:}
  local accept="application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json"
  accept+=",application/vnd.docker.distribution.manifest.v2+json,application/vnd.docker.distribution.manifest.list.v2+json"
  headers=$(registry_harness_curl -sf -I -H "Accept: $accept" "$OCIREG_URL/v2/$repo/manifests/$tag") || {
    echo "registry_harness_describe: HEAD $repo:$tag failed" >&2
    return 1
  }
  headers=${headers//$'\r'/}
  digest=$(sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *//p' <<<"$headers")
  size=$(sed -n 's/^[Cc]ontent-[Ll]ength: *//p' <<<"$headers")
  type=$(sed -n 's/^[Cc]ontent-[Tt]ype: *//p' <<<"$headers")
  body=$(registry_harness_curl -sf -H "Accept: $accept" "$OCIREG_URL/v2/$repo/manifests/$digest" | sha256sum | cut -d' ' -f1)
  if [[ sha256:$body != "$digest" ]]; then
    echo "registry_harness_describe: $repo@$digest serves bytes of sha256:$body" >&2
    return 1
  fi
  echo "$ref $digest $size $type"
}

registry_harness_push_images() {
  local n=$1 repo=$2 format=${3:-oci} i
  local layout=$OCIREG_DIR/images
  for i in $(seq "$n"); do
    [[ -f $layout/index.json ]] && grep -q "\"img$i\"" "$layout/index.json" ||
      registry_harness_image "$layout" "img$i" "$i" || return 1
    registry_harness_push "$layout" "img$i" "$repo:img$i" "$format" || return 1
  done
}

registry_harness_put_blob() {
  local repo=$1 file=$2 digest headers location
  digest=sha256:$(sha256sum "$file" | cut -d' ' -f1)
  headers=$(registry_harness_curl -sf -D - -o /dev/null -X POST "$OCIREG_URL/v2/$repo/blobs/uploads/") || {
    echo "registry_harness_put_blob: POST $repo/blobs/uploads/ failed" >&2
    return 1
  }
  location=$(sed -n 's/^[Ll]ocation: *//p' <<<"${headers//$'\r'/}")
  [[ $location == "$OCIREG_URL/"* ]] || { echo "registry_harness_put_blob: unexpected Location $location" >&2; return 1; }
  registry_harness_curl -sf -o /dev/null -X PUT -H "Content-Type: application/octet-stream" \
    --data-binary "@$file" "$location&digest=$digest" || {
    echo "registry_harness_put_blob: PUT of $digest to $repo failed" >&2
    return 1
  }
  echo "$digest"
}

registry_harness_put_manifest() {
  local repo=$1 ref=$2 file=$3 type=$4 out
  out=$(registry_harness_curl -s -X PUT -H "Content-Type: $type" --data-binary "@$file" -w '\n%{http_code}' \
    "$OCIREG_URL/v2/$repo/manifests/$ref") || return 1
  echo "${out##*$'\n'} $(head -n -1 <<<"$out" | tr -d '\n')"
}

# registry_harness_cnab_config_manifest CONFIG-FILE [CONFIG-MEDIA-TYPE]: prints (no newline) the
# config manifest cnab-to-oci pushes for that config blob (oci-formats fallback levels 1 and 2:
# compact, no mediaType, "layers":null); the type defaults to application/vnd.cnab.config.v1+json.
registry_harness_cnab_config_manifest() {
  local file=$1 type=${2:-application/vnd.cnab.config.v1+json}
  printf '{"schemaVersion":2,"config":{"mediaType":"%s","digest":"sha256:%s","size":%d},"layers":null}' \
    "$type" "$(sha256sum "$file" | cut -d' ' -f1)" "$(stat -c %s "$file")"
}
