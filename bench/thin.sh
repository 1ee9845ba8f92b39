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
source bench/lib.sh
bench_servers_start thin
cd "$work"
repo=bench/thin
# 10 images in the bundle's repository: img1 is the invocation image, img2..img10 components.
bench_thin_bundle $repo thin-bench

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
export SIGNY_ROOT_PASSPHRASE=bench-root-1 SIGNY_TARGETS_PASSPHRASE=bench-targets-1 SIGNY_SNAPSHOT_PASSPHRASE=bench-snap-1
signy_verify=("$signy" -d "$work/trust" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" verify "$ref")
"$signy" -d "$work/trust" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" sign bundle.json "$ref" >/dev/null
read -r _ signed_digest _ _ < <(registry_harness_describe $repo:v1)
[[ $signed_digest == "$index_digest" ]] || { echo "signy sign pushed another index: $signed_digest" >&2; exit 1; }
"${signy_verify[@]}" >/dev/null  # warm-up: the TUF cache holds the collection from here on

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
