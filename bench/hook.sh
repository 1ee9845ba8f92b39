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
command -v notary >/dev/null || { echo "notary is not installed" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is not installed" >&2; exit 1; }
source bench/lib.sh
bench_servers_start hook
cd "$work"
repo=bench/hook
# 10 images in the bundle's repository: img1 is the invocation image, img2..img10 components.
bench_thin_bundle $repo hook-bench

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
