#!/usr/bin/env bash
# Benchmark: verifying an in-toto supply chain of 10,000 source files (issue 9, "Speed"), on tmpfs.
# The chain is made by the reference tools: write-code (products: every file under src/) and
# package (materials: src/, products: src.tar.gz, `tar czf`) recorded by in-toto-run with an
# ed25519 functionary key; the layout (an untar inspection, `tar xzf src.tar.gz`, whose rules
# MATCH the extracted files with write-code's products) signed by an RSA owner key with
# in-toto-sign. Timed in the same run, alternating, each in a fresh copy of the final directory
# (in-toto-verify extracts into it):
#  (a) signy intoto verify -l root.layout -k owner.pub --link-dir links
#      (the inspection in a private copy; TMPDIR on the same tmpfs)
#  (b) in-toto-verify with the same flags
#  (c) tar xzf src.tar.gz alone (the inspection's own work)
#  (d) rm -rf of the tree (c) extracted: the cleanup of the private copy, which signy pays and
#      in-toto-verify does not
# Medians of wall time (bash's EPOCHREALTIME, microseconds) and peak RSS (/usr/bin/time).
# Goal: (a) <= 0.3x (b) in wall time.
# Usage: bench/intoto.sh [build dir] [runs] [files]
set -euo pipefail
export LC_ALL=C  # EPOCHREALTIME and awk: a decimal point, whatever the user's locale
cd "$(dirname "$0")/.."
signy=$PWD/${1:-build}/signy
runs=${2:-5}
files=${3:-10000}
[[ -x $signy ]] || { echo "bench/intoto.sh: build $signy first" >&2; exit 2; }
command -v in-toto-verify >/dev/null || { echo "bench/intoto.sh: in-toto is not installed" >&2; exit 2; }
py=/usr/bin/python3
dir=$(mktemp -d /dev/shm/signy-bench-intoto.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

echo "making the chain: $files source files, two steps recorded by in-toto-run..." >&2
in-toto-keygen -t rsa owner >/dev/null
in-toto-keygen -t ed25519 alice >/dev/null
mkdir -p work
"$py" - "$files" <<'PY'
import os, sys
n = int(sys.argv[1])
for i in range(n):
    d = f"work/src/m{i // 100:03d}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/f{i % 100:02d}.c", "w") as f:
        f.write(f"int f{i}(void) {{ return {i}; }}\n" * 8)
PY
(
  cd work
  in-toto-run -n write-code -k ../alice -t ed25519 -p src -x >/dev/null 2>&1
  in-toto-run -n package -k ../alice -t ed25519 -m src -p src.tar.gz -- tar czf src.tar.gz src >/dev/null 2>&1
)
"$py" - <<'PY'
import json
from securesystemslib import interface
keys = interface.import_publickeys_from_file(["alice.pub"], ["ed25519"])
alice = list(keys)[0]
layout = {
    "_type": "layout", "expires": "2100-01-01T00:00:00Z", "readme": "bench", "keys": keys,
    "steps": [
        {"_type": "step", "name": "write-code", "threshold": 1, "pubkeys": [alice], "expected_command": [],
         "expected_materials": [], "expected_products": [["CREATE", "src/*"], ["DISALLOW", "*"]]},
        {"_type": "step", "name": "package", "threshold": 1, "pubkeys": [alice],
         "expected_command": ["tar", "czf", "src.tar.gz", "src"],
         "expected_materials": [["MATCH", "src/*", "WITH", "PRODUCTS", "FROM", "write-code"], ["DISALLOW", "*"]],
         "expected_products": [["CREATE", "src.tar.gz"], ["DISALLOW", "*"]]},
    ],
    "inspect": [
        {"_type": "inspection", "name": "untar", "run": ["tar", "xzf", "src.tar.gz"],
         "expected_materials": [["MATCH", "src.tar.gz", "WITH", "PRODUCTS", "FROM", "package"],
                                ["ALLOW", "root.layout"], ["ALLOW", "owner.pub"], ["DISALLOW", "*"]],
         "expected_products": [["MATCH", "src/*", "WITH", "PRODUCTS", "FROM", "write-code"],
                               ["MATCH", "src.tar.gz", "WITH", "PRODUCTS", "FROM", "package"],
                               ["ALLOW", "root.layout"], ["ALLOW", "owner.pub"], ["DISALLOW", "*"]]},
    ],
}
json.dump({"signed": layout, "signatures": []}, open("root.layout", "w"), indent=1, sort_keys=True)
PY
in-toto-sign -f root.layout -k owner -t rsa
mkdir -p final/links && cp work/*.link final/links/ && cp work/src.tar.gz root.layout owner.pub final/
mkdir tmp && export TMPDIR=$dir/tmp

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
flags=(-l root.layout -k owner.pub --link-dir links)
measure() {  # OUT COMMAND...: in a fresh copy of final/, appends "seconds maxrss_kib" to OUT
  local out=$1 t0 t1 rc=0
  shift
  rm -rf run && cp -r final run
  cd run
  # Wall time from bash's clock (microseconds; GNU time's %e has 10 ms steps, 0.01 of the ratio);
  # the RSS from GNU time. Both tools pay the same start of /usr/bin/time.
  t0=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$dir/t" "$@" >/dev/null 2>"$dir/err" || rc=$?
  t1=$EPOCHREALTIME
  cd "$dir"
  if ((rc != 0)); then
    echo "bench/intoto.sh: $* failed: $(cat "$dir/err")" >&2
    exit 1
  fi
  echo "$(awk "BEGIN{print $t1-$t0}") $(cat "$dir/t")" >>"$out"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
col() { cut -d' ' -f"$2" "$dir/$1" | median; }
mib() { awk "BEGIN{printf \"%.1f\", $1/1024}"; }

measure warm "$signy" intoto verify "${flags[@]}"  # warm up; both must pass
measure warm in-toto-verify "${flags[@]}"
: >a; : >b; : >c; : >d
for _ in $(seq "$runs"); do
  measure a "$signy" intoto verify "${flags[@]}"
  measure b in-toto-verify "${flags[@]}"
  measure c tar xzf src.tar.gz
  # (d) removing what the inspection extracted: the private copy's cleanup, which signy pays and
  # in-toto-verify does not (it leaves the files in the current directory).
  t0=$EPOCHREALTIME
  rm -rf run/src
  t1=$EPOCHREALTIME
  awk "BEGIN{print $t1-$t0}" >>d
done
a_t=$(col a 1); a_m=$(col a 2); b_t=$(col b 1); b_m=$(col b 2); c_t=$(col c 1); d_t=$(col d 1)

echo "cpu: ${cpu:-unknown}, $(nproc) cores (shared machine: load average $(cut -d' ' -f1-3 /proc/loadavg)); $runs runs, medians"
echo "chain: $files source files, 2 steps (write-code, package: tar czf), 1 inspection (tar xzf), on tmpfs"
printf '%-52s %8s %10s\n' "workload" "wall s" "peak MiB"
printf '%-52s %8.3f %10.1f\n' "(a) signy intoto verify" "$a_t" "$(mib "$a_m")"
printf '%-52s %8.3f %10.1f\n' "(b) in-toto-verify" "$b_t" "$(mib "$b_m")"
printf '%-52s %8.3f\n' "(c) tar xzf src.tar.gz alone" "$c_t"
printf '%-52s %8.3f\n' "(d) rm -rf of what (c) extracted" "$d_t"
printf 'ratio wall (a)/(b): %.3f (goal <= 0.3); signy peak RSS %.1f MiB\n' "$(awk "BEGIN{print $a_t/$b_t}")" "$(mib "$a_m")"
