#!/usr/bin/env bash
# Token authentication: a real notary-server behind docker token auth, with a token service on
# 127.0.0.1 (tests/interop/token_server.py, JWTs notary-server verifies against its
# rootcertbundle). signy gets its credentials from the docker config (auth field, a credential
# helper, credsStore) or SIGNY_AUTH; without them, or with a wrong password, it stops with one
# clear line and exit 4; the notary CLI publishes to the same collection (NOTARY_AUTH).
source "$(dirname "$0")/lib.sh"
require notary-server
require notary
source "${SOURCE_DIR:?}/scripts/notary-harness.sh"
token_pid=
trap 'kill $token_pid 2>/dev/null; notary_harness_stop; rm -rf "$work"' EXIT
srv=$work/server
mkdir -p "$srv"
notary_harness_certs "$srv"
# The token signing certificate: issued by the harness CA (notary-server's rootcertbundle).
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=signy test token issuer" \
  -keyout "$srv/token.key" -out "$srv/token.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' >"$srv/token.ext"
openssl x509 -req -in "$srv/token.csr" -CA "$srv/ca.crt" -CAkey "$srv/ca.key" -CAcreateserial -days 2 \
  -extfile "$srv/token.ext" -out "$srv/token.crt" 2>/dev/null
tport=$(notary_harness_free_port)
/usr/bin/python3 "$SOURCE_DIR/tests/interop/token_server.py" "$tport" "$srv/server.crt" "$srv/server.key" \
  "$srv/token.crt" "$srv/token.key" signy-test-issuer ci-user 'ci-pass:word' >"$srv/token.log" 2>&1 &
token_pid=$!
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/"$tport") 2>/dev/null && break; sleep 0.1; done
export NOTARY_HARNESS_AUTH='{"type":"token","options":{"realm":"https://127.0.0.1:'$tport'/token","service":"notary-test","issuer":"signy-test-issuer","rootcertbundle":"'$srv/ca.crt'"}}'
notary_harness_start "$srv" >/dev/null
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1
export NOTARY_ROOT_PASSPHRASE=root-pass-1 NOTARY_TARGETS_PASSPHRASE=targets-pass-1 NOTARY_SNAPSHOT_PASSPHRASE=snap-pass-1
host=127.0.0.1:$NOTARY_PORT
gun=127.0.0.1:5000/auth/app
s() { "$SIGNY" -d "$1" --server "$NOTARY_URL" --tlscacert "$NOTARY_CA" "${@:2}"; }
make_thick b.tgz 'bundle'
b64() { printf '%s' "$1" | base64 -w0; }

# No credentials, wrong ones: one line, exit 4, nothing published.
export DOCKER_CONFIG=$PWD/nocreds HOME=$PWD/home
mkdir -p "$DOCKER_CONFIG" "$HOME"
expect_fail 4 "refused an anonymous request" -- s t sign --thick b.tgz $gun:v1
mkdir -p wrong && echo "{\"auths\":{\"$host\":{\"auth\":\"$(b64 ci-user:nope)\"}}}" >wrong/config.json
DOCKER_CONFIG=$PWD/wrong expect_fail 4 "refused the credentials" -- s t sign --thick b.tgz $gun:v1
ok "without credentials or with a wrong password: refused with one line, exit 4"

# The docker config's auth field (host with a scheme, as docker writes some).
mkdir -p good && echo "{\"auths\":{\"https://$host\":{\"auth\":\"$(b64 'ci-user:ci-pass:word')\"}}}" >good/config.json
export DOCKER_CONFIG=$PWD/good
out=$(s t sign --thick b.tgz $gun:v1 2>&1) || die "sign with the docker config's credentials: $out"
s t verify --thick --local b.tgz $gun:v1 >/dev/null 2>&1 || die "verify with credentials"
[[ $(s fresh list $gun 2>/dev/null) == *v1* ]] || die "list with credentials"
# (notary-server's challenge lists the two actions in either order)
grep -Eq "scope=repository:$gun:(push,pull|pull,push) user=ci-user" token-requests.log || die "no push+pull token was asked for"
grep -q "scope=repository:$gun:pull user=ci-user" token-requests.log || die "no pull token was asked for"
ok "sign, verify and list with the docker config's credentials (push,pull and pull scopes)"

# A credential helper (credHelpers for the host; credsStore as the default).
mkdir -p bin
cat >bin/docker-credential-signytest <<'SH'
#!/bin/sh
read -r host
[ "$1" = get ] || exit 2
printf '{"ServerURL":"%s","Username":"ci-user","Secret":"ci-pass:word"}\n' "$host"
SH
chmod +x bin/docker-credential-signytest
export PATH=$PWD/bin:$PATH
mkdir -p helper && echo "{\"credHelpers\":{\"$host\":\"signytest\"}}" >helper/config.json
make_thick b2.tgz 'bundle two'
DOCKER_CONFIG=$PWD/helper s t sign --thick b2.tgz $gun:v2 >/dev/null || die "sign with a credential helper"
mkdir -p store && echo '{"credsStore":"signytest"}' >store/config.json
DOCKER_CONFIG=$PWD/store s fresh2 verify --thick --local b2.tgz $gun:v2 >/dev/null 2>&1 || die "verify with credsStore"
mkdir -p nohelper && echo "{\"credHelpers\":{\"$host\":\"absent\"}}" >nohelper/config.json
DOCKER_CONFIG=$PWD/nohelper expect_fail 5 "docker-credential-absent is not on PATH" -- s fresh3 list $gun
ok "credentials from a credential helper (credHelpers, credsStore); a missing helper is named"

# SIGNY_AUTH, as notary's NOTARY_AUTH; and the notary CLI against the same server.
DOCKER_CONFIG=$PWD/nocreds SIGNY_AUTH=$(b64 'ci-user:ci-pass:word') s fresh4 list $gun >/dev/null 2>&1 || die "SIGNY_AUTH"
# The notary CLI asks for tokens anonymously for reads (notary cmd/notary/tuf.go), so it
# publishes here: a target added with signy's trust dir and NOTARY_AUTH, which signy then verifies.
make_thick b3.tgz 'bundle three'
out=$(NOTARY_AUTH=$(b64 'ci-user:ci-pass:word') notary -d t -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" add $gun v3 b3.tgz -p 2>&1) ||
  die "notary publish behind auth: $out"
s t verify --thick --local b3.tgz $gun:v3 >/dev/null 2>&1 || die "signy rejects what notary published behind auth"
ok "SIGNY_AUTH; the notary CLI publishes behind the same auth and signy verifies it"
DOCKER_CONFIG=$PWD/good s t delete --remote $gun >/dev/null || die "delete --remote behind auth"
grep -q "scope=repository:$gun:\* user=ci-user" token-requests.log || die "no * token was asked for the delete"
ok "delete --remote asks for the * scope"
grep -q "ci-pass" "$srv/token.log" 2>/dev/null && die "a password reached the token service log"
echo "$pass passed, 0 failed"
