#!/usr/bin/env bash
# TAP 4 (cnab-spec 303; docs/security/tap4.md): a client's map.json names two real notary-servers
# (Debian notary 0.7, each with its own root key) and a file:// repository (a mirror); a bundle
# verifies only when the threshold of them agree on its length and hashes. A mirror that signs
# other bytes under the tag, a server that disagrees, one that is down, terminating and
# non-terminating mappings, per-repository root pins, --map and <trust dir>/map.json.
source "$(dirname "$0")/lib.sh"
require notary-server
require notary
source "${SOURCE_DIR:?}/scripts/notary-harness.sh"
pids=()
trap 'notary_harness_kill "${pids[@]}"; rm -rf "$work"' EXIT
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1

# Two notary-servers with one test CA (certificates made once, kept by the harness).
mkdir -p sa sb
notary_harness_certs sa || die "openssl"
cp sa/ca.crt sa/ca.key sa/server.crt sa/server.key sb/
notary_harness_start "$work/sa" >/dev/null || die "notary-server A"
url_a=$NOTARY_URL
pids+=("$NOTARY_PID")
unset NOTARY_PID
notary_harness_start "$work/sb" >/dev/null || die "notary-server B"
url_b=$NOTARY_URL
pid_b=$NOTARY_PID
pids+=("$NOTARY_PID")
unset NOTARY_PID
ca=$work/sa/ca.crt
mirror=$work/mirror

gun=127.0.0.1:5000/org/app
make_thick b1.tgz 'bundle one'
make_thick evil.tgz 'bundle evil'  # the same length as b1.tgz: only its hashes differ
[[ $(stat -c %s b1.tgz) == $(stat -c %s evil.tgz) ]] || die "make_thick: lengths differ"
# Each publisher has its own trust dir, so each repository has its own root key.
pub() { "$SIGNY" -d "$1" --server "$2" --tlscacert "$ca" sign --thick "${@:3}" >/dev/null; }
pub pa "$url_a" b1.tgz $gun:v1 || die "sign on A"
pub pb "$url_b" b1.tgz $gun:v1 || die "sign on B"
pub pm "file://$mirror" b1.tgz $gun:v1 || die "sign on the mirror"
# The notary CLI sees the same target on both servers.
for u in "$url_a" "$url_b"; do
  listed=$(notary -d "nl-${u##*:}" -s "$u" --tlscacert "$ca" list $gun 2>&1) || die "notary list on $u: $listed"
  [[ $listed == *"v1 "*"$(sha256sum b1.tgz | cut -d' ' -f1)"* ]] || die "notary list on $u: $listed"
done

