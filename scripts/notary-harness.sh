# shellcheck shell=bash
# Starts and stops a real notary-server (Debian package `notary`, 0.7) on 127.0.0.1 with TLS from
# a throw-away CA and memory storage. Used by scripts/gen-fixtures.sh, the interop tests and the
# benchmark. Source it, then:
#
#   notary_harness_start WORKDIR [local|signer]
#     local:  the server's own trust service (ed25519 timestamp keys)
#     signer: notary-signer on another loopback port, mutual TLS, memory storage (ecdsa keys)
#     Writes the CA, certificates and the server/signer configs into WORKDIR, waits for
#     /_notary_server/health, exports NOTARY_URL, NOTARY_CA, NOTARY_PORT, NOTARY_PID (and
#     NOTARY_SIGNER_PORT, NOTARY_SIGNER_PID for signer) and prints NOTARY_URL=... and NOTARY_CA=...
#     Then: notary -d TRUSTDIR -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" ...
#     With NOTARY_HARNESS_AUTH set to a JSON object, the server is put behind that "auth" config
#     (e.g. docker token auth; tests/interop/notary_auth.sh).
#   notary_harness_stop
#     Stops the processes it started (by pid). Put it in an EXIT trap.
#
# Loopback only. Logs: WORKDIR/server.log, WORKDIR/signer.log.

notary_harness_free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Helpers shared with scripts/registry-harness.sh.
# notary_harness_wait PID CMD...: runs CMD every 0.1 s until it succeeds (true) or PID has exited or
# 10 s have passed (false).
notary_harness_wait() {
  local pid=$1
  shift
  for _ in $(seq 100); do
    "$@" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# notary_harness_listening PORT: something accepts TCP connections on 127.0.0.1:PORT.
notary_harness_listening() { (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# notary_harness_kill PID...: stops these processes (by pid, never by name) and reaps them.
notary_harness_kill() {
  local pid
  for pid in "$@"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

# notary_harness_certs DIR: a CA, and one certificate for 127.0.0.1/localhost used both as the
# servers' TLS certificate and as notary-server's client certificate towards notary-signer.
notary_harness_certs() {
  local dir=$1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=signy test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >"$dir/ext.cnf"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/ext.cnf" -out "$dir/server.crt" 2>/dev/null
}

notary_harness_start() {
  local dir=$1 mode=${2:-local}
  if [[ $mode != local && $mode != signer ]]; then
    echo "notary_harness_start: mode must be local or signer, not $mode" >&2
    return 2
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # Certificates made beforehand (notary_harness_certs DIR) are kept, e.g. for a token service.
  [[ -f $dir/ca.crt && -f $dir/server.crt ]] || notary_harness_certs "$dir" || { echo "notary_harness_start: openssl failed" >&2; return 1; }
  NOTARY_PORT=$(notary_harness_free_port)
  local trust='{"type":"local","hostname":"","port":"","key_algorithm":"ed25519"}'
  if [[ $mode == signer ]]; then
    NOTARY_SIGNER_PORT=$(notary_harness_free_port)
    cat >"$dir/signer.json" <<JSON
{"server":{"grpc_addr":"127.0.0.1:$NOTARY_SIGNER_PORT","tls_cert_file":"$dir/server.crt","tls_key_file":"$dir/server.key","client_ca_file":"$dir/ca.crt"},
 "logging":{"level":"${NOTARY_HARNESS_LOG_LEVEL:-error}"},"storage":{"backend":"memory"}}
JSON
    # Private keys the signer holds are encrypted with the passphrase of the default alias.
    NOTARY_SIGNER_DEFAULT_ALIAS=harness NOTARY_SIGNER_HARNESS=harness-signer-passphrase \
      notary-signer -config "$dir/signer.json" >"$dir/signer.log" 2>&1 &
    NOTARY_SIGNER_PID=$!
    export NOTARY_SIGNER_PID NOTARY_SIGNER_PORT
    if ! notary_harness_wait "$NOTARY_SIGNER_PID" notary_harness_listening "$NOTARY_SIGNER_PORT"; then
      echo "notary-signer did not start: $(tail -5 "$dir/signer.log")" >&2
      notary_harness_stop
      return 1
    fi
    trust='{"type":"remote","hostname":"127.0.0.1","port":"'$NOTARY_SIGNER_PORT'","tls_ca_file":"'$dir/ca.crt'","key_algorithm":"ecdsa","tls_client_cert":"'$dir/server.crt'","tls_client_key":"'$dir/server.key'"}'
  fi
  local auth=""
  [[ -n ${NOTARY_HARNESS_AUTH:-} ]] && auth="\"auth\":$NOTARY_HARNESS_AUTH,"
  cat >"$dir/server.json" <<JSON
{"server":{"http_addr":"127.0.0.1:$NOTARY_PORT","tls_key_file":"$dir/server.key","tls_cert_file":"$dir/server.crt"},
 "trust_service":$trust, $auth
 "logging":{"level":"${NOTARY_HARNESS_LOG_LEVEL:-error}"},"storage":{"backend":"memory"}}
JSON
  notary-server -config "$dir/server.json" >"$dir/server.log" 2>&1 &
  NOTARY_PID=$!
  export NOTARY_URL="https://127.0.0.1:$NOTARY_PORT" NOTARY_CA="$dir/ca.crt" NOTARY_PORT NOTARY_PID
  if notary_harness_wait "$NOTARY_PID" curl -sf -o /dev/null --cacert "$NOTARY_CA" "$NOTARY_URL/_notary_server/health" 2>/dev/null; then
    echo "NOTARY_URL=$NOTARY_URL"
    echo "NOTARY_CA=$NOTARY_CA"
    return 0
  fi
  echo "notary-server did not start: $(tail -5 "$dir/server.log")" >&2
  notary_harness_stop
  return 1
}

notary_harness_stop() {
  # shellcheck disable=SC2086 # zero, one or two pids
  notary_harness_kill ${NOTARY_PID:-} ${NOTARY_SIGNER_PID:-}
  unset NOTARY_PID NOTARY_SIGNER_PID
}
