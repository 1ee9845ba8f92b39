#!/usr/bin/env bash
# Benchmark: `signy digest` (SHA-256 + SHA-512, one pass) of a 1 GiB file on tmpfs against
# `openssl dgst -sha256` and `openssl dgst -sha512`, alternating runs, medians of wall time and
# peak RSS. The reference is the slower of the two openssl runs: SHA-512 on CPUs with SHA
# extensions (SHA-NI), SHA-256 on CPUs without them. The baseline RSS of the process alone
# (`signy version`) and of a small file are printed beside the figure.
# Goal (issues 2 and 7): wall <= 1.15x the slower openssl digest, peak RSS <= 16 MiB.
# Emulate a CPU without SHA extensions on one that has them (OpenSSL's capability mask, bit 29 of
# CPUID leaf 7 EBX):  OPENSSL_ia32cap=":~0x20000000" bench/digest.sh
# Usage: bench/digest.sh [path/to/signy] [runs] [size_mib]
set -euo pipefail
signy=${1:-build/signy}
runs=${2:-5}
size=${3:-1024}
dir=$(mktemp -d /dev/shm/signy-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
file=$dir/blob
head -c $((size << 20)) /dev/urandom >"$file"
head -c 535 /dev/urandom >"$dir/small"

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
sha=no
if grep -qw sha_ni /proc/cpuinfo 2>/dev/null; then
  sha=yes
  mask=${OPENSSL_ia32cap:-}
  if [[ $mask == *:* ]]; then  # second word: "~0x..." clears bits, "0x..." sets the word
    w=${mask#*:}
    if [[ $w == "~"* ]]; then (( (${w#"~"} >> 29) & 1 )) && sha="no (masked by OPENSSL_ia32cap)"
    elif [[ -n $w ]]; then (( (w >> 29) & 1 )) || sha="no (masked by OPENSSL_ia32cap)"
    fi
  fi
fi

measure() {  # appends "seconds maxrss_kib" to $1
  local out=$1; shift
  /usr/bin/time -f "%e %M" -o "$dir/t" "$@" >/dev/null
  cat "$dir/t" >>"$out"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
col() { cut -d' ' -f"$2" "$dir/$1" | median; }
mib() { awk "BEGIN{printf \"%.1f\", $1/1024}"; }
: >"$dir/s"; : >"$dir/o256"; : >"$dir/o512"; : >"$dir/v"; : >"$dir/sm"
"$signy" digest "$file" >/dev/null; openssl dgst -sha512 "$file" >/dev/null  # warm up
for _ in $(seq "$runs"); do
  measure "$dir/s" "$signy" digest "$file"
  measure "$dir/o256" openssl dgst -sha256 "$file"
  measure "$dir/o512" openssl dgst -sha512 "$file"
  measure "$dir/v" "$signy" version
  measure "$dir/sm" "$signy" digest "$dir/small"
done
s_t=$(col s 1); s_m=$(col s 2)
a_t=$(col o256 1); a_m=$(col o256 2)
b_t=$(col o512 1); b_m=$(col o512 2)
v_m=$(col v 2); sm_m=$(col sm 2)
if awk "BEGIN{exit !($a_t > $b_t)}"; then ref=sha256; r_t=$a_t; else ref=sha512; r_t=$b_t; fi

echo "cpu: ${cpu:-unknown}; SHA extensions used: $sha; $runs runs, medians"
printf '%-34s %8s %10s\n' "workload: digest of ${size} MiB" "wall s" "peak MiB"
printf '%-34s %8.2f %10.1f\n' "signy digest (sha256+sha512)" "$s_t" "$(mib "$s_m")"
printf '%-34s %8.2f %10.1f\n' "openssl dgst -sha256" "$a_t" "$(mib "$a_m")"
printf '%-34s %8.2f %10.1f\n' "openssl dgst -sha512" "$b_t" "$(mib "$b_m")"
printf '%-34s %8s %10.1f\n' "signy version (baseline)" "" "$(mib "$v_m")"
printf '%-34s %8s %10.1f\n' "signy digest of a 535-byte file" "" "$(mib "$sm_m")"
printf 'ratio wall signy/openssl -%s (the slower): %.3f (goal <= 1.15); signy/(both openssl runs): %.3f\n' \
  "$ref" "$(awk "BEGIN{print $s_t/$r_t}")" "$(awk "BEGIN{print $s_t/($a_t+$b_t)}")"
printf 'signy peak RSS: %.1f MiB (goal <= 16), baseline %.1f MiB, hashing adds %.1f MiB\n' \
  "$(mib "$s_m")" "$(mib "$v_m")" "$(mib $((s_m - v_m)))"
