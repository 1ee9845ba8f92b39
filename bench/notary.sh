#!/usr/bin/env bash
# Benchmark (issue 3): a 10,000-target collection on a real notary-server on 127.0.0.1, then
# signy against the notary CLI, alternating runs, medians of wall time and peak RSS:
#   list with an empty cache | verify/lookup of one target | add one target and publish
# Goal: signy <= 0.5x the notary CLI in wall time and peak memory.
# Usage: bench/notary.sh [build dir] [runs] [targets]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-5}
count=${3:-10000}
signy=$PWD/$build/signy
tool=$PWD/$build/tests/signy-testtool
work=$(mktemp -d /dev/shm/signy-bench.XXXXXX)
source scripts/notary-harness.sh
trap 'notary_harness_stop; rm -rf "$work"' EXIT
notary_harness_start "$work/server" >/dev/null
cd "$work"
export SIGNY_ROOT_PASSPHRASE=bench-root-1 SIGNY_TARGETS_PASSPHRASE=bench-targets-1
export NOTARY_ROOT_PASSPHRASE=bench-root-1 NOTARY_TARGETS_PASSPHRASE=bench-targets-1
gun=127.0.0.1:5000/bench/app
printf 'small bundle\n' >small.tgz
"$signy" -d pub --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" sign --thick small.tgz $gun:v1 >/dev/null
"$tool" bulk-targets pub "$NOTARY_URL" "$NOTARY_CA" $gun "$count" >/dev/null
S=("$signy" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA")
N=(notary -s "$NOTARY_URL" --tlscacert "$NOTARY_CA")
measure() { /usr/bin/time -f "%e %M" -o t "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; cat t; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
row() {  # row NAME SIGNY-FILE NOTARY-FILE
  local st sm nt nm
  st=$(cut -d' ' -f1 "$2" | median); sm=$(cut -d' ' -f2 "$2" | median)
  nt=$(cut -d' ' -f1 "$3" | median); nm=$(cut -d' ' -f2 "$3" | median)
  printf '%-26s %7.3f %7.3f %6.2f   %7.1f %7.1f %6.2f\n' "$1" "$st" "$nt" "$(awk "BEGIN{print $st/$nt}")" \
    "$(awk "BEGIN{print $sm/1024}")" "$(awk "BEGIN{print $nm/1024}")" "$(awk "BEGIN{print $sm/$nm}")"
}
: >sl; : >nl; : >sv; : >nv; : >sa; : >na
for i in $(seq "$runs"); do
  rm -rf s n; measure "${S[@]}" -d s list $gun >>sl
  measure "${N[@]}" -d n list $gun >>nl
  measure "${S[@]}" -d s verify --thick --local small.tgz $gun:v1 >>sv   # warm cache, like notary lookup
  measure "${N[@]}" -d n lookup $gun v1 >>nv
  printf 'bundle %s\n' "$i" >"add$i.tgz"
  measure "${S[@]}" -d pub sign --thick "add$i.tgz" $gun:s$i >>sa
  measure "${N[@]}" -d pub addhash -p $gun n$i 9 --sha256 "$(sha256sum "add$i.tgz" | cut -d' ' -f1)" >>na
done
printf '%d targets, %d alternating runs, medians\n' "$count" "$runs"
printf '%-26s %7s %7s %6s   %7s %7s %6s\n' "workload" "signy s" "notary" "ratio" "sig MiB" "not MiB" "ratio"
row "list (empty cache)" sl nl
row "verify / lookup one" sv nv
row "add one target, publish" sa na
