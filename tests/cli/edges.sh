#!/usr/bin/env bash
# The edges of the command line (issue 7, "clean edges"): library messages never reach the user
# raw, control bytes in errors are escaped, unknown commands and bad durations are usage errors
# naming what was wrong, help in words with an example, -o json failures, a missing CA file, a
# bare registry host as a GUN, delete of an unknown collection, the first-use pinning hint, and
# the slow-retrieval message telling the time really waited.
source "$(dirname "$0")/../interop/lib.sh"
: "${FIXTURES:?}"
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
make_thick bundle.tgz
ref=localhost:5000/edges/app
s() { "$SIGNY" -d trust "$@"; }
# no_raw TEXT: nothing of a library's own wording, no control byte but the final newline.
no_raw() {
  [[ $1 != *"json.exception"* && $1 != *"filesystem error"* && $1 != *"Run with --help"* && $1 != *"internal error"* &&
     $1 != *"were not expected"* && $1 != *"required TEXT"* && $1 != *"->"* && $1 != *"ArgumentMismatch"* ]] ||
    die "a library's raw message reached the user: $1"
  [[ $(printf '%s' "$1" | LC_ALL=C tr -d '\n' | LC_ALL=C tr -d '[:print:]' | wc -c) == 0 ]] || die "control bytes in: $(printf '%q' "$1")"
}

# 2. An unknown command is named, exit 2.
expect_fail 2 'unknown command "frobnicate"; see signy --help' -- "$SIGNY" frobnicate
expect_fail 2 'unknown command "frobnicate"' -- "$SIGNY" key frobnicate
out=$("$SIGNY" frobnicate 2>&1 || true) && no_raw "$out"
ok "an unknown command is named, exit 2"

# 1. Library messages: CLI11's parse errors, std::filesystem and nlohmann exceptions.
for args in "-t" "verify --thick" "list" "list a/b c/d" "-o yaml version" "key generate --type dsa --role targets"; do
  out=$("$SIGNY" $args 2>&1 >/dev/null) && die "signy $args succeeded"
  no_raw "$out"
  [[ $out == "signy: usage: "* && $(wc -l <<<"$out") == 1 ]] || die "signy $args: $out"
done
# A file name with ESC and newline bytes (attacker-chosen) is escaped in the error.
evil=$'x\e]0;pwned\a\e[31mred\nsigny: fake line'
expect_fail 5 'x\x1b]0;pwned\x07\x1b[31mred\nsigny: fake line' -- "$SIGNY" digest "$evil"
out=$("$SIGNY" digest "$evil" 2>&1 || true) && no_raw "$out"
# The working directory removed under us: std::filesystem throws; local I/O, not internal.
mkdir gone
rc=0; out=$(cd gone && rmdir ../gone && "$SIGNY" -d rel list localhost:5000/a/b 2>&1) || rc=$?
[[ $rc == 5 && $out == "signy: "* && $(wc -l <<<"$out") == 1 ]] || die "removed cwd: exit $rc: $out"
no_raw "$out"
# A std::filesystem call that throws (status() of a symlink loop in the cache, reached when the
# server has no collection yet): local I/O, not "internal error: filesystem error: ...".
mkdir -p loop/tuf/$ref/metadata && ln -s root.json loop/tuf/$ref/metadata/root.json
rc=0; out=$("$SIGNY" -d loop sign --thick bundle.tgz $ref:v1 2>&1 >/dev/null) || rc=$?
[[ $rc != 0 && $rc != 6 && $out == "signy: "* && $(wc -l <<<"$out") == 1 ]] || die "symlink loop: exit $rc: $out"
no_raw "$out"
# A file name that is not UTF-8 in JSON output (nlohmann refuses to dump it raw).
printf '{"a":1}' >$'bad\xff.json'
out=$("$SIGNY" -o json bundle check $'bad\xff.json' 2>&1) || die "json output of a non-UTF-8 file name: $out"
python3 -c 'import json,sys; json.loads(sys.argv[1])' "$out" || die "not JSON: $out"
ok "CLI11, std::filesystem and nlohmann messages become signy's own, control bytes escaped"

# 3. Help in words, with an example at the end of each command's help.
help=$("$SIGNY" --help)
[[ $help != *ENUM* && $help != *"->"* && $help != *"OR {"* ]] || die "help shows CLI11's types: $help"
[[ $help == *"text|json"* && $help == *DURATION* ]] || die "help lacks option types in words: $help"
for cmd in version digest key "key generate" "key list" "key import" "key export" "key rotate" bundle "bundle check" "bundle canonicalize" \
  sign verify list delete; do
  h=$("$SIGNY" $cmd --help) || die "signy $cmd --help"
  [[ $h != *ENUM* && $h != *TEXT:* ]] || die "signy $cmd --help shows CLI11's types: $h"
  last=$(printf '%s\n' "$h" | grep -v '^ *$' | tail -n 1)
  [[ $last == *"signy "* ]] || die "signy $cmd --help does not end with an example: $last"
  [[ $(printf '%s\n' "$h" | grep -c -i '^example') == 1 ]] || die "signy $cmd --help has no example: $h"
done
ok "help shows types in words and ends with an example for every command"

# 4. Go durations for -t/--timeout; plain integers stay seconds.
for t in 5 5s 1m30s 250ms 2h 1h0m0s 1.5s; do
  s -t "$t" list $ref >/dev/null 2>&1 || [[ $? != 2 ]] || die "-t $t refused as usage"
done
expect_fail 2 '"5x"' -- s -t 5x list $ref
expect_fail 2 '"-1s"' -- s --timeout=-1s list $ref
expect_fail 2 '"0"' -- s -t 0 list $ref
expect_fail 2 '"25h"' -- s -t 25h list $ref   # more than the one-day cap
ok "-t accepts Go durations and names a bad one"

