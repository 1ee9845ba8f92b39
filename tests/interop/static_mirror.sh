#!/usr/bin/env bash
# The file:// repository as a read-only mirror (README "A static mirror"): its v2/ directory served
# by a plain static HTTPS server (python's http.server with a test CA) is verified and listed by a
# client with an empty trust dir, at the web root and under a path prefix; sign and delete --remote
# against the mirror are refused with a clear error; no temporary file is ever in the served tree;
# a repository of the old layout (no v2/) is still read, and moved under v2/ by its next writer.
source "$(dirname "$0")/lib.sh"
require python3
require openssl
require curl
source "${SOURCE_DIR:?}/scripts/notary-harness.sh"
web_pid=""
trap '[[ -n $web_pid ]] && kill "$web_pid" 2>/dev/null; rm -rf "$work"' EXIT
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
gun=registry.example.com/org/app
make_thick b1.tgz 'bundle one'
make_thick b2.tgz 'bundle two'
"$SIGNY" -d t sign --thick b1.tgz $gun:v1 >/dev/null || die "sign v1"
"$SIGNY" -d t sign --thick b2.tgz $gun:v2 >/dev/null || die "sign v2"
[[ -f t/server/v2/$gun/_trust/tuf/timestamp.json ]] || die "the repository has no v2/$gun/_trust/tuf/timestamp.json"

# The web root: the repository's v2/ at /v2 (a link: served live), and a copy under /mirror.
mkdir -p www/mirror certs
ln -s "$PWD/t/server/v2" www/v2
cp -a t/server/v2 www/mirror/v2
notary_harness_certs certs || die "openssl"
port=$(notary_harness_free_port)
python3 - "$port" www certs/server.crt certs/server.key <<'PY' >web.log 2>&1 &
import functools, http.server, ssl, sys
port, root, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(cert, key)
httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
httpd.serve_forever()
PY
web_pid=$!
url=https://127.0.0.1:$port
for _ in $(seq 100); do
  curl -sf --cacert certs/ca.crt "$url/v2/$gun/_trust/tuf/root.json" >/dev/null 2>&1 && break
  kill -0 "$web_pid" 2>/dev/null || die "the static server did not start: $(cat web.log)"
  sleep 0.1
done
m() { "$SIGNY" -d "$1" --server "$2" --tlscacert certs/ca.crt "${@:3}"; }

for base in "$url" "$url/mirror" "$url/mirror/"; do
  rm -rf c
  out=$(m c "$base" verify --thick --local b1.tgz $gun:v1 2>&1) || die "verify from the mirror $base: $out"
  [[ $out == *"trusting the root of $gun on first use"* && $out == *"Verified b1.tgz"* ]] || die "verify from $base: $out"
  listed=$(m c "$base" list $gun) || die "list from $base"
  [[ $listed == *"v1 "*"$(sha256sum b1.tgz | cut -d' ' -f1)"* && $listed == *"v2 "*"$(sha256sum b2.tgz | cut -d' ' -f1)"* ]] ||
    die "list from $base: $listed"
  expect_fail 1 "differs from the signed" -- m c "$base" verify --thick --local b1.tgz $gun:v2
done
ok "a static HTTPS server of the repository's v2/ is a mirror: verify and list with an empty trust dir, at / and under a prefix"

# The mirror is read-only: the publisher's own trust dir (all keys at hand) is refused at the POST.
make_thick b3.tgz 'bundle three'
expect_fail 2 "does not accept publishing (HTTP 501): a static mirror is read-only" -- m t "$url" sign --thick b3.tgz $gun:v3
expect_fail 2 "a static mirror is read-only" -- m t "$url/mirror" delete --remote $gun
m c "$url" verify --thick --local b1.tgz $gun:v1 >/dev/null 2>&1 || die "the refused sign changed the mirror"
ok "sign and delete --remote against the static mirror are refused (exit 2) and change nothing"

# No temporary file in the served tree, ever: a watcher lists the tree while signs run.
(
  while [[ ! -e stop ]]; do
    find -L www/v2 -name '.*.tmp-*' >>seen 2>/dev/null
  done
) &
watch_pid=$!
for i in $(seq 10); do
  make_thick "w$i.tgz" "bundle w$i"
  "$SIGNY" -d t sign --thick "w$i.tgz" $gun:w$i >/dev/null || die "sign w$i"
done
touch stop
wait $watch_pid
[[ ! -s seen ]] || die "temporary files were visible in the served tree: $(sort -u seen | head -3)"
[[ -z $(find -L www/v2 -name '.*.tmp-*') ]] || die "temporary files left in the served tree"
m c "$url" verify --thick --local w10.tgz $gun:w10 >/dev/null 2>&1 || die "the live mirror does not serve the new target"
ok "10 signs while the served tree is watched: no temporary file ever appears in it"

# A repository of the old layout (<repo>/<gun>/_trust/tuf, no v2/) is still read; its next writer
# moves it under v2/ (one rename) and says so.
mkdir -p old/server/$gun
cp -a t/server/v2/$gun/_trust old/server/$gun/
cp -a t/private old/
grep -q "^v1 " <<<"$("$SIGNY" -d old list $gun 2>/dev/null)" || die "list of an old-layout repository"
"$SIGNY" -d old verify --thick --local b2.tgz $gun:v2 >/dev/null 2>&1 || die "verify of an old-layout repository"
out=$("$SIGNY" -d old sign --thick b3.tgz $gun:v3 2>&1) || die "sign into an old-layout repository: $out"
[[ $out == *"moved the collection $gun"*"under v2/"* ]] || die "no word of the move: $out"
[[ -f old/server/v2/$gun/_trust/tuf/timestamp.json && ! -e old/server/$gun && ! -e old/server/registry.example.com ]] ||
  die "the collection was not moved under v2/: $(cd old/server && find . -maxdepth 4)"
"$SIGNY" -d fresh --server "file://$PWD/old/server" verify --thick --local b3.tgz $gun:v3 >/dev/null 2>&1 || die "verify after the move"
"$SIGNY" -d fresh --server "file://$PWD/old/server" verify --thick --local b1.tgz $gun:v1 >/dev/null 2>&1 || die "verify v1 after the move"
ok "an old-layout repository is read, and its next sign moves it under v2/"
echo "$pass passed, 0 failed"
