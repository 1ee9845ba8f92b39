#!/usr/bin/env bash
# Benchmark: checking a ~1 GiB thick bundle holding 10 images (issue 8, "Speed"), on tmpfs.
#  (a) `signy verify --thick --local FILE REF` against a file:// trust repository (TUF refresh, then
#      one pass: outer SHA-256 + SHA-512 of the file, gunzip, tar, every blob hashed, every image's
#      manifest, config and layers checked);
#  (b) the script a user would write: `tar xzf` onto tmpfs, then `sha256sum` of the blobs (no outer
#      digest, no manifest walk).
# Alternating runs, medians of wall time and peak RSS (/usr/bin/time). Goal: (a) <= 1.0x (b) in wall
# time, (a) <= 32 MiB peak RSS. (b)'s extracted copy sits in tmpfs (page cache, not in its RSS).
# The layers are random bytes, so gzip cannot shrink them; the images are made by umoci
# (scripts/gen-thick-fixtures.sh --bench).
# Usage: bench/thick.sh [build dir] [runs] [images] [MiB per image]
set -euo pipefail
cd "$(dirname "$0")/.."
signy=$PWD/${1:-build}/signy
runs=${2:-3}
images=${3:-10}
mib=${4:-100}
[[ -x $signy ]] || { echo "bench/thick.sh: build $signy first" >&2; exit 2; }
dir=$(mktemp -d /dev/shm/signy-bench-thick.XXXXXX)
trap 'rm -rf "$dir"' EXIT

echo "building a thick bundle: $images images x $mib MiB of random layers (umoci, gzip -1)..." >&2
scripts/gen-thick-fixtures.sh --bench "$dir" "$images" "$mib" 2>/dev/null
tgz=$dir/bench.tgz
size=$(stat -c %s "$tgz")

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
measure() {  # appends "seconds maxrss_kib" to $1
  local out=$1; shift
  /usr/bin/time -f "%e %M" -o "$dir/t" "$@" >/dev/null
  cat "$dir/t" >>"$out"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
col() { cut -d' ' -f"$2" "$dir/$1" | median; }
mib() { awk "BEGIN{printf \"%.1f\", $1/1024}"; }

cat >"$dir/user.sh" <<'SH'
set -e
tar xzf "$1" -C "$2"
cd "$2/artifacts/layout/blobs/sha256"
sha256sum -- * >/dev/null
SH
export SIGNY_ROOT_PASSPHRASE=bench-root-1 SIGNY_TARGETS_PASSPHRASE=bench-targets-1 SIGNY_SNAPSHOT_PASSPHRASE=bench-snap-1
ref=localhost:5000/bench/thick:v1
"$signy" -d "$dir/trust" sign --thick "$tgz" "$ref" >/dev/null
verify=("$signy" -d "$dir/trust" verify --thick --local "$tgz" "$ref")
"${verify[@]}" >"$dir/out.txt"  # warm up, and the check must pass
: >"$dir/a"; : >"$dir/b"
for _ in $(seq "$runs"); do
  measure "$dir/a" "${verify[@]}"
  rm -rf "$dir/x"; mkdir "$dir/x"
  measure "$dir/b" bash "$dir/user.sh" "$tgz" "$dir/x"
  rm -rf "$dir/x"
done
a_t=$(col a 1); a_m=$(col a 2); b_t=$(col b 1); b_m=$(col b 2)

echo "cpu: ${cpu:-unknown}, $(nproc) cores (shared machine: load average $(cut -d' ' -f1-3 /proc/loadavg)); $runs runs, medians"
echo "bundle: $(awk "BEGIN{printf \"%.0f\", $size/1048576}") MiB compressed, $(grep -c '@sha256:' "$dir/out.txt") images verified"
printf '%-52s %8s %10s\n' "workload" "wall s" "peak MiB"
printf '%-52s %8.2f %10.1f\n' "(a) signy verify --thick --local (every image)" "$a_t" "$(mib "$a_m")"
printf '%-52s %8.2f %10.1f\n' "(b) tar xzf onto tmpfs + sha256sum of the blobs" "$b_t" "$(mib "$b_m")"
printf 'ratio wall (a)/(b): %.3f (goal <= 1.0); (a) peak RSS %.1f MiB (goal <= 32)\n' \
  "$(awk "BEGIN{print $a_t/$b_t}")" "$(mib "$a_m")"
