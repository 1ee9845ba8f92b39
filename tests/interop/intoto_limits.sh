#!/usr/bin/env bash
# Inspections with bounded resources (issue 9 item 4): an inspection that loops, forks, allocates
# or writes without end is stopped by its limit (small ones, set with the flags), the verification
# fails naming the limit, and no process of it is left behind. The layout has no steps and one
# inspection; each command carries a marker so that its processes can be found afterwards, and the
# private directories go to a TMPDIR of the test's own, which must be empty after each run.
source "$(dirname "$0")/lib.sh"
require in-toto-keygen
: "${SIGNY_TESTTOOL:?}"
py=/usr/bin/python3
T=$SIGNY_TESTTOOL

in-toto-keygen -t ed25519 owner >/dev/null
mkdir tmp && export TMPDIR=$work/tmp  # where the private directories go: empty after each run
mkdir chain && echo data >chain/artifact

# layout RUN-JSON: a layout with one inspection running RUN-JSON, signed by owner.
layout() {
  "$py" - "$1" <<'PY'
import json, sys
run = json.loads(sys.argv[1])
layout = {"_type": "layout", "expires": "2100-01-01T00:00:00Z", "readme": "", "keys": {}, "steps": [],
          "inspect": [{"_type": "inspection", "name": "probe", "run": run,
                       "expected_materials": [], "expected_products": []}]}
json.dump({"signed": layout, "signatures": []}, open("unsigned.layout", "w"))
PY
  "$T" sign unsigned.layout chain/root.layout --sslib-key owner >/dev/null
}

# stopped NAME MESSAGE MAX-SECONDS MARKER FLAGS... -- RUN-JSON
stopped() {
  local name=$1 msg=$2 max=$3 marker=$4
  shift 4
  local flags=()
  while [[ $1 != -- ]]; do flags+=("$1"); shift; done
  layout "$2"
  local start=$SECONDS out rc=0
  out=$(cd chain && "$SIGNY" intoto verify -l root.layout -k ../owner.pub "${flags[@]}" 2>&1 >/dev/null) || rc=$?
  local took=$((SECONDS - start))
  [[ $rc == 1 ]] || die "$name: exit $rc, expected 1: $out"
  [[ $out == "signy: in-toto: inspections: inspection 'probe' ["*"]: $msg" ]] || die "$name: expected \"$msg\" in: $out"
  [[ $(printf '%s\n' "$out" | wc -l) == 1 ]] || die "$name: not one line: $out"
  ((took <= max)) || die "$name: stopped after ${took}s, expected at most ${max}s"
  sleep 0.2
  if pgrep -f "$marker" >/dev/null; then
    pgrep -af "$marker" >&2
    die "$name: processes left behind"
  fi
  [[ -z $(ls -A "$TMPDIR") ]] || die "$name: left behind in TMPDIR: $(ls -A "$TMPDIR")"
  ok "$name: stopped in ${took}s with \"$msg\", nothing left running"
}

# The chain itself passes with a harmless inspection (the limits are not what fails).
layout '["sh", "-c", "cat artifact >/dev/null"]'
(cd chain && "$SIGNY" intoto verify -l root.layout -k ../owner.pub --inspection-timeout 5 2>/dev/null) || die "a harmless inspection fails"
ok "the chain passes with a harmless inspection"

stopped "an endless loop" "timeout limit (2 s) reached" 10 "signy-marker-loop" --inspection-timeout 2 -- \
  '["sh", "-c", "while :; do :; done; echo signy-marker-loop"]'
stopped "a CPU-bound loop under a long wall clock" "cpu limit (1 s) reached" 10 "signy-marker-cpu" \
  --inspection-timeout 30 --inspection-cpu 1 -- '["sh", "-c", "while :; do :; done; echo signy-marker-cpu"]'
stopped "a fork bomb" "processes limit (16) reached" 10 "signy-marker-fork" --inspection-processes 16 -- \
  '["sh", "-c", "while :; do sh -c \"sleep 30; echo signy-marker-fork\" & done"]'
stopped "processes that allocate without end" "memory limit (128 MiB) reached" 15 "signy-marker-mem" \
  --inspection-memory 128 --inspection-timeout 30 -- \
  '["sh", "-c", "for i in 1 2 3 4; do python3 -c \"import time; b = bytearray(60 << 20); b[::4096] = b\\\"x\\\" * len(b[::4096]); time.sleep(30)  # signy-marker-mem\" & done; wait"]'
stopped "an endless write" "file size limit (4 MiB) reached" 10 "signy-marker-write" --inspection-file-size 4 -- \
  '["sh", "-c", "exec tee signy-marker-write </dev/zero >/dev/null"]'
stopped "endless output" "output limit (64 KiB) reached" 10 "signy-marker-yes" --inspection-output 64 -- \
  '["sh", "-c", "yes signy-marker-yes"]'

# signy killed during an inspection (SIGKILL: no handler runs): the command dies with it rather
# than run on with no supervisor (PR_SET_PDEATHSIG).
# The sleeps' durations are this run's own markers: two runs of this script at once never see,
# or kill, each other's processes.
m1="97.$$1" m2="97.$$2"
layout "[\"sleep\", \"$m1\"]"
(cd chain && exec "$SIGNY" intoto verify -l root.layout -k ../owner.pub --inspection-timeout 60 2>/dev/null) &
verifier=$!
for _ in $(seq 200); do pgrep -f "sleep $m1\$" >/dev/null && break; sleep 0.05; done
pgrep -f "sleep $m1\$" >/dev/null || die "the inspection did not start"
kill -KILL $verifier
wait $verifier 2>/dev/null || true
for _ in $(seq 40); do pgrep -f "sleep $m1\$" >/dev/null || break; sleep 0.05; done
if left=$(pgrep -af "sleep $m1\$"); then
  pkill -KILL -f "sleep $m1\$"
  die "the inspection outlived signy: $left"
fi
rm -rf "$TMPDIR"/*  # the private directory of the killed run: nobody was left to remove it
ok "signy killed during an inspection: the inspection dies with it"

# SIGTERM or SIGINT to signy during an inspection (a CI runner's timeout, Ctrl-C): the inspection
# and what it started in a session of its own are killed, then signy dies of the signal.
layout "[\"sh\", \"-c\", \"setsid sleep $m2 </dev/null >/dev/null 2>&1 & sleep $m2\"]"
for sig in TERM INT; do
  (cd chain && exec "$SIGNY" intoto verify -l root.layout -k ../owner.pub --inspection-timeout 60 2>/dev/null) &
  verifier=$!
  # sh, its sleep and the sleep in a session of its own
  for _ in $(seq 200); do (( $(pgrep -fc "sleep $m2\$") >= 3 )) && break; sleep 0.05; done
  (( $(pgrep -fc "sleep $m2\$") >= 3 )) || die "SIG$sig: the inspection did not start: $(pgrep -af "sleep $m2\$")"
  kill -$sig $verifier
  rc=0
  wait $verifier || rc=$?
  [[ $rc == $((128 + $(kill -l $sig))) ]] || die "SIG$sig: signy exited $rc, not of the signal"
  for _ in $(seq 40); do pgrep -f "sleep $m2\$" >/dev/null || break; sleep 0.05; done
  if left=$(pgrep -af "sleep $m2\$"); then
    pkill -KILL -f "sleep $m2\$"
    die "SIG$sig: the inspection outlived signy: $left"
  fi
  rm -rf "$TMPDIR"/*
done
ok "SIGTERM or SIGINT during an inspection: it is killed with what it started, and signy dies of the signal"