# 11. -o json: a failure is also a JSON object on stdout, same exit code, one stderr line.
s sign --thick bundle.tgz $ref:v1 >/dev/null
cp bundle.tgz evil.tgz && printf 'x' >>evil.tgz
evil_len=$(stat -c %s evil.tgz)
rc=0; out=$(s -o json verify --thick --local evil.tgz $ref:v1 2>err) || rc=$?
[[ $rc == 1 && $(wc -l <err) == 1 && $(cat err) == "signy: "*"$evil_len bytes"* ]] || die "json verify failure: $rc $(cat err)"
python3 - "$out" "$evil_len" <<'PY' || die "json error object: $out"
import json, sys
e = json.loads(sys.argv[1])["error"]
assert e["code"] == "length_mismatch" and e["category"] == "verification" and sys.argv[2] + " bytes" in e["message"], e
PY
rc=0; out=$(s -o json verify --thick --local bundle.tgz 'a//b:v1' 2>err) || rc=$?
[[ $rc == 2 && $(wc -l <err) == 1 ]] || die "json usage failure: $rc $(cat err)"
python3 - "$out" <<'PY' || die "json usage error object: $out"
import json, sys
e = json.loads(sys.argv[1])["error"]
assert e["code"] == "usage" and e["category"] == "usage" and "invalid reference" in e["message"], e
PY
rc=0; out=$("$SIGNY" --output json frobnicate 2>err) || rc=$?
[[ $rc == 2 ]] && python3 -c 'import json,sys; assert json.loads(sys.argv[1])["error"]["category"] == "usage"' "$out" ||
  die "json parse error: $rc $out"
ok "-o json failures are JSON objects on stdout with the errc name and category"

# 6. A missing --tlscacert file is local I/O naming the file.
expect_fail 5 "no-such-ca.pem" -- s --server https://127.0.0.1:9 --tlscacert no-such-ca.pem list $ref
ok "a missing CA file is exit 5 naming it"

# 5. A bare registry host is not a GUN; delete of an unknown collection says so.
for gun in registry.example.com localhost:5000 localhost 127.0.0.1:5000; do
  expect_fail 2 "registry host" -- s list "$gun"
  expect_fail 2 "registry host" -- s delete "$gun"
  expect_fail 2 "registry host" -- s sign --thick bundle.tgz "$gun"
done
expect_fail 5 "no trust data for localhost:5000/edges/nothing" -- s delete localhost:5000/edges/nothing
grep -q "Deleted the trust data of $ref" <<<"$(s delete $ref)" || die "delete of a known collection"
ok "a bare registry host is refused as a GUN; delete of an unknown collection is exit 5"

# 5b. Deleting a parent GUN never touches the collections under it (their cached roots are their
# trust anchors): localhost:5000/edges holds nothing, localhost:5000/edges/app/sub is a collection.
s sign --thick bundle.tgz $ref/sub:v1 >/dev/null || die "sign of a nested collection"
expect_fail 5 "no trust data for localhost:5000/edges " -- s delete localhost:5000/edges
[[ -f trust/tuf/$ref/sub/metadata/root.json ]] || die "delete of a parent GUN removed a nested collection's cached root"
s sign --thick bundle.tgz $ref:v2 >/dev/null || die "sign of the parent collection"
s delete $ref >/dev/null || die "delete of the parent collection"
[[ -f trust/tuf/$ref/sub/metadata/root.json && ! -e trust/tuf/$ref/metadata ]] || die "delete of $ref touched $ref/sub or left its own cache"
out=$(s verify --thick --local bundle.tgz $ref/sub:v1 2>&1) && [[ $out != *"first use"* ]] || die "nested collection after the parent's delete: $out"
s delete $ref/sub >/dev/null && [[ ! -e trust/tuf/$ref ]] || die "empty cache directories left after the last delete"
ok "delete of a parent GUN leaves the cached roots of the collections under it"

# 10. The first-use warning names the full root key ID and how to pin it.
out=$("$SIGNY" -d fresh --server "file://$PWD/trust/server" verify --thick --local bundle.tgz $ref:v1 2>&1)
rootid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["roles"]["root"]["keyids"][0])' \
  "trust/server/v2/$ref/_trust/tuf/root.json")
[[ $out == *"$rootid"* && $out == *"{\"trust_pinning\":{\"certs\":{\"$ref\":[\"$rootid\"]}}}"* ]] || die "TOFU hint: $out"
ok "the first-use warning prints the full root key ID and the config.json line that pins it"

# 7. Slow retrieval: the message says the time really waited (the low-speed window), not -t.
cat >stall.py <<'PY'
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "100"); self.end_headers()
        self.wfile.write(b"{"); self.wfile.flush(); time.sleep(40)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 stall.py "$p" >/dev/null 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/"$p") 2>/dev/null && break; sleep 0.1; done
begin=$(date +%s)
rc=0; out=$("$SIGNY" -d t --server "http://127.0.0.1:$p" -t 25 list 127.0.0.1:5000/app 2>&1) || rc=$?
took=$(($(date +%s) - begin))
# The window is 10 s; a loaded machine adds a little (measured: 10.0 s idle, 11 s with load 8).
[[ $rc == 4 && $out =~ "timed out after "(10|11|12)" s (fewer than 64 bytes/s" && $out != *"25 s"* ]] ||
  die "slow retrieval message: $rc $out (took $took s)"
(( took >= 9 && took < 20 )) || die "the low-speed abort took $took s"
ok "the low-speed abort says how long it waited ($took s)"
echo "$pass passed, 0 failed"
