# Starts and stops a real notary-server (Debian package `notary`) on 127.0.0.1 with TLS from a
# throw-away CA and memory storage. Source it, then:
#   notary_harness_start WORKDIR [local|signer] -> exports NOTARY_URL, NOTARY_CA, NOTARY_PORT
#     local:  the server's own trust service (ed25519 timestamp keys)
#     signer: notary-signer over mutual TLS with memory storage (ecdsa keys)
#   notary_harness_stop
# Loopback only; the server dies with the caller (stop it in an EXIT trap).

notary_harness_free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

notary_harness_start() {
  local dir=$1 mode=${2:-local}
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=signy test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >"$dir/ext.cnf"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/ext.cnf" -out "$dir/server.crt" 2>/dev/null
  NOTARY_PORT=$(notary_harness_free_port)
  local trust='{"type":"local","hostname":"","port":"","key_algorithm":"ed25519"}'
  if [[ $mode == signer ]]; then
    local sport
    sport=$(notary_harness_free_port)
    cat >"$dir/signer.json" <<JSON
{"server":{"grpc_addr":"127.0.0.1:$sport","tls_cert_file":"$dir/server.crt","tls_key_file":"$dir/server.key","client_ca_file":"$dir/ca.crt"},
 "logging":{"level":"error"},"storage":{"backend":"memory"}}
JSON
    NOTARY_SIGNER_DEFAULT_ALIAS=harness NOTARY_SIGNER_HARNESS=harness-signer-passphrase \
      notary-signer -config "$dir/signer.json" >"$dir/signer.log" 2>&1 &
    NOTARY_SIGNER_PID=$!
    export NOTARY_SIGNER_PID
    trust='{"type":"remote","hostname":"127.0.0.1","port":"'$sport'","tls_ca_file":"'$dir/ca.crt'","key_algorithm":"ecdsa","tls_client_cert":"'$dir/server.crt'","tls_client_key":"'$dir/server.key'"}'
    for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/"$sport") 2>/dev/null && break; sleep 0.1; done
  fi
  cat >"$dir/server.json" <<JSON
{"server":{"http_addr":"127.0.0.1:$NOTARY_PORT","tls_key_file":"$dir/server.key","tls_cert_file":"$dir/server.crt"},
 "trust_service":$trust,
 "logging":{"level":"error"},"storage":{"backend":"memory"}}
JSON
  notary-server -config "$dir/server.json" >"$dir/server.log" 2>&1 &
  NOTARY_PID=$!
  export NOTARY_URL="https://127.0.0.1:$NOTARY_PORT" NOTARY_CA="$dir/ca.crt" NOTARY_PORT NOTARY_PID
  for _ in $(seq 100); do
    curl -sf --cacert "$NOTARY_CA" "$NOTARY_URL/_notary_server/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "notary-server did not start: $(tail -5 "$dir/server.log")" >&2
  return 1
}

notary_harness_stop() {
  if [[ -n ${NOTARY_SIGNER_PID:-} ]]; then
    kill "$NOTARY_SIGNER_PID" 2>/dev/null || true
    wait "$NOTARY_SIGNER_PID" 2>/dev/null || true
    unset NOTARY_SIGNER_PID
  fi
  if [[ -n ${NOTARY_PID:-} ]]; then
    kill "$NOTARY_PID" 2>/dev/null || true
    wait "$NOTARY_PID" 2>/dev/null || true
    unset NOTARY_PID
  fi
}
