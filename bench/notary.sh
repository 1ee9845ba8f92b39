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
# Wall time from the shell's microsecond clock (GNU time's %e has 10 ms steps), peak RSS from
# GNU time (KiB). Prints "seconds KiB".
timed() {  # timed STDERR-FILE COMMAND...: runs it, leaves "seconds KiB" in t
  local err=$1 t0 t1
  shift
  t0=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o t.rss "$@" >/dev/null 2>"$err" || { echo "failed: $*" >&2; exit 1; }
  t1=$EPOCHREALTIME
  echo "$(awk "BEGIN{print $t1-$t0}") $(cat t.rss)" >t
}
measure() { timed /dev/null "$@"; cat t; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
row() {  # row NAME SIGNY-FILE NOTARY-FILE
  local st sm nt nm
  st=$(cut -d' ' -f1 "$2" | median); sm=$(cut -d' ' -f2 "$2" | median)
  nt=$(cut -d' ' -f1 "$3" | median); nm=$(cut -d' ' -f2 "$3" | median)
  printf '%-26s %7.3f %7.3f %6.2f   %7.1f %7.1f %6.2f\n' "$1" "$st" "$nt" "$(awk "BEGIN{print $st/$nt}")" \
    "$(awk "BEGIN{print $sm/1024}")" "$(awk "BEGIN{print $nm/1024}")" "$(awk "BEGIN{print $sm/$nm}")"
}
: >sl; : >nl; : >sv; : >nv; : >sa; : >na; : >sp
for i in $(seq "$runs"); do
  rm -rf s n; measure "${S[@]}" -d s list $gun >>sl
  measure "${N[@]}" -d n list $gun >>nl
  measure "${S[@]}" -d s verify --thick --local small.tgz $gun:v1 >>sv   # warm cache, like notary lookup
  measure "${N[@]}" -d n lookup $gun v1 >>nv
  printf 'bundle %s\n' "$i" >"add$i.tgz"
  timed dbg "${S[@]}" --log debug -d pub sign --thick "add$i.tgz" $gun:s$i
  cat t >>sa
  # The publish request's own time (upload and the server's processing), from signy's log.
  sed -n 's|.*/_trust/tuf/: HTTP 200.*, total \([0-9.]*\) ms$|\1|p' dbg >>sp
  measure "${N[@]}" -d pub addhash -p $gun n$i 9 --sha256 "$(sha256sum "add$i.tgz" | cut -d' ' -f1)" >>na
done
printf '%d targets, %d alternating runs, medians\n' "$count" "$runs"
printf '%-26s %7s %7s %6s   %7s %7s %6s\n' "workload" "signy s" "notary" "ratio" "sig MiB" "not MiB" "ratio"
row "list (empty cache)" sl nl
row "verify / lookup one" sv nv
row "add one target, publish" sa na
# Both tools wait for the same server work when they publish; what is left is each client's own.
server=$(awk '{print $1/1000}' sp | median)
st=$(cut -d' ' -f1 sa | median); nt=$(cut -d' ' -f1 na | median)
printf '  of which the publish request (server): %.3f s; client side: signy %.3f s, notary %.3f s, ratio %.2f\n' \
  "$server" "$(awk "BEGIN{print $st-$server}")" "$(awk "BEGIN{print $nt-$server}")" "$(awk "BEGIN{print ($st-$server)/($nt-$server)}")"
