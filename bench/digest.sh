#!/usr/bin/env bash
# Benchmark: `signy digest` (SHA-256 + SHA-512, one pass) of a 1 GiB file against
# `openssl dgst -sha512` alone, alternating runs on tmpfs, medians of wall time and peak RSS.
# Goal (issue 2): wall <= 1.15x openssl, peak RSS <= 16 MiB.
# Usage: bench/digest.sh [path/to/signy] [runs] [size_mib]
set -euo pipefail
signy=${1:-build/signy}
runs=${2:-5}
size=${3:-1024}
dir=$(mktemp -d /dev/shm/signy-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
file=$dir/blob
head -c $((size << 20)) /dev/urandom >"$file"
measure() {  # prints "seconds maxrss_kib"
  /usr/bin/time -f "%e %M" -o "$dir/t" "$@" >/dev/null
  cat "$dir/t"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
: >"$dir/s"; : >"$dir/o"
"$signy" digest "$file" >/dev/null; openssl dgst -sha512 "$file" >/dev/null  # warm up
for _ in $(seq "$runs"); do
  measure "$signy" digest "$file" >>"$dir/s"
  measure openssl dgst -sha512 "$file" >>"$dir/o"
done
s_t=$(cut -d' ' -f1 "$dir/s" | median); s_m=$(cut -d' ' -f2 "$dir/s" | median)
o_t=$(cut -d' ' -f1 "$dir/o" | median); o_m=$(cut -d' ' -f2 "$dir/o" | median)
printf '%-34s %8s %10s\n' "workload: digest of ${size} MiB" "wall s" "peak MiB"
printf '%-34s %8.2f %10.1f\n' "signy digest (sha256+sha512)" "$s_t" "$(awk "BEGIN{print $s_m/1024}")"
printf '%-34s %8.2f %10.1f\n' "openssl dgst -sha512" "$o_t" "$(awk "BEGIN{print $o_m/1024}")"
printf 'ratio wall signy/openssl: %.3f (goal <= 1.15)   signy peak RSS: %.1f MiB (goal <= 16)\n' \
  "$(awk "BEGIN{print $s_t/$o_t}")" "$(awk "BEGIN{print $s_m/1024}")"