# map FILE THRESHOLD TERMINATING REPOS... [-- EXTRA-MAPPING-JSON]: a map of the three repositories.
map() {
  local file=$1 threshold=$2 terminating=$3
  shift 3
  local repos="" extra=""
  while [[ $# -gt 0 ]]; do
    if [[ $1 == -- ]]; then
      extra=", $2"
      break
    fi
    repos+="${repos:+, }\"$1\""
    shift
  done
  cat >"$file" <<JSON
{"repositories": {"notary-a": ["$url_a"], "notary-b": ["$url_b"], "mirror": ["file://$mirror"]},
 "mapping": [{"paths": ["127.0.0.1:5000/org/*"], "repositories": [$repos], "threshold": $threshold, "terminating": $terminating}$extra]}
JSON
}
v() { "$SIGNY" -d v --tlscacert "$ca" "$@"; }

map m.json 3 true notary-a notary-b mirror
out=$(v --map m.json verify --thick --local b1.tgz $gun:v1 2>&1) || die "3 of 3 agree: $out"
# The root key ID each repository's first use printed, for the pins below.
root_of() { printf '%s\n' "$out" | grep -B1 "repository $1 trusted that root on first use" | sed -n 's/.*on first use (root key \([0-9a-f]*\)).*/\1/p'; }
root_a=$(root_of notary-a)
root_b=$(root_of notary-b)
[[ ${#root_a} == 64 && ${#root_b} == 64 && $root_a != "$root_b" ]] || die "root key IDs from the first use: $out"
[[ $out == *"Verified b1.tgz against $gun:v1"* ]] || die "3 of 3: $out"
for r in notary-a notary-b mirror; do
  [[ -f v/repositories/$r/tuf/$gun/metadata/root.json ]] || die "no cached root of $r in its own trust dir"
  [[ $out == *"repository $r trusted that root on first use: its pins go in $work/v/repositories/$r/config.json"* ]] ||
    die "the first use of $r is not said: $out"
done
[[ ! -e v/tuf ]] || die "the main trust dir got a cache of its own"
expect_fail 1 "differs from the signed" -- v --map m.json verify --thick --local evil.tgz $gun:v1
ok "three repositories (two notary-servers, a file:// mirror) agree: verified, each cached in repositories/<name>/, another file refused"

# The mirror is compromised: it signs other bytes (same length) as v1.
pub pm "file://$mirror" evil.tgz $gun:v1 || die "re-sign on the mirror"
expect_fail 1 "needs 3 of 3 repositories to agree, 2 do" -- v --map m.json verify --thick --local b1.tgz $gun:v1
out=$(v --map m.json verify --thick --local b1.tgz $gun:v1 2>&1 >/dev/null) || true
[[ $out == *"mirror lists sha256 $(sha256sum evil.tgz | cut -c1-16)..."* ]] || die "the mirror's answer is not named: $out"
map m.json 2 true notary-a notary-b mirror
out=$(v --map m.json verify --thick --local b1.tgz $gun:v1 2>&1) || die "2 of 3: $out"
[[ $out == *"warning: repository mirror lists sha256 $(sha256sum evil.tgz | cut -c1-16)..."*"which disagrees (2 of 3 agree, threshold 2)"* ]] ||
  die "the disagreeing mirror is not warned about: $out"
# The mirror's bytes are compared with what the two servers agree on.
expect_fail 1 "differs from the signed" -- v --map m.json verify --thick --local evil.tgz $gun:v1
ok "a mirror that disagrees: denied at threshold 3 (its hash named), verified with a warning at 2 of 3, its bytes never accepted"

# One server and the mirror sign the evil bytes; with threshold 1 two answers each reach it: denied.
map m.json 1 true notary-a mirror
expect_fail 1 "repositories disagree and each answer reaches the threshold 1" -- v --map m.json verify --thick --local b1.tgz $gun:v1
# Terminating: the first matching mapping decides. Not terminating: the next one is tried.
map m.json 2 true notary-a mirror -- '{"paths": ["*"], "repositories": ["notary-b"]}'
expect_fail 1 "mapping[0] of $work/m.json needs 2 of 2 repositories to agree, 1 do" -- v --map m.json verify --thick --local b1.tgz $gun:v1
map m.json 2 false notary-a mirror -- '{"paths": ["*"], "repositories": ["notary-b"]}'
v --map m.json verify --thick --local b1.tgz $gun:v1 >/dev/null 2>&1 || die "the next mapping was not tried"
expect_fail 1 "differs from the signed" -- v --map m.json verify --thick --local evil.tgz $gun:v1
# A target no mapping applies to.
map m.json 2 true notary-a notary-b
expect_fail 1 "no mapping of $work/m.json applies to 127.0.0.1:5000/other/app:v1" -- v --map m.json verify --thick --local b1.tgz 127.0.0.1:5000/other/app:v1
ok "two answers each at threshold 1 deny; terminating stops the search, a non-terminating mapping lets the next one try; no mapping denies"

# Each repository's root pins are its own: notary-b pinned to notary-a's root key is refused.
rm -rf v/repositories/notary-b/tuf
echo "{\"trust_pinning\": {\"certs\": {\"$gun\": [\"$root_a\"]}}}" >v/repositories/notary-b/config.json
map m.json 2 true notary-a notary-b
expect_fail 1 "notary-b: " -- v --map m.json verify --thick --local b1.tgz $gun:v1
echo "{\"trust_pinning\": {\"certs\": {\"$gun\": [\"$root_b\"]}}}" >v/repositories/notary-b/config.json
out=$(v --map m.json verify --thick --local b1.tgz $gun:v1 2>&1) || die "notary-b pinned to its own root: $out"
[[ $out != *"repository notary-b trusted that root on first use"* ]] || die "a pinned root was trusted on first use: $out"
ok "each repository has its own root pins (repositories/<name>/config.json): a wrong pin refuses that repository"

# <trust dir>/map.json applies without --map; a bad or missing map is an error, never "no map".
cp m.json v/map.json
expect_fail 1 "differs from the signed" -- v verify --thick --local evil.tgz $gun:v1
v verify --thick --local b1.tgz $gun:v1 >/dev/null 2>&1 || die "<trust dir>/map.json"
expect_fail 5 "absent.json" -- v --map absent.json verify --thick --local b1.tgz $gun:v1
echo '{"repositories": {"..": ["file:///x"]}, "mapping": [{"paths": ["*"], "repositories": [".."]}]}' >bad.json
expect_fail 3 "repository name \"..\" must be 1 to 64 of [A-Za-z0-9._-]" -- v --map bad.json verify --thick --local b1.tgz $gun:v1
echo '{"repositories": {"a": ["file:///x"]}, "mapping": [{"paths": ["*"], "repositories": ["a"], "threshold": 2}]}' >bad.json
expect_fail 3 "mapping[0] \"threshold\": 2 is more than its 1 repositories" -- v --map bad.json verify --thick --local b1.tgz $gun:v1
rm v/map.json
ok "<trust dir>/map.json applies by default; a missing (exit 5) or bad (exit 3) map is a one-line error"

# A server that is down is one answer less: 2 of 3 still verify (its error is a warning); 3 of 3 do not.
pub pm "file://$mirror" b1.tgz $gun:v2 || die "sign v2 on the mirror"
pub pa "$url_a" b1.tgz $gun:v2 || die "sign v2 on A"
pub pb "$url_b" b1.tgz $gun:v2 || die "sign v2 on B"
notary_harness_kill "$pid_b"
map m.json 2 true notary-a notary-b mirror
out=$(v -t 5 --map m.json verify --thick --local b1.tgz $gun:v2 2>&1) || die "2 of 3 with B down: $out"
[[ $out == *"warning: repository notary-b: "* ]] || die "B's failure is not said: $out"
map m.json 3 true notary-a notary-b mirror
expect_fail 1 "needs 3 of 3 repositories to agree, 2 do" -- v -t 5 --map m.json verify --thick --local b1.tgz $gun:v2
# Every repository unreachable: the common reason decides the exit code (network: 4).
map m.json 1 true notary-b
expect_fail 4 "notary-b: " -- v -t 5 --map m.json verify --thick --local b1.tgz $gun:v2
ok "a server that is down counts as not agreeing (2 of 3 verify with a warning, 3 of 3 do not); all down is a network error (exit 4)"
