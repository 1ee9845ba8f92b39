#!/usr/bin/env bash
# A hostile metadata server on 127.0.0.1: endless data and slow retrieval must be cut off by the
# size caps and timeouts, with their own errors, and nothing cached.
source "$(dirname "$0")/../interop/lib.sh"
cat >server.py <<'PY'
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        mode = sys.argv[2]
        self.send_response(200)
        if mode == "endless":          # no Content-Length, bytes forever
            self.end_headers()
            try:
                for _ in range(100000):
                    self.wfile.write(b" " * 65536)
            except Exception:
                pass
        elif mode == "huge-length":    # announces more than any cap
            self.send_header("Content-Length", str(1 << 40)); self.end_headers()
        else:                          # stalls: one byte, then nothing
            self.send_header("Content-Length", "100"); self.end_headers()
            self.wfile.write(b"{"); self.wfile.flush(); time.sleep(30)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT
# Sets $url; the server's output goes nowhere so that nothing waits on it.
start() {
  local p
  p=$(port)
  /usr/bin/python3 server.py "$p" "$1" >/dev/null 2>&1 &
  pids+=($!)
  url="http://127.0.0.1:$p"
  for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/"$p") 2>/dev/null && return; sleep 0.1; done
}
start endless
expect_fail 3 "exceeds the 5242880-byte limit" -- "$SIGNY" -d t --server "$url" list 127.0.0.1:5000/app
start huge-length
expect_fail 3 "limit" -- "$SIGNY" -d t --server "$url" list 127.0.0.1:5000/app
ok "endless data is cut off at the size cap"
start stall
begin=$(date +%s)
expect_fail 4 "timed out after 2 s" -- "$SIGNY" -d t --server "$url" -t 2 list 127.0.0.1:5000/app
(( $(date +%s) - begin < 10 )) || die "the timeout did not stop a stalled server in time"
ok "a stalled server is abandoned after -t seconds"
[[ ! -e t/tuf ]] || die "something was cached from a hostile server"
ok "nothing cached"
echo "$pass passed, 0 failed"
